"""Command-line plumbing shared by the commands: output-directory safety, one-line failures."""
