"""security/gate: checkov + secret scan of every synthesized environment, against the accepted list.

These tests run the real checkov from ``.venv-checkov`` (``make test`` creates it);
they fail, not skip, when it is missing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from environments import ENVIRONMENT_NAMES, load
from main import synthesize
from security import gate
from security.gate import Accepted, GateError, evaluate, load_accepted, scan, scan_files
from systems import SYSTEMS

LOG_GROUP_PATH = "network/flow-log-group"


@pytest.fixture(scope="session")
def committed_output(all_stacks_output) -> Path:
    """``main.py``'s output for every stack with its committed settings (the run's shared synth)."""
    return all_stacks_output


def _weakened(committed_output: Path, into: Path) -> dict[str, Path]:
    """Copies of prod's output with one protection undone each (the gate must fail on them)."""
    copies = {}
    outdir, doc = copy_stack(committed_output, "prod", into / "kms")
    (group,) = [g for g in doc["resource"]["aws_cloudwatch_log_group"].values()
                if g["//"]["metadata"]["path"] == f"prod/{LOG_GROUP_PATH}"]
    del group["kms_key_id"]  # the flow-log group loses its KMS key
    write_stack(outdir, "prod", doc)
    copies["flow-log-group-without-kms"] = outdir / "stacks" / "prod" / "cdk.tf.json"
    outdir, doc = copy_stack(committed_output, "prod", into / "waf")
    del doc["resource"]["aws_wafv2_web_acl_association"]  # no web ACL, and the uploads back on SSE-S3
    for encryption in doc["resource"]["aws_s3_bucket_server_side_encryption_configuration"].values():
        if encryption["//"]["metadata"]["path"] == "prod/storage/files-encryption":
            encryption["rule"] = [{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}]
    write_stack(outdir, "prod", doc)
    copies["without-waf-and-upload-kms"] = outdir / "stacks" / "prod" / "cdk.tf.json"
    return copies


@pytest.fixture(scope="session")
def scanned(committed_output, tmp_path_factory):
    """checkov once per session for every committed stack and every weakened copy: {name: scan},
    and the raw reports of the committed stacks."""
    from main import manifest, parse_selection

    files = {row["stack"]: committed_output / "stacks" / row["stack"] / "cdk.tf.json"
             for row in manifest(parse_selection([]))}
    files.update(_weakened(committed_output, tmp_path_factory.mktemp("weakened")))
    reports = gate.run_checkov_batch(list(files.values()))
    scans = {name: scan for name, scan in zip(files, scan_files(files, run=lambda path, _: reports[path.resolve()]))}
    return scans, {name: reports[path.resolve()] for name, path in files.items()}


@pytest.fixture(scope="session")
def committed(scanned):
    """(scans, raw checkov reports by environment) of Codemate's committed stacks."""
    scans, reports = scanned
    return [scans[env] for env in ENVIRONMENT_NAMES], reports


def copy_stack(committed_output: Path, env: str, tmp_path: Path) -> tuple[Path, dict]:
    """A copy of ``env``'s output under ``tmp_path`` (to weaken), and its parsed JSON."""
    outdir = tmp_path / "cdktf.out"
    shutil.copytree(committed_output / "stacks" / env, outdir / "stacks" / env)
    return outdir, json.loads((outdir / "stacks" / env / "cdk.tf.json").read_text())


def write_stack(outdir: Path, env: str, doc: dict) -> None:
    (outdir / "stacks" / env / "cdk.tf.json").write_text(json.dumps(doc, indent=2))


# -- the committed environments ------------------------------------------------

def test_every_environment_passes_the_gate_with_the_committed_accepted_list(committed):
    # GIVEN freshly synthesized dev, staging and prod WHEN the gate judges them
    scans, _ = committed
    verdict = evaluate(scans, load_accepted())
    # THEN nothing is unaccepted, nothing accepted is stale, no secret is found
    assert verdict.ok, gate.report(verdict, 0)
    assert [s.environment for s in scans] == list(ENVIRONMENT_NAMES)


def test_checkov_really_evaluated_every_environment(committed):
    # the checkov that ran is the one pinned in pyproject.toml's [scan] extra (locked in requirements-checkov.txt)
    pin = tomllib.loads((gate.ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["scan"]
    scans, _ = committed
    for s in scans:
        # a scan that silently checked nothing would pass any gate
        assert s.passed >= 80, f"{s.environment}: only {s.passed} checks passed"
        assert [f"checkov=={s.checkov_version}"] == pin


def test_prod_accepts_nothing_about_log_encryption_or_retention(committed):
    # GIVEN prod WHEN scanned THEN its flow-log group passes encryption and 1-year retention outright
    scans, _ = committed
    prod = next(s for s in scans if s.environment == "prod")
    failed = {(f.check_id, f.resource) for f in prod.failed}
    assert ("CKV_AWS_158", LOG_GROUP_PATH) not in failed
    assert ("CKV_AWS_338", LOG_GROUP_PATH) not in failed


# What the application tier fixed in the constructs: never accepted, in prod at least.
APP_TIER_FIXES = {
    ("CKV2_AWS_28", "alb/alb"),          # WAF on the public ALB
    ("CKV2_AWS_31", "waf/acl"),          # the web ACL logs its requests
    ("CKV2_AWS_64", "secrets/key"),      # every KMS key has an explicit policy
    ("CKV_AWS_145", "storage/files"),    # uploads: SSE-KMS with a customer-managed key
    ("CKV_AWS_18", "storage/files"),     # server access logs of the data buckets
    ("CKV_AWS_18", "storage/static"),
    ("CKV_AWS_338", "waf/logs"),         # the WAF request log is kept a year
    ("CKV_AWS_158", "waf/logs"),         # ... and encrypted with the logs key
}


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_application_tier_fixes_pass_outright_and_are_not_in_the_accepted_list(committed, env):
    # GIVEN staging and prod (both have the WAF) WHEN scanned THEN none of the fixed findings occurs
    scans, _ = committed
    found = {(f.check_id, f.resource) for s in scans if s.environment == env for f in s.failed}
    assert found & APP_TIER_FIXES == set()
    # and no entry could hide one if it came back
    accepted = {(e.check, e.resource) for e in load_accepted() if env in e.environments}
    assert accepted & APP_TIER_FIXES == set()


def test_findings_are_named_by_construct_path_not_hashed_logical_id(committed):
    scans, _ = committed
    resources = {f.resource for s in scans for f in s.failed}
    assert "security-groups/alb-in-80" in resources
    assert not [r for r in resources if re.search(r"_[0-9A-F]{8}$", r) or r.startswith(("resource.", "aws_"))]


# -- the gate fails when a construct is weakened -------------------------------

def test_gate_fails_when_flow_logs_are_switched_off(tmp_path, capsys):
    # GIVEN dev synthesized with flow logs off
    dev = load("dev")
    outdir = tmp_path / "cdktf.out"
    synthesize([replace(dev, network=replace(dev.network, flow_logs=False))], outdir)
    # WHEN the gate runs on it
    code = gate.main(["dev", "--outdir", str(outdir)])
    out = capsys.readouterr().out
    # THEN it fails on the VPC without flow logs, and on the accepted entry that no longer matches
    assert code == gate.EXIT_FAILED
    assert "FAILED  [dev] CKV2_AWS_11 network/vpc (aws_vpc)" in out
    assert f"STALE   [dev] CKV_AWS_338 {LOG_GROUP_PATH}" in out
    assert out.rstrip().endswith("gate: FAILED (1 unaccepted, 1 stale, 0 secret(s))")


def _as_prod(scan_):
    return replace(scan_, environment="prod", failed=[replace(f, environment="prod") for f in scan_.failed])


def test_gate_fails_when_the_flow_log_group_loses_its_kms_key(scanned):
    # GIVEN prod's output with the KMS key removed from the flow-log group (_weakened), WHEN scanned
    scans, _ = scanned
    verdict = evaluate([_as_prod(scans["flow-log-group-without-kms"])], load_accepted())
    # THEN exactly that finding is unaccepted
    assert not verdict.ok
    assert [f.key for f in verdict.unaccepted] == [("CKV_AWS_158", LOG_GROUP_PATH, "prod")]
    assert verdict.stale == []


def test_gate_fails_when_the_waf_and_the_upload_encryption_are_undone(scanned):
    # GIVEN prod's output without the web ACL association and with the files bucket back on SSE-S3
    # (_weakened), WHEN scanned
    scans, _ = scanned
    verdict = evaluate([_as_prod(scans["without-waf-and-upload-kms"])], load_accepted())
    # THEN the unprotected ALB and the SSE-S3 uploads are unaccepted findings
    assert not verdict.ok
    assert sorted(f.key for f in verdict.unaccepted) == [
        ("CKV2_AWS_28", "alb/alb", "prod"), ("CKV_AWS_145", "storage/files", "prod")]
    # and the Log4j entry is stale: with no web ACL attached, checkov has nothing to judge
    assert [(e.check, e.resource, env) for e, env in verdict.stale] == [("CKV2_AWS_76", "alb/alb", "prod")]


def test_gate_fails_on_a_planted_secret(committed_output, committed, tmp_path, capsys):
    # GIVEN dev's output with an AWS access key planted in a tag (checkov's report replayed: it is unchanged)
    _, reports = committed
    outdir, doc = copy_stack(committed_output, "dev", tmp_path)
    (vpc,) = doc["resource"]["aws_vpc"].values()
    vpc["tags"]["Debug"] = "AKIAIOSFODNN7EXAMPLE"
    write_stack(outdir, "dev", doc)
    # WHEN the gate judges it
    verdict = evaluate(scan(["dev"], outdir, run=lambda *_: reports["dev"]), load_accepted())
    text = gate.report(verdict, 0)
    # THEN it fails, names where the secret is, and does not print it
    assert not verdict.ok
    assert "SECRET  [dev] aws_vpc network/vpc: tags.Debug: AWS access key ID" in text
    assert "AKIAIOSFODNN7EXAMPLE" not in text


# -- the accepted list never rots ----------------------------------------------

def test_an_accepted_entry_that_matches_no_finding_fails_the_gate(committed):
    # GIVEN the committed list plus an entry for a finding prod does not have
    scans, _ = committed
    stale = Accepted("CKV_AWS_338", LOG_GROUP_PATH, ("prod",), "prod keeps flow logs a year, so this is stale")
    # WHEN judged
    verdict = evaluate(scans, [*load_accepted(), stale])
    # THEN the gate fails on that entry and environment only
    assert not verdict.ok
    assert verdict.stale == [(stale, "prod")]
    assert verdict.unaccepted == []


def test_an_entry_is_stale_only_in_the_environments_it_no_longer_matches(committed):
    scans, _ = committed
    entry = Accepted("CKV_AWS_338", LOG_GROUP_PATH, ("dev", "prod"), "dev matches, prod does not any more")
    others = [e for e in load_accepted() if (e.check, e.resource) != ("CKV_AWS_338", LOG_GROUP_PATH)]
    verdict = evaluate(scans, others + [entry])
    assert verdict.stale == [(entry, "prod")]
    # staging's finding lost its entry: unaccepted
    assert [f.key for f in verdict.unaccepted] == [("CKV_AWS_338", LOG_GROUP_PATH, "staging")]


def test_entries_of_environments_not_scanned_are_not_stale(committed):
    scans, _ = committed
    dev_only = [s for s in scans if s.environment == "dev"]
    assert evaluate(dev_only, load_accepted()).ok


def test_a_finding_without_an_entry_fails_the_gate(committed):
    scans, _ = committed
    without_port_80 = [e for e in load_accepted() if e.check != "CKV_AWS_260"]
    verdict = evaluate(scans, without_port_80)
    assert sorted(f.key for f in verdict.unaccepted) == sorted(
        ("CKV_AWS_260", "security-groups/alb-in-80", env) for env in ENVIRONMENT_NAMES)


# -- the command ----------------------------------------------------------------

def test_prints_counts_per_environment(committed, capsys):
    scans, _ = committed
    verdict = evaluate(scans, load_accepted())
    lines = gate.report(verdict, 1.25).splitlines()
    assert lines[0] == (f"security gate: checkov {scans[0].checkov_version} (terraform_json, offline) + secret scan, "
                        "3 environment(s), 1.2 s")
    assert lines[1].split() == ["env", "passed", "failed", "accepted", "secrets"]
    for env, line in zip(ENVIRONMENT_NAMES, lines[2:5]):
        c = verdict.counts(env)
        assert line.split() == [env, str(c["passed"]), "0", str(c["accepted"]), "0"]
    assert lines[-1] == "gate: passed"


def test_missing_checkov_is_an_error_with_the_fix(committed_output, tmp_path, capsys):
    code = gate.main(["dev", "--outdir", str(committed_output), "--checkov", str(tmp_path / "no-checkov")])
    assert code == gate.EXIT_ERROR
    assert "run 'make checkov'" in capsys.readouterr().err


def test_missing_synth_output_is_an_error_with_the_fix(tmp_path, capsys):
    code = gate.main(["prod", "--outdir", str(tmp_path / "nothing")])
    assert code == gate.EXIT_ERROR
    assert "synthesize first" in capsys.readouterr().err


def test_checkov_resource_names_map_to_construct_paths():
    doc = {"resource": {"aws_vpc": {"network_vpc_4E8F0223": {"//": {"metadata": {"path": "dev/network/vpc"}}}}}}
    index = gate.construct_index(doc)
    assert gate.map_resource("aws_vpc.network_vpc_4E8F0223", index) == ("aws_vpc", "network/vpc")
    assert gate.map_resource("resource.network_vpc_4E8F0223", index) == ("aws_vpc", "network/vpc")
    # unknown names stay as checkov printed them, so they can still be accepted or fixed
    assert gate.map_resource("aws.default", index) == ("", "aws.default")


def test_checkov_runs_without_api_key_mapping_download_or_update_check(monkeypatch):
    monkeypatch.setenv("BC_API_KEY", "would-send-results-to-the-platform")
    env = gate.checkov_env()
    assert "BC_API_KEY" not in env
    assert env["BC_SKIP_MAPPING"] == "TRUE" and env["CKV_SKIP_PACKAGE_UPDATE_CHECK"] == "true"


# -- the accepted-findings file ---------------------------------------------------

def test_committed_accepted_list_is_valid_and_every_entry_has_a_reason():
    entries = load_accepted()
    assert entries
    assert all(len(e.reason) >= 20 for e in entries)


GOOD = {"check": "CKV_AWS_338", "resource": "network/flow-log-group", "environments": ["dev"],
        "reason": "dev keeps flow logs a week by cost choice"}


def toml_entry(**fields) -> str:
    body = "\n".join(f"{k} = {json.dumps(v)}" for k, v in fields.items())
    return f"[[accepted]]\n{body}\n"


@pytest.mark.parametrize("change, message", [
    ({"check": "CKV_AWS_X"}, "is not a checkov check ID"),
    ({"resource": "/dev/network/vpc"}, "is not a construct path"),
    ({"environments": []}, "environments = []"),
    ({"environments": ["qa"]}, "names unknown environment(s) ['qa']"),
    ({"environments": ["dev", "dev"]}, "lists an environment twice"),
    ({"reason": "ok"}, "reason is missing"),
    ({"reason": "first line is fine\nsecond line is not"}, "longer than one line"),
    ({"reviewer": "me"}, "has keys"),
])
def test_malformed_accepted_entry_is_rejected_with_the_fix(tmp_path, change, message):
    path = tmp_path / "accepted.toml"
    path.write_text(toml_entry(**{**GOOD, **change}))
    with pytest.raises(GateError, match="entry 1: .*" + re.escape(message)) as error:
        load_accepted(path)
    assert " — fix: " in str(error.value)


def test_the_same_finding_accepted_twice_is_rejected(tmp_path):
    path = tmp_path / "accepted.toml"
    path.write_text(toml_entry(**GOOD) + toml_entry(**{**GOOD, "environments": ["staging", "dev"]}))
    with pytest.raises(GateError, match=r"entry 2: CKV_AWS_338 network/flow-log-group \[dev\] is already accepted"):
        load_accepted(path)


@pytest.mark.parametrize("system", [s.name for s in SYSTEMS if not s.primary])
def test_every_other_system_passes_the_gate_with_its_own_accepted_list(scanned, system):
    # GIVEN every stack of the system, freshly synthesized, and the system's own reviewed list
    from main import manifest, parse_selection

    stacks = [row["stack"] for row in manifest(parse_selection([system]))]
    path = gate.accepted_file(system)
    assert path.name == f"accepted-findings-{system}.toml"
    # WHEN the gate judges them THEN nothing is unaccepted, nothing accepted is stale, no secret is found
    scans, _ = scanned
    verdict = evaluate([scans[stack] for stack in stacks], load_accepted(path, stacks))
    assert verdict.ok, gate.report(verdict, 0, path)
    assert [s.environment for s in verdict.scans] == stacks


# --- checkov's reports kept by content --------------------------------------------------------------

FAKE_CHECKOV = r'''#!{python}
import json, os, sys
from pathlib import Path
files = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "--file"]
with open(os.environ["FAKE_CHECKOV_LOG"], "a") as log:
    log.write(json.dumps(sorted(Path(f).name + ":" + Path(f).parent.name for f in files)) + "\n")
reports = [{{"check_type": "terraform_json", "summary": {{"checkov_version": "9.9.9", "parsing_errors": 0}},
            "results": {{"passed_checks": [{{"check_id": "CKV_X_1", "resource": "aws_s3_bucket.b",
                                             "file_abs_path": str(Path(f).resolve()),
                                             "content": Path(f).read_text()}}],
                         "failed_checks": [], "parsing_errors": []}}}} for f in files]
print(json.dumps(reports))
'''


def _fake_checkov(root: Path) -> Path:
    venv = root / "venv"
    (venv / "lib" / "python3.11" / "site-packages" / "checkov").mkdir(parents=True)
    (venv / "lib" / "python3.11" / "site-packages" / "checkov" / "version.py").write_text('version = "9.9.9"\n')
    (venv / "bin").mkdir()
    checkov = venv / "bin" / "checkov"
    checkov.write_text(FAKE_CHECKOV.format(python=sys.executable))
    checkov.chmod(0o755)
    return checkov


def _scanned_files(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_checkov_reports_are_kept_by_content_and_a_changed_file_is_scanned_again(tmp_path, monkeypatch):
    checkov, log = _fake_checkov(tmp_path), tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_CHECKOV_LOG", str(log))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv(gate.CACHE_SWITCH, raising=False)
    a, b = tmp_path / "a" / "cdk.tf.json", tmp_path / "b" / "cdk.tf.json"
    for path, text in ((a, '{"a": 1}'), (b, '{"b": 2}')):
        path.parent.mkdir()
        path.write_text(text)
    first = gate.run_checkov_batch([a, b], checkov)
    assert _scanned_files(log) == [["cdk.tf.json:a", "cdk.tf.json:b"]] and gate.LAST_BATCH == {"kept": 0, "scanned": 2}
    # THEN the same bytes by the same checkov: no checkov at all, the same reports
    assert gate.run_checkov_batch([a, b], checkov) == first
    assert len(_scanned_files(log)) == 1 and gate.LAST_BATCH == {"kept": 2, "scanned": 0}
    # a changed file is scanned again, alone; the same bytes elsewhere are kept, naming the new path
    b.write_text('{"b": 3}')
    copy = tmp_path / "copy" / "cdk.tf.json"
    copy.parent.mkdir()
    copy.write_text('{"a": 1}')
    third = gate.run_checkov_batch([a, b, copy], checkov)
    assert _scanned_files(log)[1:] == [["cdk.tf.json:b"]]
    assert third[b]["results"]["passed_checks"][0]["content"] == '{"b": 3}'
    assert third[copy.resolve()]["results"]["passed_checks"][0]["file_abs_path"] == str(copy.resolve())
    # another checkov (its version file changed) scans everything again
    (checkov.parent.parent / "lib" / "python3.11" / "site-packages" / "checkov" / "version.py").write_text('version = "9.9.10"\n')
    gate.run_checkov_batch([a], checkov)
    assert _scanned_files(log)[2:] == [["cdk.tf.json:a"]]


def test_checkov_cache_switched_off_scans_every_file_and_keeps_nothing(tmp_path, monkeypatch):
    checkov, log = _fake_checkov(tmp_path), tmp_path / "log.jsonl"
    monkeypatch.setenv("FAKE_CHECKOV_LOG", str(log))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(gate.CACHE_SWITCH, "0")
    stack = tmp_path / "cdk.tf.json"
    stack.write_text("{}")
    gate.run_checkov_batch([stack], checkov)
    gate.run_checkov_batch([stack], checkov)
    assert len(_scanned_files(log)) == 2 and not (tmp_path / "cache").exists()


def test_the_gate_says_how_many_reports_it_kept(committed_output, capsys):
    gate.main(["account", "--outdir", str(committed_output)])
    first = capsys.readouterr().out
    assert gate.main(["account", "--outdir", str(committed_output)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("checkov: 1 of 1 report(s) kept from an earlier scan of the same bytes")
    def timeless(text):
        return [re.sub(r", [0-9.]+ s$", "", line) for line in text.splitlines() if not line.startswith("checkov:")]
    assert timeless(out) == timeless(first) and "gate: passed" in out


def test_the_kept_reports_are_bounded(tmp_path):
    for index in range(7):
        (tmp_path / f"{index:02d}.json.z").write_bytes(b"x")
        os.utime(tmp_path / f"{index:02d}.json.z", ns=(index * 10**9, index * 10**9))
    gate._prune(tmp_path, limit=6)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{i:02d}.json.z" for i in range(3, 7)]  # the 4 read last
    gate._prune(tmp_path, limit=6)
    assert len(list(tmp_path.iterdir())) == 4  # within the bound: nothing removed
