"""Secrets: Secrets Manager containers (values are set out of band)."""
