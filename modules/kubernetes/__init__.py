"""Kubernetes on AWS: the EKS control plane and its managed node groups."""
