"""A stack's process reports in JSON on stdout; moto may print a line of its own there first (for a service
it has no backend for, e.g. IAM Access Analyzer in the account stack). The report is still read."""

from __future__ import annotations

import json

from rehearsal.__main__ import _report_text

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
