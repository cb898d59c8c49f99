"""OpenMarket's stacks (EKS, launch template, Aurora, four function assets, schedules, ...) pass
``terraform validate`` with the real AWS provider.

Needs terraform and the provider mirror at /opt/tf-plugins (provider 5.100.0; the bindings target
6.25, so the copy's version constraint is pointed at the mirror's). Skipped where either is absent.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

MIRROR = Path("/opt/tf-plugins/registry.terraform.io/hashicorp/aws")
pytestmark = pytest.mark.skipif(shutil.which("terraform") is None or not MIRROR.is_dir(),
                                reason="terraform or the provider mirror /opt/tf-plugins is not installed here")


@pytest.mark.parametrize("stack", ["openmarket-dev", "openmarket-staging", "openmarket-prod"])
def test_terraform_validate_accepts_the_stack(all_stacks_output, tmp_path, stack):
    # GIVEN a copy of the synthesized stack (with its function zip), without the S3 backend
    work = tmp_path / stack
    shutil.copytree(all_stacks_output / "stacks" / stack, work)
    document = json.loads((work / "cdk.tf.json").read_text())
    document["terraform"].pop("backend")
    version = sorted(p.name for p in MIRROR.iterdir())[-1]
    document["terraform"]["required_providers"]["aws"]["version"] = version
    (work / "cdk.tf.json").write_text(json.dumps(document))
    rc = tmp_path / "terraformrc"
    rc.write_text(f'provider_installation {{ filesystem_mirror {{ path = "{MIRROR.parents[2]}" }} }}\n')
    env = {"TF_CLI_CONFIG_FILE": str(rc), "CHECKPOINT_DISABLE": "1", "PATH": "/usr/bin:/bin:/usr/local/bin",
           "TF_IN_AUTOMATION": "1", "HOME": str(tmp_path)}
    # WHEN terraform initializes from the mirror and validates
    init = subprocess.run(["terraform", "init", "-backend=false", "-input=false", "-no-color"], cwd=work, env=env,
                          capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    result = subprocess.run(["terraform", "validate", "-no-color", "-json"], cwd=work, env=env,
                            capture_output=True, text=True)
    # THEN the configuration is valid and every function's zip is where `filename` points
    verdict = json.loads(result.stdout)
    assert verdict["valid"], result.stdout
    functions = document["resource"]["aws_lambda_function"].values()
    assert len(functions) == 4 and all((work / f["filename"]).is_file() for f in functions)
