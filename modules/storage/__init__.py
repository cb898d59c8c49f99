"""Storage: the S3 buckets of the application."""
