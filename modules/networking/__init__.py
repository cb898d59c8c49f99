"""Networking: VPC, security groups, load balancer."""
