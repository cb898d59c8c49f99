"""Security: KMS keys (and, later, IAM helpers shared by several modules)."""
