"""Remote state: the S3 backend of every stack, and the command that bootstraps it."""
