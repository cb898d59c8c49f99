"""Output-directory safety: what the synth may replace, and how it replaces it.

The synth writes into a sibling staging directory and swaps it into place only
when every stack succeeded. Because the swap renames and deletes whatever path
it is given, the path is checked first. :func:`prepared` refuses, with
:class:`OutputDirError` (one line, nothing touched):

* an empty value (``--outdir ''``, ``CDKTF_OUTDIR=``);
* ``/``, the home directory, the project root, the current directory, and any
  ancestor of these (``--outdir .`` or ``..`` from the repository);
* a symbolic link, an existing regular file or anything else that is not a
  directory;
* a non-empty directory that does not carry the marker file :data:`MARKER`
  (the tool writes it into every output directory). One exception, for output
  written before the marker existed: a directory holding only cdktf's
  ``manifest.json`` (with its ``stacks`` key) and ``stacks/``.

An empty directory, a missing path, or a directory with the marker is
replaced. Runs on the same output directory are serialized by an exclusive
``flock`` on ``.<name>.lock`` beside it (a second run waits). Staging
(``.<name>.new-*``) and backup (``.<name>.old-*``) directories left by a run
that was killed (SIGKILL, power loss) are removed by the next run, only if
they carry the marker.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterator

MARKER = ".synth-output"
"""File in every output directory the tool writes; its presence makes the directory replaceable."""
MARKER_TEXT = json.dumps({
    "written_by": "main.py (cdktf synth)",
    "format": 1,
    "note": "this directory is replaced as a whole by the next synth; do not keep files here",
}, indent=2) + "\n"
LEGACY_ENTRIES = frozenset({"manifest.json", "stacks"})
"""What a cdktf output directory written before the marker existed holds."""


class OutputDirError(Exception):
    """The output directory may not be used. ``str()`` is one line: path, reason, fix."""

    def __init__(self, path: str, problem: str, fix: str):
        self.path, self.problem, self.fix = path, problem, fix
        super().__init__(f"output directory {path!r}: {problem} — fix: {fix}")


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _is_same_or_ancestor(candidate: Path, of: Path) -> bool:
    return candidate == of or candidate in of.parents


def has_marker(path: Path) -> bool:
    marker = path / MARKER
    return marker.is_file() and not marker.is_symlink()


def is_legacy_output(path: Path) -> bool:
    """A cdktf output directory written before the marker: only ``manifest.json`` (cdktf's) and ``stacks/``."""
    try:
        entries = {p.name for p in path.iterdir()}
        if "manifest.json" not in entries or not entries <= LEGACY_ENTRIES:
            return False
        manifest = json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError):
        return False
    stacks = path / "stacks"
    return (isinstance(manifest, dict) and isinstance(manifest.get("stacks"), dict)
            and (not stacks.exists() or (stacks.is_dir() and not stacks.is_symlink())))


def check(value: str, *, protected: tuple[Path, ...] = ()) -> Path:
    """The absolute output path for ``value``, or :class:`OutputDirError` if it may not be replaced.

    ``protected`` are directories that may be neither the output nor under it (the project root);
    ``/``, the home directory and the current directory always are.
    """
    try:
        return _check(value, protected)
    except OSError as error:  # e.g. a name too long for the file system, a loop of links
        raise _fs_error(Path(value), error, "inspect") from None


def _check(value: str, protected: tuple[Path, ...]) -> Path:
    if not value or not value.strip():
        raise OutputDirError(value, "empty", "pass a directory name, e.g. --outdir cdktf.out "
                             "(an empty CDKTF_OUTDIR counts: unset it)")
    path = Path(os.path.abspath(value))
    real = _real(path)
    guarded = {Path(p): "the project root" for p in protected}
    guarded.setdefault(Path.cwd(), "the current directory")
    guarded.setdefault(Path.home(), "your home directory")
    guarded.setdefault(Path("/"), "the file-system root")
    exact = [label for directory, label in guarded.items() if real == _real(directory)]
    above = [f"an ancestor of {label} ({directory})" for directory, label in guarded.items()
             if _is_same_or_ancestor(real, _real(directory))]
    if exact or above:
        raise OutputDirError(value, f"is {(exact or above)[0]}; the synth replaces its output directory as a whole",
                             "pass a dedicated directory such as cdktf.out")
    if path.is_symlink():
        raise OutputDirError(value, f"is a symbolic link (to {os.readlink(path)})",
                             "pass the directory it points to, or another path")
    if path.exists():
        if not path.is_dir():
            raise OutputDirError(value, "exists and is not a directory (a file would be replaced)",
                                 "pass another path, or move the file away")
        try:
            empty = next(path.iterdir(), None) is None
        except OSError as error:
            raise OutputDirError(value, f"cannot be read: {error.strerror}", "pass a directory you can read") from None
        if not empty and not has_marker(path) and not is_legacy_output(path):
            raise OutputDirError(value, f"is a non-empty directory this tool did not write (no {MARKER} file); "
                                 "replacing it would delete its files",
                                 "pass a new or empty directory, or move its files away")
    else:
        ancestor = path.parent
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise OutputDirError(value, f"{ancestor} is a file, not a directory",
                                 "pass a path whose parents are directories")
    return path


def stale_siblings(path: Path) -> list[Path]:
    """Staging and backup directories of earlier, killed runs on ``path`` that carry the marker."""
    if not path.parent.is_dir():
        return []
    found = []
    for kind in ("new", "old"):
        for candidate in path.parent.glob(f".{path.name}.{kind}-*"):
            if candidate.is_dir() and not candidate.is_symlink() and has_marker(candidate):
                found.append(candidate)
    return sorted(found)


@contextlib.contextmanager
def locked(path: Path, *, waiting_message: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on ``.<name>.lock`` beside ``path``; wait while another run holds it.

    The lock file is removed on release; a waiter that then gets the lock on the removed file
    notices (the path names another inode or none) and locks the new file instead.
    """
    lock_path = path.parent / f".{path.name}.lock"
    announced = False
    while True:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting_message and not announced:
                    print(f"waiting: another synth is writing {path}", file=sys.stderr, flush=True)
                    announced = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # the holder removed it while we waited: lock the current file
                os.close(fd)
                continue
        except BaseException:
            os.close(fd)
            raise
        break
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(lock_path)
        os.close(fd)  # releases the lock


def _fs_error(path: Path, error: OSError, what: str) -> OutputDirError:
    where = error.filename or path
    fix = {errno.EROFS: "pass a directory on a writable file system",
           errno.EACCES: "pass a directory you may write to",
           errno.EPERM: "pass a directory you may write to",
           errno.ENOTDIR: "pass a path whose parents are directories",
           errno.ENOSPC: "free some space or pass a directory on another file system"}.get(
        error.errno, "pass another --outdir")
    return OutputDirError(str(path), f"cannot {what} {where}: {error.strerror or error}", fix)


def _mark(directory: Path) -> None:
    (directory / MARKER).write_text(MARKER_TEXT)


@contextlib.contextmanager
def prepared(value: str, *, protected: tuple[Path, ...] = ()) -> Iterator[Path]:
    """Check ``value``, lock it, clean stale siblings; yield a marked staging directory.

    The caller writes the new output into the yielded directory. When the block ends normally
    the staging directory replaces the output (rename, then the old one is deleted); when it
    raises (bad input, Ctrl-C) the staging directory is deleted and the output is untouched.
    File-system failures become :class:`OutputDirError` with the path and the reason.
    """
    path = check(value, protected=protected)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _fs_error(path, error, "create") from None
    try:
        lock = locked(path)
        lock.__enter__()
    except OSError as error:
        raise _fs_error(path, error, "lock") from None
    try:
        path = check(value, protected=protected)  # again, now that no other run changes it
        for stale in stale_siblings(path):
            shutil.rmtree(stale, ignore_errors=True)
        try:
            staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.new-", dir=path.parent))
            umask = os.umask(0)
            os.umask(umask)
            staging.chmod(0o777 & ~umask)  # mkdtemp makes it 0700; the output is an ordinary directory
            _mark(staging)
        except OSError as error:
            raise _fs_error(path, error, "write in") from None
        try:
            yield staging
            _mark(staging)  # in case the writer cleared the directory
            _swap(staging, path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    finally:
        lock.__exit__(None, None, None)


def _swap(new: Path, final: Path) -> None:
    """Move ``new`` to ``final``; the previous ``final`` (if any) is deleted after the move."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    try:
        if final.exists():
            if not has_marker(final):
                _mark(final)  # an empty or legacy output: marked, so a killed run's backup is cleaned later
            final.rename(old)
        try:
            new.rename(final)
        except BaseException:
            if old.exists():
                old.rename(final)
            raise
    except OSError as error:
        raise _fs_error(final, error, "replace") from None
    shutil.rmtree(old, ignore_errors=True)
