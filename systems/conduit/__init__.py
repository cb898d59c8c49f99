"""Conduit: the RealWorld API (document 000) — see README.md beside this file."""
