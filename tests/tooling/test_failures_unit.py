"""tooling/failures.py on its own: the lines and status for each kind of exception."""

from __future__ import annotations

import io

from modules.errors import ConfigError
from tooling import failures
from tooling.outdir import OutputDirError


def test_each_kind_of_failure_has_its_status():
    cases = [
        (ConfigError("dev", "f", 1, "bad", "fix it"), 2, ["error: [dev] f = 1: bad — fix: fix it",
                                                          "nothing written; out is unchanged"]),
        (OutputDirError(".", "is the project root", "pass cdktf.out"), 2,
         ["error: output directory '.': is the project root — fix: pass cdktf.out", "nothing written"]),
        (KeyboardInterrupt(), 130, ["interrupted; out unchanged"]),
    ]
    for error, status, lines in cases:
        assert failures.describe(error, outdir="out") == (lines, status)


def test_a_bug_is_exit_1_with_where_it_was_raised():
    def buggy():
        raise RuntimeError("boom\nsecond line")

    err = io.StringIO()
    try:
        buggy()
    except RuntimeError as error:
        status = failures.report(error, outdir="out", err=err)
    assert status == 1
    first, second = err.getvalue().splitlines()
    assert first.startswith("unexpected error at tests/tooling/test_failures_unit.py:")
    assert first.endswith(": RuntimeError: boom second line — rerun with --debug (or SYNTH_DEBUG=1) for the "
                          "traceback and report it")
    assert second == "nothing written; out is unchanged"


def test_after_the_output_is_in_place_no_line_claims_it_unchanged():
    assert failures.describe(KeyboardInterrupt()) == (["interrupted"], 130)
    lines, status = failures.describe(RuntimeError("x"))
    assert status == 1 and len(lines) == 1


def test_debug_prints_the_traceback_first():
    err = io.StringIO()
    try:
        raise ValueError("kaput")
    except ValueError as error:
        failures.report(error, debug=True, err=err)
    text = err.getvalue()
    assert text.startswith("Traceback (most recent call last):") and "ValueError: kaput" in text
    assert text.splitlines()[-1].startswith("unexpected error at ")


def test_debug_is_requested_by_flag_or_variable(monkeypatch):
    monkeypatch.delenv("SYNTH_DEBUG", raising=False)
    assert failures.debug_requested(["dev", "--debug"])
    assert not failures.debug_requested(["dev"])
    monkeypatch.setenv("SYNTH_DEBUG", "1")
    assert failures.debug_requested([])
    monkeypatch.setenv("SYNTH_DEBUG", "0")
    assert not failures.debug_requested([])


def test_sigterm_is_reported_like_ctrl_c_with_its_own_status():
    assert failures.describe(failures.Terminated(), outdir="out") == (["terminated; out unchanged"], 143)
