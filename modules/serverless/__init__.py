"""Lambda functions and their event sources."""
