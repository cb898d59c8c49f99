"""What each document's delivery does after a build, as its deploy role would: push the image, register
the next task definition revision *from the latest one* with only the image swapped, update the service;
update each function's code. CI owns the image and the code, Terraform everything else.

Why "from the latest one": the ECS service ignores ``task_definition`` (an apply never rolls back a
deploy), so a settings change (cpu, memory, an environment variable) is registered by Terraform as a new
revision that no service runs yet; the next delivery starts from that revision and carries it to the
service with the new image. Used by the rehearsal after an apply (against the emulator) and by a person
or workflow against a real account:

    python -m tooling.deliver --outdir cdktf.out conduit-dev --tag <commit>   [--endpoint-url URL]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest":
               "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
    "layers": [],
})
"""A minimal image manifest: what a ``docker push`` leaves in ECR, without layers (the emulator's)."""
# register_task_definition takes these keys of describe_task_definition's answer back
_REGISTER_KEYS = ("family", "taskRoleArn", "executionRoleArn", "networkMode", "containerDefinitions", "volumes",
                  "placementConstraints", "requiresCompatibilities", "cpu", "memory", "runtimePlatform",
                  "ephemeralStorage", "proxyConfiguration", "pidMode", "ipcMode")


@dataclass
class Delivered:
    what: str
    detail: str


def _client(service: str, region: str, endpoint_url: str | None):
    import boto3
    from botocore.config import Config

    kwargs: dict[str, Any] = {"region_name": region}
    if endpoint_url:
        kwargs.update(endpoint_url=endpoint_url, aws_access_key_id="testing", aws_secret_access_key="testing",
                      config=Config(s3={"addressing_style": "path"}))
    return boto3.client(service, **kwargs)


def latest_revision(ecs, family: str) -> str:
    """The newest ACTIVE revision of ``family`` (what Terraform registered last, or the last delivery)."""
    arns = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE", sort="DESC")["taskDefinitionArns"]
    matching = [a for a in arns if a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]
    if not matching:
        raise LookupError(f"no ACTIVE revision of task definition family {family}")
    return max(matching, key=lambda a: int(a.rsplit(":", 1)[1]))


def deliver_service(*, cluster: str, service: str, repository: str, tag: str, region: str,
                    endpoint_url: str | None = None) -> list[Delivered]:
    """Push ``repository:tag``, register the next revision of the service's family from its latest
    revision with that image, and move the service to it."""
    ecr, ecs = _client("ecr", region, endpoint_url), _client("ecs", region, endpoint_url)
    ecr.put_image(repositoryName=repository, imageManifest=MANIFEST, imageTag=tag)
    uri = ecr.describe_repositories(repositoryNames=[repository])["repositories"][0]["repositoryUri"]
    running = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
    family = ecs.describe_task_definition(taskDefinition=running)["taskDefinition"]["family"]
    latest = ecs.describe_task_definition(taskDefinition=latest_revision(ecs, family), include=["TAGS"])
    definition = latest["taskDefinition"]
    request = {k: definition[k] for k in _REGISTER_KEYS if definition.get(k) not in (None, [], {})}
    for container in request["containerDefinitions"]:
        if container["image"].split(":")[0].split("@")[0] == uri:
            container["image"] = f"{uri}:{tag}"
    if latest.get("tags"):
        request["tags"] = latest["tags"]
    registered = ecs.register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster=cluster, service=service, taskDefinition=registered)
    return [Delivered(f"image {repository}:{tag}", "pushed"),
            Delivered(f"service {service}", f"{registered.rsplit('/', 1)[-1]} (from {latest_revision_name(definition)})")]


def latest_revision_name(definition: dict) -> str:
    return f"{definition['family']}:{definition['revision']}"


def deliver_function(*, function: str, source: Path, region: str, endpoint_url: str | None = None) -> Delivered:
    """Zip ``source`` (what the application's CI builds) and update the function's code with it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            archive.write(path, path.relative_to(source).as_posix())
    _client("lambda", region, endpoint_url).update_function_code(FunctionName=function, ZipFile=buffer.getvalue())
    return Delivered(f"function {function}", "code updated")


def deliver_stack(document: dict, *, system: str, environment: str, tag: str, endpoint_url: str | None = None,
                  root: Path = Path(__file__).resolve().parents[1]) -> list[Delivered]:
    """Every service and function of the stack, as its system's contract names them."""
    import importlib

    contract = importlib.import_module(f"systems.{system.replace('-', '_')}.contract").CONTRACT
    region = next(p["region"] for p in document["provider"]["aws"] if "alias" not in p)
    done: list[Delivered] = []
    for service in contract.services:
        done += deliver_service(cluster=contract.cluster.format(env=environment),
                                service=service.ecs_service.format(env=environment),
                                repository=service.repository.format(env=environment), tag=tag, region=region,
                                endpoint_url=endpoint_url)
    functions = document.get("resource", {}).get("aws_lambda_function", {})
    for function in contract.functions:
        name = f"{contract.system}-{function.name}-{environment}"
        body = next((f for f in functions.values() if f.get("function_name") == name), None)
        if body is None:
            raise LookupError(f"the stack has no function {name}")
        source = _function_source(system, function.name, root)
        done.append(deliver_function(function=name, source=source, region=region, endpoint_url=endpoint_url))
    return done


def _function_source(system: str, function: str, root: Path) -> Path:
    package = system.replace("-", "_")
    for candidate in (root / "systems" / package / "functions" / function,
                      root / "systems" / package / "functions" / function.replace("-", "_")):
        if candidate.is_dir():
            return candidate
    raise LookupError(f"no source of function {function} under systems/{package}/functions/")


def synthesized_stack(selection: str, outdir: Path) -> tuple[dict, dict]:
    """``(manifest row, parsed cdk.tf.json)`` of one stack (a name or ``system:env``) under ``outdir``;
    ``ConfigError`` when it is unknown or not synthesized there."""
    from main import manifest, parse_selection
    from modules.errors import ConfigError

    (row,) = manifest(parse_selection([selection]))
    path = outdir / "stacks" / row["stack"] / "cdk.tf.json"
    if not path.is_file():
        raise ConfigError(row["environment"], "outdir", str(outdir), "no synthesized stack there",
                          f"run python main.py {row['stack']} --outdir {outdir}", system=row["system"])
    return row, json.loads(path.read_text())


def main(argv: list[str] | None = None) -> int:
    from modules.errors import ConfigError

    parser = argparse.ArgumentParser(prog="python -m tooling.deliver", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="a stack name (conduit-dev) or system:env")
    parser.add_argument("--outdir", type=Path, default=Path("cdktf.out"))
    parser.add_argument("--tag", required=True, help="the image tag (the commit)")
    parser.add_argument("--endpoint-url", help="an emulator's endpoint (moto); default: the real AWS")
    args = parser.parse_args(argv)
    try:
        row, document = synthesized_stack(args.stack, args.outdir)
        for item in deliver_stack(document, system=row["system"], environment=row["environment"],
                                  tag=args.tag, endpoint_url=args.endpoint_url):
            print(f"delivered {item.what}: {item.detail}")
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 (an AWS answer): one line
        print(f"error: delivery failed: {type(error).__name__}: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
