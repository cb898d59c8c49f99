"""Project tooling that is neither the app nor its tests (tooling.compare_frameworks)."""
