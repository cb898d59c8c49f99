"""UniSync (document 002): four Spring services with service discovery, MySQL, a Python Lambda and SQS."""
