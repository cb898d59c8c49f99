"""The security gate: checkov and a secret scan over the synthesized Terraform JSON (docs/security-gate.md)."""
