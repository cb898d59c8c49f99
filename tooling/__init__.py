"""Project tooling that is neither the app nor its tests: output-directory safety, one-line
failures (the commands' plumbing) and the framework comparison (tooling.compare_frameworks)."""
