"""Every failure of a command as one line on stderr and a documented exit status.

    0   success
    2   bad input: a wrong setting, an error in a settings file, an unusable output directory
    1   unexpected error (a bug): one line naming the exception and where it was raised
    130 interrupted (Ctrl-C); 143 terminated (SIGTERM)
    141 the reader of stdout went away (``main.py --list | head``): nothing printed, like any Unix tool

``--debug`` on the command line, or ``SYNTH_DEBUG=1`` in the environment,
prints the full traceback instead (for a bug report).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Callable, Iterator, Sequence, TextIO

from modules.errors import ConfigError
from modules.errors import ROOT, _inside, _relative, python_message, settings_file_location  # noqa: F401
from tooling.outdir import OutputDirError

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a terminated process
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports when the reader of a pipe left early
DEBUG_VARIABLE = "SYNTH_DEBUG"


class Terminated(BaseException):
    """SIGTERM (a CI timeout, ``kill``), raised like Ctrl-C so that the staging directory is removed."""

class OneLineParser(argparse.ArgumentParser):
    """``argparse`` whose usage errors are one line and exit 2, like every other bad input:
    ``error: python -m backend verify: argument --system: invalid choice: 'x' (choose from ...) — fix: see
    python -m backend verify --help`` (no usage block). Subcommand parsers inherit the class."""

    def error(self, message: str):  # noqa: D401 - argparse's hook
        self.exit(EXIT_BAD_INPUT, f"error: {self.prog}: {' '.join(message.split())} — fix: see {self.prog} --help\n")


def debug_requested(argv: Sequence[str] | None = None) -> bool:
    argv = sys.argv[1:] if argv is None else argv
    return "--debug" in argv or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")


def _project_frame(error: BaseException) -> tuple[str, int] | None:
    """(file, line) of the innermost frame of ``error``'s traceback that is a file of this project (not a
    library, not the jsii plumbing every call passes through), or where a deferred creation that Node
    refused was made (modules/jsii_deferred.py: the error surfaces at a later call)."""
    created_at = getattr(error, "created_at", None)
    if created_at is not None and _inside(created_at[0], ROOT):
        return created_at
    from modules.jsii_deferred import OWN_FILES

    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if Path(f.filename).is_absolute() or Path(f.filename).exists()]
    ours = [f for f in frames if _inside(f.filename, ROOT) and ".venv" not in Path(f.filename).parts
            and f.filename not in OWN_FILES]
    return (ours[-1].filename, ours[-1].lineno) if ours else None


def describe(error: BaseException, *, outdir: str | None = None) -> tuple[list[str], int]:
    """The lines to print and the exit status for ``error``."""
    unchanged = [f"nothing written; {outdir} is unchanged"] if outdir is not None else []
    if isinstance(error, Terminated):
        return [f"terminated; {outdir} unchanged" if outdir is not None else "terminated"], EXIT_TERMINATED
    if isinstance(error, KeyboardInterrupt):
        return [f"interrupted; {outdir} unchanged" if outdir is not None else "interrupted"], EXIT_INTERRUPTED
    if isinstance(error, ConfigError):
        return [f"error: {error}", *unchanged], EXIT_BAD_INPUT
    if isinstance(error, OutputDirError):
        return [f"error: {error}", "nothing written"], EXIT_BAD_INPUT
    if location := settings_file_location(error):
        file, line = location
        return [f"error: {file}:{line}: {python_message(error)} — fix: correct line {line} of {file}",
                *unchanged], EXIT_BAD_INPUT
    frame = _project_frame(error)
    where = f" at {_relative(frame[0])}:{frame[1]}" if frame else ""
    return [f"unexpected error{where}: {python_message(error)} — rerun with --debug (or {DEBUG_VARIABLE}=1) "
            "for the traceback and report it", *unchanged], EXIT_UNEXPECTED


def report(error: BaseException, *, outdir: str | None = None, debug: bool = False,
           err: TextIO | None = None) -> int:
    """Print ``error`` as :func:`describe` says (and the traceback when ``debug``); return the exit status."""
    err = err or sys.stderr
    if debug and not isinstance(error, (KeyboardInterrupt, Terminated)):
        traceback.print_exception(error, file=err)
    lines, status = describe(error, outdir=outdir)
    for line in lines:
        print(line, file=err)
    return status


def run(body: Callable[[], int], *, outdir: Callable[[], str | None] = lambda: None,
        debug: bool | None = None) -> int:
    """``body()``, with every exception turned into :func:`report`'s lines and status."""
    try:
        return body()
    except (SystemExit, GeneratorExit):
        raise
    except BrokenPipeError:
        # stdout's reader closed the pipe (`--list | head`): no message; keep the interpreter's
        # final flush from failing again on the closed pipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except BaseException as error:  # noqa: BLE001 - the point: no traceback unless asked for
        return report(error, outdir=outdir(), debug=debug_requested() if debug is None else debug)


@contextlib.contextmanager
def import_guard() -> Iterator[None]:
    """Around a command's top-level imports: an error in a settings file exits with one line."""
    try:
        yield
    except Exception as error:  # noqa: BLE001
        sys.exit(report(error, debug=debug_requested()))


def entry(command: Callable[[], int]) -> None:
    """Run a command as a program: SIGTERM is handled like Ctrl-C, then :func:`exit_with`."""
    def terminate(signum, frame):
        raise Terminated

    signal.signal(signal.SIGTERM, terminate)
    exit_with(run(command))


def exit_with(status: int) -> None:
    """``sys.exit(status)``; after Ctrl-C, exit at once: the framework's child process got the
    signal too, and its shutdown hooks would only add noise after the one line."""
    if status in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
