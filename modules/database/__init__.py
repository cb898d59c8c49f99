"""Data stores: RDS and ElastiCache."""
