"""``python -m backend``: exit statuses, readable errors without tracebacks, and ``make bootstrap``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from systems import SYSTEMS

import backend.__main__ as cli
from backend.bootstrap import make_clients
from tests.backend.conftest import CREDENTIAL_VARIABLES, REGION
from tests.backend.helpers import deny

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def no_aws_calls(monkeypatch):
    """Fail the test if the CLI gets as far as building AWS clients."""
    def refuse(**_):
        raise AssertionError("the CLI built AWS clients")

    monkeypatch.setattr(cli, "make_clients", refuse)


def test_bootstrap_exits_zero_and_ends_with_the_summary(aws):
    status, out, err = run_cli("bootstrap")
    assert status == 0, err
    assert out.splitlines()[0] == (f"bootstrap: bucket codemate-terraform-state, table codemate-terraform-locks, "
                                   f"region {REGION}")
    assert out.splitlines()[-1] == "backend is as required; 15 change(s) made"


def test_verify_exits_zero_when_the_backend_is_as_required(aws):
    run_cli("bootstrap")
    status, out, _ = run_cli("verify")
    assert status == 0
    assert out.splitlines()[-1] == "backend is as required"


def test_verify_exits_one_and_lists_the_problems_when_the_backend_is_missing(aws):
    status, out, _ = run_cli("verify")
    assert status == 1
    assert "missing      bucket codemate-terraform-state versioning: none; required Enabled" in out


def test_dry_run_exits_one_while_changes_are_pending_and_zero_once_none_are(aws):
    assert run_cli("bootstrap", "--dry-run")[0] == 1
    run_cli("bootstrap")
    assert run_cli("bootstrap", "--dry-run")[0] == 0


def test_invalid_bucket_name_exits_two_before_any_aws_call(no_aws_calls):
    status, out, err = run_cli("bootstrap", "--bucket", "Codemate_State")
    assert status == 2
    assert err.splitlines() == [
        "error: invalid bucket name 'Codemate_State': S3 bucket names use lowercase letters, digits, '.' and '-', "
        "and start and end with a letter or digit",
        "fix: pass a valid --bucket and set state_bucket in environments/codemate/project.py to the same name",
        "nothing was changed",
    ]
    assert out == ""


def test_unknown_region_exits_two_before_any_aws_call(no_aws_calls):
    status, _, err = run_cli("verify", "--region", "ap-northeast-9")
    assert status == 2
    assert err.startswith("error: unknown region 'ap-northeast-9'\nfix: did you mean ap-northeast-")


def test_access_denied_exits_two_naming_the_permission(aws, monkeypatch):
    # GIVEN credentials that may do everything but PutBucketVersioning
    def denied_clients(**kwargs):
        clients = make_clients(**kwargs)
        deny(clients.s3, "PutBucketVersioning")
        return clients

    monkeypatch.setattr(cli, "make_clients", denied_clients)
    # WHEN bootstrapping
    status, out, err = run_cli("bootstrap")
    # THEN the error names the API action, and what was done before it is on screen
    assert status == 2
    assert err.splitlines() == [
        "error: access denied: PutBucketVersioning needs the IAM permission s3:PutBucketVersioning on "
        "arn:aws:s3:::codemate-terraform-state",
        "fix: grant s3:PutBucketVersioning (backend/iam/bootstrap-policy.json lists every permission the "
        "bootstrap needs)",
        "1 change(s) made before the error; rerun when fixed (the bootstrap is idempotent)",
    ]
    assert "created      bucket codemate-terraform-state: in ap-northeast-2" in out


def test_overridden_names_are_noted_as_differing_from_the_stacks(aws):
    _, out, _ = run_cli("bootstrap", "--dry-run", "--bucket", "other-state-bucket")
    assert ("note: --bucket other-state-bucket is not the codemate-terraform-state that environments/codemate/project.py "
            "gives every stack's backend") in out


def test_bootstrap_accepts_every_documented_option():
    args = cli.parser().parse_args([
        "bootstrap", "--region", "eu-west-1", "--bucket", "b-state", "--table", "t-locks", "--profile", "admin",
        "--endpoint-url", "http://127.0.0.1:5000", "--kms-key-id", "alias/state", "--dry-run",
    ])
    assert (args.region, args.bucket, args.table, args.profile, args.endpoint_url, args.kms_key_id, args.dry_run) == (
        "eu-west-1", "b-state", "t-locks", "admin", "http://127.0.0.1:5000", "alias/state", True)


def test_missing_credentials_exit_two_without_a_traceback(tmp_path):
    # GIVEN a shell with no AWS credentials of any kind
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in CREDENTIAL_VARIABLES}
    env.update(AWS_CONFIG_FILE=str(tmp_path / "none"), AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
               AWS_EC2_METADATA_DISABLED="true", HOME=str(tmp_path))
    # WHEN the real command runs
    result = subprocess.run([sys.executable, "-m", "backend", "verify"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    # THEN it stops with the cause and the fix, no traceback
    assert result.returncode == 2
    assert result.stderr.startswith("error: no AWS credentials found\nfix: pass --profile, set AWS_PROFILE")
    assert "Traceback" not in result.stderr


def test_make_bootstrap_runs_the_module_with_args():
    # A clean environment: under `make test` the parent make's MAKEFLAGS/MAKELEVEL (and FRAMEWORK,
    # which picks the venv: tests/test_frameworks.py) would leak in.
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "FRAMEWORK")}
    result = subprocess.run(["make", "--no-print-directory", "-n", "bootstrap", "ARGS=--dry-run --profile admin"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ".venv/bin/python -m backend bootstrap --dry-run --profile admin"


@pytest.mark.parametrize("system", [system.name for system in SYSTEMS if not system.primary])
def test_each_system_bootstraps_its_own_bucket_and_table(aws, system):
    bucket, table = f"{system}-terraform-state", f"{system}-terraform-locks"
    # GIVEN an empty account WHEN another system's backend is bootstrapped
    status, out, err = run_cli("bootstrap", "--system", system)
    # THEN its own bucket and table exist and verify passes; the primary system's are untouched
    assert status == 0, err
    assert out.splitlines()[0] == f"bootstrap: bucket {bucket}, table {table}, region {REGION}"
    assert run_cli("verify", "--system", system)[0] == 0
    assert run_cli("verify")[0] == 1  # codemate's backend was not created


def test_unknown_system_is_refused_before_any_call(no_aws_calls, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["verify", "--system", "nope"])
    assert stop.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err

# -- bad input the CLI used to accept or crash on (issue 16) ---------------------------------

@pytest.mark.parametrize("url, problem", [
    ("127.0.0.1:5000", "no http:// or https:// scheme"),
    ("localhost", "no http:// or https:// scheme"),
    ("ftp://127.0.0.1:5000", "scheme 'ftp' is not http or https"),
    ("http://", "no host name"),
    ("http://127.0.0.1:99999", "not a URL (Port out of range 0-65535)"),
])
def test_endpoint_url_without_a_usable_scheme_or_host_exits_two_in_one_line(no_aws_calls, url, problem):
    status, _, err = run_cli("verify", "--endpoint-url", url)
    assert status == 2
    assert err.splitlines() == [
        f"error: invalid --endpoint-url {url!r}: {problem}",
        "fix: give the emulator's full URL, e.g. --endpoint-url http://127.0.0.1:5000",
        "nothing was changed",
    ]


def test_endpoint_url_without_scheme_in_a_real_process_prints_no_traceback():
    result = subprocess.run([sys.executable, "-m", "backend", "verify", "--endpoint-url", "127.0.0.1:5000"],
                            cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: invalid --endpoint-url '127.0.0.1:5000': no http:// or https:// scheme")


@pytest.mark.parametrize("option", ["--bucket", "--table", "--region"])
def test_empty_name_is_refused_not_replaced_by_the_default(no_aws_calls, option):
    status, out, err = run_cli("bootstrap", option, "")
    assert status == 2
    assert err.startswith("error: ")
    assert "''" in err.splitlines()[0]
    assert out == ""


def test_unexpected_exception_is_one_line_exit_two(aws, monkeypatch):
    import backend.__main__ as module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(module, "run", broken)
    status, _, err = run_cli("verify")
    assert status == 2
    assert err.splitlines() == [
        "error: unexpected RuntimeError: boom",
        "fix: rerun with SYNTH_DEBUG=1 for the traceback and report it",
        "rerun when fixed (the bootstrap is idempotent)",
    ]


def test_ctrl_c_exits_130_like_the_synth(aws, monkeypatch):
    import backend.__main__ as module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "run", interrupted)
    status, _, err = run_cli("bootstrap")
    assert status == 130
    assert err.splitlines()[0] == "interrupted; rerun to finish (the bootstrap is idempotent)"
