"""The NestJS API (document 004) — see README.md beside this file."""
