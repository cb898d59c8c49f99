"""The rehearsal copy of a synthesized stack: the same configuration, pointed at a local emulator.

Only three things differ from ``cdk.tf.json``, and :func:`differences` lists them so a test can prove
it: the provider gets the emulator's endpoints (plus the settings an emulator needs: fake credentials,
path-style S3, no account/region look-ups, few retries), the provider version becomes the mirror's,
and the remote backend is replaced by local state in the scratch directory. Every resource, data
source, ephemeral resource, output and every provider argument the stack sets stays as synthesized.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

#: The provider version of the filesystem mirror (/opt/tf-plugins on these machines).
MIRROR_PROVIDER_VERSION = "5.100.0"

#: Endpoint keys of the provider's ``endpoints`` block that exist in both 5.100 and 6.x, for every
#: AWS service our constructs use (and a few the systems being added will). Each points at the
#: emulator; a service missing here would silently go to real AWS, so the list errs on the wide side.
ENDPOINT_SERVICES = (
    "accessanalyzer", "acm", "apigateway", "apigatewayv2", "appautoscaling", "autoscaling", "backup", "budgets",
    "cloudfront", "cloudtrail", "cloudwatch",
    "codebuild", "codepipeline", "codestarconnections", "dynamodb", "ec2", "ecr", "ecs", "efs", "eks",
    "elasticache", "elbv2", "events", "firehose", "guardduty", "iam", "kinesis", "kms", "lambda", "logs", "rds",
    "route53",
    "s3", "scheduler", "secretsmanager", "servicediscovery", "ses", "sns", "sqs", "ssm", "sts", "wafv2",
)

#: Provider arguments added for the emulator (besides ``endpoints``); nothing the stack sets is
#: overridden.
EMULATOR_PROVIDER_SETTINGS = {
    "access_key": "testing",
    "secret_key": "testing",
    "s3_use_path_style": True,
    "skip_credentials_validation": True,
    "skip_metadata_api_check": "true",
    "skip_region_validation": True,
    "skip_requesting_account_id": False,
    "max_retries": 2,  # the provider retries a 500 for minutes: an emulator gap should fail fast
}


class NotAStack(ValueError):
    """The file is not a synthesized stack with one AWS provider."""


def rehearsal_copy(document: dict, endpoint: str) -> dict:
    """Return ``document`` with the provider pointed at ``endpoint`` and local state (no side effects)."""
    out = copy.deepcopy(document)
    providers = out.get("provider", {}).get("aws")
    if not isinstance(providers, list) or not providers:
        raise NotAStack("no provider.aws block: not a synthesized AWS stack")
    for provider in providers:
        clash = sorted(set(EMULATOR_PROVIDER_SETTINGS) & set(provider)) + (["endpoints"] if "endpoints" in provider else [])
        if clash:
            raise NotAStack(f"the stack already sets provider.aws {', '.join(clash)}: refusing to override it")
        provider.update(EMULATOR_PROVIDER_SETTINGS)
        provider["endpoints"] = [{service: endpoint for service in ENDPOINT_SERVICES}]
    terraform = out.setdefault("terraform", {})
    terraform["backend"] = {"local": {"path": "terraform.tfstate"}}
    aws = terraform.get("required_providers", {}).get("aws")
    if aws is None:
        raise NotAStack("no terraform.required_providers.aws: not a synthesized AWS stack")
    aws["source"] = "hashicorp/aws"
    aws["version"] = MIRROR_PROVIDER_VERSION
    return out


def differences(original: dict, rehearsal: dict) -> list[str]:
    """Dotted paths where ``rehearsal`` differs from ``original`` (for the 'nothing else' proof)."""
    found: list[str] = []

    def walk(a, b, path: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(a.get(key, _MISSING), b.get(key, _MISSING), f"{path}.{key}" if path else key)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, f"{path}[{i}]")
        elif a != b:
            found.append(path)

    walk(original, rehearsal, "")
    return found


_MISSING = object()


def write_rehearsal_copy(stack_file: Path, workdir: Path, endpoint: str) -> Path:
    """Write the rehearsal copy of ``stack_file`` as ``workdir/main.tf.json``; return its path."""
    document = json.loads(stack_file.read_text())
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / "main.tf.json"
    target.write_text(json.dumps(rehearsal_copy(document, endpoint), indent=2) + "\n")
    # The stack's assets (e.g. Lambda deployment packages) are read by relative path ("assets/...").
    assets = stack_file.parent / "assets"
    if assets.is_dir():
        shutil.rmtree(workdir / "assets", ignore_errors=True)
        shutil.copytree(assets, workdir / "assets")
    return target
