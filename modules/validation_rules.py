"""Small rules several options share (no import of any other module of the library)."""

from __future__ import annotations

import re

# GitHub owner (39 chars, inner single hyphens) / repository (100 chars).
_GITHUB_REPOSITORY = re.compile(r"^[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9._-]{1,100}$")


def github_repository_problem(repository: str) -> str | None:
    """Why ``repository`` is not a GitHub ``owner/name``, or ``None``."""
    if not _GITHUB_REPOSITORY.match(repository) or repository.split("/")[1] in (".", ".."):
        return "not a GitHub repository 'owner/name'"
    return None


def branch_problem(branch: str) -> str | None:
    """Why ``branch`` is not one usable Git branch name, or ``None``."""
    if not branch.strip():
        return "an empty branch name"
    if re.search(r"[\s~^:?*\[\\]|\.\.|@\{|//", branch) or branch in ("@", "HEAD"):
        return "not a Git branch name (no spaces, '..', '~^:?*[\\', '@{' or '//'; wildcards are not allowed)"
    if branch.startswith(("/", "-", ".")) or branch.endswith(("/", ".", ".lock")):
        return "not a Git branch name (it may not start with '/', '-' or '.', nor end with '/', '.' or '.lock')"
    if len(branch) > 255:
        return f"{len(branch)} characters; keep branch names within 255"
    return None
