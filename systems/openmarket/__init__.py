"""OpenMarket (document 003): EKS, Aurora MySQL, Redis, S3 uploads and four Node.js functions."""
