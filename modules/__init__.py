"""Reusable constructs, one folder per area (mirrors the Terraform ``modules/`` tree)."""
