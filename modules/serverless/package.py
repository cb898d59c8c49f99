"""A reproducible zip of a function's source directory, built at synth time (no framework import).

The same files give the same bytes (entries sorted, fixed timestamps and permissions, caches and
hidden files left out), so the zip's SHA-256 — the function's ``source_code_hash``, which is what
Lambda reports as ``CodeSha256`` — changes only when the code does: a new synth of unchanged code
plans no update. (cdktf's ``AssetType.ARCHIVE`` zips with file modification times, so its bytes
change on every checkout; this builds the archive itself and hands it to ``TerraformAsset`` as a
file.)
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""Relative ``source`` directories are relative to the repository root, whatever the working directory."""
_SKIPPED_DIRECTORIES = {"__pycache__", "node_modules/.cache", ".pytest_cache", ".mypy_cache"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
_STAGING: list[Path] = []


@dataclass(frozen=True)
class Package:
    """A built zip: where it is, its ``base64(sha256)`` (``source_code_hash``) and its files."""

    path: Path
    base64_sha256: str
    files: tuple[str, ...]

    @property
    def short_hash(self) -> str:
        """32 hex characters of the SHA-256: the asset's folder name in the synthesized output."""
        return base64.b64decode(self.base64_sha256).hex()[:32].upper()


def source_directory(source: str) -> Path:
    path = Path(source)
    return path if path.is_absolute() else ROOT / path


def packaged_files(directory: Path) -> list[Path]:
    """The files that go into the zip, sorted by their path inside it."""
    files = []
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if not path.is_file() or path.suffix in _SKIPPED_SUFFIXES:
            continue
        if any(part.startswith(".") or part in _SKIPPED_DIRECTORIES for part in relative.parts):
            continue
        if relative.name.startswith("test_") or relative.name.endswith("_test.py"):
            continue  # tests stay out of the deployed code
        files.append(path)
    return sorted(files, key=lambda p: p.relative_to(directory).as_posix())


def build(source: str, name: str) -> Package:
    """Zip ``source`` into a staging directory (removed when the process exits) as ``<name>.zip``."""
    directory = source_directory(source)
    files = packaged_files(directory)
    if not files:
        raise FileNotFoundError(f"{directory} has no files to package")
    staging = Path(tempfile.mkdtemp(prefix="function-package-"))
    if not _STAGING:
        atexit.register(lambda: [shutil.rmtree(p, ignore_errors=True) for p in _STAGING])
    _STAGING.append(staging)
    target = staging / f"{name}.zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), date_time=_FIXED_TIME)
            info.external_attr = (0o100644 << 16)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    digest = hashlib.sha256(target.read_bytes()).digest()
    return Package(target, base64.b64encode(digest).decode(),
                   tuple(p.relative_to(directory).as_posix() for p in files))
