"""Observability: CloudWatch alarms, the dashboard and the SNS topic they notify."""
