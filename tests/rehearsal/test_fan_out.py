"""``--apply --jobs N``: each stack rehearsed in a process of its own, with its own emulator, N at a time.

Stacks that stop at validate keep it short: a full cycle costs ~40 s of Terraform start-ups even for
one resource (a single log group: 41 s wall, 55 s of CPU), and the process a child runs is the one `make rehearse STACKS=dev APPLY=1` (`.ci/run`) proves on
every system's dev. Skipped only where terraform or the provider mirror is absent (the reason says which).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rehearsal.runner import Change, StackReport, Step
from tests.rehearsal.test_terraform import pytestmark as _rehearsal_marks
from tests.rehearsal.test_terraform import ROOT, rehearse

pytestmark = _rehearsal_marks


def invalid_stack(outdir: Path, name: str) -> None:
    """A synthesized-looking stack whose one resource has an argument the provider does not know."""
    document = {
        "provider": {"aws": [{"region": "eu-central-1"}]},
        "terraform": {"required_providers": {"aws": {"source": "aws", "version": "6.25.0"}},
                      "backend": {"s3": {"bucket": "state", "key": f"{name}/terraform.tfstate", "region": "eu-central-1"}}},
        "resource": {"aws_cloudwatch_log_group": {"logs": {"name": f"/rehearsal/{name}", "no_such_argument": 7}}},
    }
    (outdir / "stacks" / name).mkdir(parents=True)
    (outdir / "stacks" / name / "cdk.tf.json").write_text(json.dumps(document))


def test_each_stack_is_rehearsed_in_a_process_of_its_own_and_the_reports_come_back_in_order(tmp_path):
    # GIVEN two stacks the provider rejects and a file that is not a synthesized AWS stack
    out = tmp_path / "cdktf.out"
    for name in ("alpha", "beta"):
        invalid_stack(out, name)
    (out / "stacks" / "broken").mkdir(parents=True)
    (out / "stacks" / "broken" / "cdk.tf.json").write_text("{}")
    # WHEN they are rehearsed with --apply, two at a time, a stack that did not pass tried once more
    report, done = rehearse(out, "--apply", "--jobs", "2", "--retries", "1", "--workdir", str(tmp_path / "work"),
                            timeout=600)
    # THEN every stack has its report, in the stacks' order
    alpha, beta, broken = report["stacks"]
    assert [alpha["stack"], beta["stack"], broken["stack"]] == ["alpha", "beta", "broken"]
    # each validated by its own process against its own emulator, in its own directory, and not applied
    for stack in (alpha, beta):
        assert stack["init"]["ok"] and stack["validate"]["ok"] is False and stack["applied"] is False, stack
        assert any("no_such_argument" in d for d in stack["diagnostics"]), stack["diagnostics"]
        assert stack["emulator"].startswith("http://127.0.0.1:")
        assert (tmp_path / "work" / stack["stack"] / "validate.log").is_file()
    assert alpha["emulator"] != beta["emulator"]
    # a process that ends without a report fails its stack, with the process's last words
    assert broken["ok"] is False and broken["init"]["ok"] is False
    assert "exited 1 without a report" in broken["init"]["detail"]
    assert "not a synthesized AWS stack" in broken["init"]["detail"]
    assert report["ok"] is False and done.returncode == 1
    # the process that ended without a report was tried again, in a directory of its own; the stacks the
    # provider rejected were not (they fail the same way every time)
    (first,) = broken["earlier_attempts"]
    assert first.startswith("attempt 1: init: its rehearsal process exited 1 without a report")
    assert (tmp_path / "work" / "attempt-2").is_dir()
    assert alpha["earlier_attempts"] == beta["earlier_attempts"] == []


def test_the_text_report_says_when_each_stacks_process_starts_and_how_it_ended(tmp_path):
    # GIVEN two files that are not synthesized AWS stacks (their processes end at once)
    out = tmp_path / "cdktf.out"
    for name in ("one", "two"):
        (out / "stacks" / name).mkdir(parents=True)
        (out / "stacks" / name / "cdk.tf.json").write_text("{}")
    # WHEN they are rehearsed side by side, for a reader, without --workdir (a temporary scratch directory)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    done = subprocess.run([sys.executable, "-m", "rehearsal", "--outdir", str(out), "--apply"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "TMPDIR": str(tmp)})
    # THEN each stack's start and end is a line, and the summary counts them
    lines = done.stdout.splitlines()
    for name in ("one", "two"):
        assert f"{name:<20} started: validate, then the cycle, in a process of its own" in lines
        assert any(line.startswith(f"{name:<20} init FAILED") and "without a report" in line for line in lines)
    assert lines[-1] == "rehearsal: 0 of 2 stack(s) passed; not passed: one, two" and done.returncode == 1
    # and the stacks that did not pass are repeated just above it, for a log read from its tail
    again = lines.index("--- the 2 stack(s) that did not pass, again ---")
    assert [line.split()[0] for line in lines[again + 1:-1] if not line.startswith(" ")] == ["one", "one", "two", "two"]
    assert list(tmp.iterdir()) == []  # the scratch directory the stacks' processes shared is gone


def test_a_report_read_back_from_json_is_the_same_report():
    report = StackReport("dev", "codemate/dev", ok=True, init=Step(True, 0.7), validate=Step(True, 4.4),
                         replan=Step(False, 9.7), created=148, emulator="http://127.0.0.1:1234",
                         replan_changes=[Change("aws_kms_key.k", ["update"], ["rotation_period_in_days"], True,
                                                ["moto drops it"])])
    assert StackReport.from_dict(json.loads(json.dumps(report.as_dict()))) == report
