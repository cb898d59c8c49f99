"""A stack's process reports in JSON on stdout; moto may print a line of its own there first (for a service
it has no backend for, e.g. IAM Access Analyzer in the account stack). The report is still read. And the text
report ends with the stacks that did not pass, named and repeated (CI logs are read from the tail)."""

from __future__ import annotations

import json

from rehearsal.__main__ import _report_text, cycle_lines, failure_summary, summary_lines
from rehearsal.runner import StackReport, Step

REPORT = json.dumps({"ok": True, "stacks": [{"stack": "account-shared", "ok": True}]}, indent=2) + "\n"


def test_a_report_alone_is_read_as_it_is():
    assert json.loads(_report_text(REPORT))["stacks"][0]["stack"] == "account-shared"


def test_lines_moto_printed_before_the_report_are_skipped():
    noise = ("Unable to find appropriate backend for access-analyzer.ap-northeast-2.amazonaws.com.Remember to "
             "add the URL to urls.py, and run scripts/update_backend_index.py to index it.\n") * 2
    assert json.loads(_report_text(noise + REPORT))["stacks"][0]["ok"] is True


def test_output_without_a_report_stays_unreadable():
    try:
        json.loads(_report_text("Traceback (most recent call last):\n  boom\n"))
    except ValueError:
        return
    raise AssertionError("a process without a report must still fail its stack")


def test_the_summary_names_the_stacks_that_did_not_pass_and_repeats_their_lines_last():
    ok = StackReport("dev", "conduit/dev", ok=True, init=Step(True, 0.5), validate=Step(True, 3.0), applied=True,
                     plan=Step(True, 8.0), apply=Step(True, 70.0), created=55, planned=55)
    bad = StackReport("prod", "unisync/prod", ok=False, init=Step(True, 0.5), validate=Step(True, 3.0), applied=True,
                      plan=Step(True, 9.0), apply=Step(True, 99.0), created=170, planned=171,
                      failed=["aws_backup_selection.x: 500 Internal Server Error"])
    lines = summary_lines([ok, bad, ok], applied=True)
    assert lines[0] == "--- the 1 stack(s) that did not pass, again ---"
    assert lines[-1] == "rehearsal: 2 of 3 stack(s) passed; not passed: unisync/prod"
    assert any("failed: aws_backup_selection.x: 500 Internal Server Error" in line for line in lines)
    assert not any(line.startswith("conduit/dev") for line in lines)
    # every stack passed: the count alone; validate only says so
    assert summary_lines([ok, ok], applied=True) == ["rehearsal: 2 of 2 stack(s) passed"]
    assert summary_lines([ok], applied=False) == ["rehearsal: 1 of 1 stack(s) passed (validate only; --apply for the full cycle)"]


def test_a_stack_that_passed_on_a_later_attempt_is_named_with_why_the_earlier_one_did_not():
    flaky = StackReport("dev", "nest-api/dev", ok=True, init=Step(True, 0.5), validate=Step(True, 3.0), applied=True,
                        plan=Step(True, 8.0), apply=Step(True, 70.0), created=60, planned=60,
                        earlier_attempts=["attempt 1: failed: aws_ecs_service.api: timeout while waiting for state"])
    lines = summary_lines([flaky], applied=True)
    assert lines == [
        "--- the 1 stack(s) that passed only on a later attempt (flaky: read why) ---",
        "nest-api/dev         attempt 1: failed: aws_ecs_service.api: timeout while waiting for state",
        "rehearsal: 1 of 1 stack(s) passed; on a later attempt: nest-api/dev"]
    assert cycle_lines(flaky)[:2] == [
        "nest-api/dev         cycle ok in 0.0 s (attempt 2)",
        "                     earlier attempt 1: failed: aws_ecs_service.api: timeout while waiting for state"]


def test_why_a_stack_did_not_pass_fits_one_line():
    assert failure_summary(StackReport("x", "x", init=Step(False, 0.0, "exited 1 without a report"))) == \
        "init: exited 1 without a report"
    assert failure_summary(StackReport("x", "x", init=Step(True, 0.1), validate=Step(False, 1.0), validate_errors=2)) \
        == "validate: 2 error(s), 0 warning(s)"
    applied = StackReport("x", "x", init=Step(True, 0.1), validate=Step(True, 1.0), applied=True, plan=Step(True, 1.0),
                          apply=Step(True, 5.0), planned=2, created=1, failed=["aws_sqs_queue.q: 500"])
    assert failure_summary(applied) == "failed: aws_sqs_queue.q: 500"
