"""SQS queues (with dead-letter queues) and EventBridge buses."""
