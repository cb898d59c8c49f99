"""IAM: policy documents scoped to ARNs (roles live with the construct that uses them)."""
