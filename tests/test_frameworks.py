"""The framework switch (cdktf or CDK Terrain) and the comparison of their outputs.

The real two-venv comparison is `make compare-frameworks` (run by .ci/run); here the
switch itself, and the comparison's normalisation on this framework's real output,
edited the way the other framework writes it and then in ways it must catch.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from modules import aws_provider, framework, framework_selection
from modules.framework import aws
from modules.errors import ConfigError
from tooling.compare_frameworks import addresses, compare_outputs, differences, normalise

ROOT = Path(__file__).resolve().parents[1]
OTHER = {"cdktf": "cdktn", "cdktn": "cdktf"}


# --- the switch --------------------------------------------------------------------------------

def test_the_running_framework_is_the_installed_one_and_its_provider_package_is_loaded():
    name, provider = framework.FRAMEWORKS[framework.FRAMEWORK]
    assert framework.App.__module__.split(".")[0] == name
    assert aws_provider.PACKAGE == framework.PROVIDER_PACKAGE == provider
    assert framework.aws.vpc.Vpc.__module__ == f"{provider}.vpc"


def test_without_a_request_the_default_wins_and_only_an_installed_framework_is_picked(monkeypatch):
    monkeypatch.delenv("FRAMEWORK", raising=False)
    assert framework.select_framework() == framework.FRAMEWORK
    monkeypatch.setattr(framework_selection, "_installed", lambda name: True)
    assert framework.select_framework() == "cdktf"  # both installed: the default
    monkeypatch.setattr(framework_selection, "_installed", lambda name: name == "cdktn")
    assert framework.select_framework() == "cdktn"


def test_no_framework_installed_names_the_fix(monkeypatch):
    monkeypatch.delenv("FRAMEWORK", raising=False)
    monkeypatch.setattr(framework_selection, "_installed", lambda name: False)
    with pytest.raises(ConfigError, match=r"no framework is installed.*make install FRAMEWORK=cdktf.*\.venv\)"):
        framework.select_framework()


def test_requesting_a_framework_this_venv_lacks_names_its_venv():
    other = OTHER[framework.FRAMEWORK]
    with pytest.raises(ConfigError) as raised:
        framework.select_framework(other)
    assert raised.value.field == "FRAMEWORK" and raised.value.value == other
    assert f"make install FRAMEWORK={other}' and use its venv ({framework.venv_of(other)})" in str(raised.value)


def test_both_apps_carry_the_target_terraform_version_and_keep_the_callers_context(tmp_path):
    # An App creates <outdir>/stacks when constructed: never let it default to the repository's cdktf.out.
    app = framework.new_app(context={"extra": "yes"}, outdir=str(tmp_path / "out"))
    for each in (framework.test_app(), app):
        assert each.node.try_get_context("targetVersions") == {"terraform": ">=1.11.0"}
    assert app.node.try_get_context("extra") == "yes"
    assert framework.test_app().node.try_get_context("extra") is None


def test_write_only_attributes_synthesize_on_this_framework(dev):
    # cdktn refuses *_wo attributes unless the app declares Terraform >= 1.11 (APP_CONTEXT)
    (version,) = [
        v for v in dev.resources("aws_secretsmanager_secret_version").values() if "secret_string_wo" in v]
    assert version["secret_string_wo_version"] >= 1 and "secret_string" not in version


def _secret_with_write_only_value(app) -> str:
    stack = framework.TerraformStack(app, "wo")
    aws.provider.AwsProvider(stack, "aws", region="ap-northeast-2")
    aws.secretsmanager_secret_version.SecretsmanagerSecretVersion(
        stack, "value", secret_id="s", secret_string_wo="x", secret_string_wo_version=1)
    return framework.Testing.synth(stack, run_validations=True)


def test_the_app_context_is_what_lets_cdktn_synthesize_write_only_attributes():
    synthesized = json.loads(_secret_with_write_only_value(framework.test_app()))
    (version,) = synthesized["resource"]["aws_secretsmanager_secret_version"].values()
    assert version["secret_string_wo_version"] == 1
    if framework.FRAMEWORK == "cdktn":  # without APP_CONTEXT CDK Terrain refuses them
        with pytest.raises(Exception, match="write-only attributes requires .*>=1.11.0"):
            _secret_with_write_only_value(framework.Testing.app())
    else:  # cdktf does not check, so the context changes nothing there
        assert json.loads(_secret_with_write_only_value(framework.Testing.app()))["resource"] == synthesized["resource"]


def test_an_unknown_framework_stops_main_with_one_line_and_leaves_the_output(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("previous")
    env = {**os.environ, "FRAMEWORK": "pulumi"}
    result = subprocess.run([sys.executable, "main.py", "dev", "--outdir", str(out)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "error: [framework] FRAMEWORK = 'pulumi': is not a supported framework — fix: use one of cdktf, cdktn "
        "(or unset it to use the installed one)",
        f"nothing written; {out} is unchanged",
    ]
    assert [p.name for p in out.iterdir()] == ["manifest.json"] and (out / "manifest.json").read_text() == "previous"


def _make_dry_run(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "FRAMEWORK")}
    return subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("framework_args, venv", [((), ".venv"), (("FRAMEWORK=cdktf",), ".venv"),
                                                 (("FRAMEWORK=cdktn",), ".venv-cdktn")])
def test_make_targets_use_the_venv_of_the_chosen_framework(framework_args, venv):
    result = _make_dry_run("-W", "requirements-lock.txt", "-W", "requirements-lock-cdktn.txt",
                           "synth", *framework_args)
    assert result.returncode == 0, result.stderr
    lock = "requirements-lock-cdktn.txt" if venv == ".venv-cdktn" else "requirements-lock.txt"
    assert f"{venv}/bin/python -m pip install --quiet -r {lock}" in result.stdout
    assert result.stdout.splitlines()[-1] == f"{venv}/bin/python main.py"


def test_make_test_installs_the_cli_of_the_chosen_framework():
    default, cdktn = (_make_dry_run("-W", "package.json", "-W", "cli-cdktn/package.json", "test", *args).stdout
                      for args in ((), ("FRAMEWORK=cdktn",)))
    workers = os.cpu_count() or 1
    fast = '-m "not rehearsal and not e2e and not emulator and not long"'
    assert default.splitlines()[-1] == f"PYTHONDONTWRITEBYTECODE= .venv/bin/python -m pytest -n {workers} --dist loadfile --no-loadscope-reorder {fast}"
    assert cdktn.splitlines()[-1] == f"PYTHONDONTWRITEBYTECODE= .venv-cdktn/bin/python -m pytest -n {workers} --dist loadfile --no-loadscope-reorder {fast}"
    assert "cd . && " in default and "npm-cli.js ci" in default and "cli-cdktn" not in default
    assert "cd cli-cdktn && " in cdktn and "npm-cli.js ci" in cdktn


def test_each_cli_script_pins_its_framework_and_venv():
    for name, venv in (("cdktf", ".venv"), ("cdktn", ".venv-cdktn")):
        script = (ROOT / "bin" / name).read_text()
        assert f"export FRAMEWORK={name} FRAMEWORK_VENV={venv}" in script
    assert json.loads((ROOT / "cdktf.json").read_text())["app"] == "${FRAMEWORK_VENV:-.venv}/bin/python main.py"
    lock = json.loads((ROOT / "cli-cdktn" / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/cdktn-cli"]["version"] == "0.24.0"
    # no package of CDK Terrain's CLI runs an install script (cli-cdktn/.npmrc would refuse one)
    assert [k for k, v in lock["packages"].items() if v.get("hasInstallScript")] == []
    assert "strict-allow-scripts=true" in (ROOT / "cli-cdktn" / ".npmrc").read_text()


def test_make_rejects_an_unknown_framework_with_the_fix():
    result = _make_dry_run("synth", "FRAMEWORK=cdk")
    assert result.returncode != 0
    assert "FRAMEWORK=cdk is not a framework of this project — fix: use FRAMEWORK=cdktf (default) or " \
           "FRAMEWORK=cdktn" in result.stderr


def test_no_file_but_framework_py_names_a_framework_package():
    # an import statement of a framework, or a provider package name anywhere (code or string); the
    # framework's choice (modules/framework_selection.py) names the packages it looks for, imports none
    frameworks = "|".join(name for name, _ in framework.FRAMEWORKS.values())
    providers = "|".join(provider for _, provider in framework.FRAMEWORKS.values())
    pattern = re.compile(rf"^\s*(?:import|from)\s+(?:{frameworks})\b|{providers}", re.M)
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert "modules/aws_provider.py" in files
    imports = re.compile(rf"^\s*(?:import|from)\s+(?:{frameworks}|{providers})\b", re.M)
    offenders = {path: (imports if path == "modules/framework_selection.py" else pattern).findall((ROOT / path).read_text())
                 for path in files if path != "modules/framework.py" and (ROOT / path).is_file()}
    assert {path: found for path, found in offenders.items() if found} == {}


# --- the comparison ----------------------------------------------------------------------------

def _as_other_framework_writes_it(doc: dict) -> dict:
    """``doc`` with the differences the other framework is known to make."""
    other = copy.deepcopy(doc)
    other["//"]["metadata"]["version"] = "9.9.9"
    other["terraform"]["required_providers"]["aws"] = {"source": "registry.terraform.io/hashicorp/aws",
                                                      "version": "7.0.0"}
    return other


def _outputs(tmp_path: Path, left: dict, right: dict) -> tuple[Path, Path]:
    for side, doc, indent in (("cdktf", left, 2), ("cdktn", right, None)):
        (tmp_path / side / "stacks" / "dev").mkdir(parents=True)
        (tmp_path / side / "stacks" / "dev" / "cdk.tf.json").write_text(json.dumps(doc, indent=indent))
        (tmp_path / side / "manifest.json").write_text(json.dumps({"version": side, "stacks": {}}, indent=indent))
    return tmp_path / "cdktf", tmp_path / "cdktn"


def test_the_known_differences_and_formatting_are_all_that_is_normalised(dev, tmp_path):
    report, problems = compare_outputs(*_outputs(tmp_path, dev.doc, _as_other_framework_writes_it(dev.doc)))
    assert problems == []
    provider = dev.doc["terraform"]["required_providers"]["aws"]
    assert f"  terraform.required_providers.aws.version: {provider['version']!r} (cdktf) / '7.0.0' (cdktn)" in report
    assert f"  terraform.required_providers.aws.source: {provider['source']!r} (cdktf) / " \
           "'registry.terraform.io/hashicorp/aws' (cdktn)" in report
    assert any(line.startswith("  dev ") and line.endswith(": identical") for line in report)


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d["resource"]["aws_vpc"][next(iter(d["resource"]["aws_vpc"]))].update(cidr_block="10.9.0.0/16"),
     "resource.aws_vpc.{vpc}.cidr_block: \"10.0.0.0/16\" with cdktf, \"10.9.0.0/16\" with cdktn"),
    (lambda d: d["resource"]["aws_vpc"].update({"renamed": d["resource"]["aws_vpc"].pop(next(iter(d["resource"]["aws_vpc"])))}),
     "resource.aws_vpc.{vpc}: only with cdktf"),
    (lambda d: d["terraform"]["required_providers"]["aws"].update(source="example/aws"),
     "terraform.required_providers.aws.source: \"<normalised>\" with cdktf, \"example/aws\" with cdktn"),
    (lambda d: d["terraform"]["backend"]["s3"].update(key="elsewhere.tfstate"),
     "terraform.backend.s3.key: \"dev/terraform.tfstate\" with cdktf, \"elsewhere.tfstate\" with cdktn"),
    (lambda d: d.update(terraform=dict(reversed(list(d["terraform"].items())))),
     "terraform: keys in another order"),
])
def test_any_other_difference_fails_and_is_named_by_its_path(dev, tmp_path, edit, expected):
    other = _as_other_framework_writes_it(dev.doc)
    edit(other)
    vpc = next(iter(dev.doc["resource"]["aws_vpc"]))
    _, problems = compare_outputs(*_outputs(tmp_path, dev.doc, other))
    assert f"stacks/dev/cdk.tf.json: {expected.format(vpc=vpc)}" in problems


def test_a_renamed_resource_shows_as_a_changed_address(dev):
    other = copy.deepcopy(dev.doc)
    vpcs = other["resource"]["aws_vpc"]
    vpcs["renamed"] = vpcs.pop(next(iter(vpcs)))
    assert addresses(dev.doc) - addresses(other) == {f"aws_vpc.{next(iter(dev.doc['resource']['aws_vpc']))}"}
    assert len(addresses(dev.doc)) > 100


def test_normalise_leaves_an_unknown_provider_source_and_every_other_field():
    doc = {"terraform": {"required_providers": {"aws": {"source": "acme/aws", "version": "1"}}}, "x": [1]}
    normalised, replaced = normalise(doc)
    assert normalised["terraform"]["required_providers"]["aws"] == {"source": "acme/aws", "version": "<normalised>"}
    assert replaced == {"terraform.required_providers.aws.version": "1"} and normalised["x"] == [1]
    assert list(differences({"a": [1, 2]}, {"a": [1]})) == ["a: 2 items with cdktf, 1 with cdktn"]


def test_a_stack_missing_on_one_side_fails(dev, tmp_path):
    left, right = _outputs(tmp_path, dev.doc, dev.doc)
    (left / "stacks" / "prod").mkdir()
    (left / "stacks" / "prod" / "cdk.tf.json").write_text("{}")
    _, problems = compare_outputs(left, right)
    assert problems == ["stacks/prod/cdk.tf.json: only with cdktf"]


def test_the_command_without_the_other_venv_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    from tooling import compare_frameworks

    monkeypatch.setitem(compare_frameworks.VENVS, "cdktn", ".venv-missing")
    assert compare_frameworks.main(["--keep", str(tmp_path)]) == 2
    assert capsys.readouterr().err == ("error: .venv-missing/bin/python not found — run 'make install FRAMEWORK=cdktn' "
                                       "(or 'make compare-frameworks', which installs both)\n")
    assert list(tmp_path.iterdir()) == []  # nothing was started
