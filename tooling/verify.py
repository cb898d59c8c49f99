"""Verify a deployed stack through the AWS APIs against its synthesized JSON and its system's contract
(document 000's verify-deployment, for every system). One line per check, exit 1 on any failure:

    make verify STACK=conduit-dev                     # the credentials' account
    python -m tooling.verify conduit-dev --outdir cdktf.out [--endpoint-url URL] [--json]

What it checks: each ECS cluster is ACTIVE; each service is ACTIVE, runs its desired count, runs the
newest revision of its family, whose image comes from the contract's repository and whose container
has every variable and secret of the contract; each target group exists with its health-check path;
each load balancer exists with its listeners' ports; each queue exists, with its dead-letter queue when
it has one; each function has its runtime and handler (and subnets, when the stack puts it in the VPC);
each EKS cluster is ACTIVE with its add-ons and the Pod Identity associations of its service accounts;
each alarm exists.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

_ACCOUNT = re.compile(r"\$\{data\.aws_caller_identity\.[^.}]+\.account_id\}")


@dataclass
class Check:
    ok: bool
    what: str
    detail: str = ""

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}" + (f": {self.detail}" if self.detail else "")


def _resources(document: dict, type_: str) -> dict[str, dict]:
    return document.get("resource", {}).get(type_, {})


def checks(document: dict, *, system: str, environment: str, client: Callable[[str], Any],
           emulator: bool = False) -> list[Check]:
    """Every check of the stack. ``emulator``: the local emulator starts no task, so a service's running
    count is reported, not checked (everything else is)."""
    import importlib

    contract = importlib.import_module(f"systems.{system.replace('-', '_')}.contract").CONTRACT
    account = client("sts").get_caller_identity()["Account"]

    def resolved(value: Any) -> str | None:
        text = _ACCOUNT.sub(account, str(value))
        return None if "${" in text else text

    found: list[Check] = []
    ecs, elb = client("ecs"), client("elbv2")
    for cluster in _resources(document, "aws_ecs_cluster").values():
        name = resolved(cluster["name"])
        answer = ecs.describe_clusters(clusters=[name])["clusters"]
        status = answer[0]["status"] if answer else "missing"
        found.append(Check(status == "ACTIVE", f"cluster {name}", "" if status == "ACTIVE" else status))
    for service in contract.services:
        cluster = contract.cluster.format(env=environment)
        name = service.ecs_service.format(env=environment)
        answer = ecs.describe_services(cluster=cluster, services=[name])["services"]
        if not answer or answer[0].get("status") != "ACTIVE":
            found.append(Check(False, f"service {name}", "missing" if not answer else answer[0].get("status", "")))
            continue
        svc = answer[0]
        if emulator:
            found.append(Check(True, f"service {name} desires {svc['desiredCount']} task(s)",
                               "the emulator runs no task: the running count is not checked"))
        else:
            found.append(Check(svc["runningCount"] == svc["desiredCount"], f"service {name} runs its desired count",
                               f"{svc['runningCount']} of {svc['desiredCount']}"))
        running = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
        from tooling.deliver import latest_revision

        newest = latest_revision(ecs, running["family"])
        found.append(Check(newest == svc["taskDefinition"], f"service {name} runs the newest revision",
                           f"{svc['taskDefinition'].rsplit('/', 1)[-1]}, newest {newest.rsplit('/', 1)[-1]}"))
        container = next((c for c in running["containerDefinitions"] if c["name"] == service.name),
                         running["containerDefinitions"][0])
        repository = service.repository.format(env=environment)
        uri = client("ecr").describe_repositories(repositoryNames=[repository])["repositories"][0]["repositoryUri"]
        found.append(Check(container["image"].startswith(uri + ":") or container["image"].startswith(uri + "@"),
                           f"service {name} image from {repository}", container["image"]))
        names = {e["name"] for e in container.get("environment", [])} | {s["name"] for s in container.get("secrets", [])}
        missing = [v.name for v in (*service.variables, *service.secrets) if v.name not in names]
        found.append(Check(not missing, f"service {name} has the contract's variables",
                           f"missing {', '.join(missing)}" if missing else f"{len(names)} variables"))
    for group in _resources(document, "aws_lb_target_group").values():
        name = resolved(group["name"])
        try:
            (answer,) = elb.describe_target_groups(Names=[name])["TargetGroups"]
        except Exception:  # noqa: BLE001 (TargetGroupNotFound)
            found.append(Check(False, f"target group {name}", "missing"))
            continue
        want = group.get("health_check", {}).get("path")
        found.append(Check(answer.get("HealthCheckPath") == want, f"target group {name} checks {want}",
                           str(answer.get("HealthCheckPath"))))
    for lb in _resources(document, "aws_lb").values():
        name = resolved(lb["name"])
        try:
            (answer,) = elb.describe_load_balancers(Names=[name])["LoadBalancers"]
        except Exception:  # noqa: BLE001 (LoadBalancerNotFound)
            found.append(Check(False, f"load balancer {name}", "missing"))
            continue
        ports = sorted(l["Port"] for l in elb.describe_listeners(LoadBalancerArn=answer["LoadBalancerArn"])["Listeners"])
        want = sorted(int(l["port"]) for l in _resources(document, "aws_lb_listener").values())
        found.append(Check(ports == want, f"load balancer {name} listens on {want}", str(ports)))
    sqs = client("sqs")
    for queue in _resources(document, "aws_sqs_queue").values():
        name = resolved(queue["name"])
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except Exception:  # noqa: BLE001 (QueueDoesNotExist)
            found.append(Check(False, f"queue {name}", "missing"))
            continue
        if queue.get("redrive_policy"):
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"]).get("Attributes", {})
            found.append(Check("RedrivePolicy" in attributes, f"queue {name} has its dead-letter queue"))
        else:
            found.append(Check(True, f"queue {name}"))
    lam = client("lambda")
    for function in _resources(document, "aws_lambda_function").values():
        name = resolved(function["function_name"])
        try:
            answer = lam.get_function_configuration(FunctionName=name)
        except Exception:  # noqa: BLE001 (ResourceNotFoundException)
            found.append(Check(False, f"function {name}", "missing"))
            continue
        same = (answer.get("Runtime"), answer.get("Handler")) == (function["runtime"], function["handler"])
        found.append(Check(same, f"function {name} runs {function['runtime']} {function['handler']}",
                           f"{answer.get('Runtime')} {answer.get('Handler')}"))
        if function.get("vpc_config"):
            subnets = (answer.get("VpcConfig") or {}).get("SubnetIds") or []
            found.append(Check(bool(subnets), f"function {name} runs in the VPC", f"{len(subnets)} subnet(s)"))
    for cluster in _resources(document, "aws_eks_cluster").values():
        found += _eks_checks(client("eks"), resolved(cluster["name"]), document)
    names = [n for a in _resources(document, "aws_cloudwatch_metric_alarm").values()
             if (n := resolved(a["alarm_name"]))]
    if names:
        present = set()
        cloudwatch = client("cloudwatch")
        for start in range(0, len(names), 100):
            present |= {a["AlarmName"] for a in cloudwatch.describe_alarms(AlarmNames=names[start:start + 100])["MetricAlarms"]}
        missing = [n for n in names if n not in present]
        found.append(Check(not missing, f"{len(names)} alarms present", f"missing {', '.join(missing[:5])}" if missing else ""))
    return found


def _eks_checks(eks, name: str, document: dict) -> list[Check]:
    try:
        status = eks.describe_cluster(name=name)["cluster"]["status"]
    except Exception:  # noqa: BLE001 (ResourceNotFoundException)
        return [Check(False, f"EKS cluster {name}", "missing")]
    found = [Check(status == "ACTIVE", f"EKS cluster {name} is ACTIVE", status)]
    want = sorted(a["addon_name"] for a in _resources(document, "aws_eks_addon").values())
    have = sorted(eks.list_addons(clusterName=name)["addons"])
    missing = [a for a in want if a not in have]
    found.append(Check(not missing, f"EKS cluster {name} has its {len(want)} add-ons",
                       f"missing {', '.join(missing)}" if missing else ""))
    bound = {(a["namespace"], a["serviceAccount"])
             for a in eks.list_pod_identity_associations(clusterName=name)["associations"]}
    for association in _resources(document, "aws_eks_pod_identity_association").values():
        account = (association["namespace"], association["service_account"])
        found.append(Check(account in bound, f"service account {'/'.join(account)} has its Pod Identity role"))
    return found


def main(argv: list[str] | None = None) -> int:
    from modules.errors import ConfigError
    from tooling.deliver import _client, synthesized_stack

    parser = argparse.ArgumentParser(prog="python -m tooling.verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", help="a stack name (conduit-dev) or system:env")
    parser.add_argument("--outdir", type=Path, default=Path("cdktf.out"))
    parser.add_argument("--endpoint-url", help="an emulator's endpoint (moto); default: the real AWS")
    parser.add_argument("--json", action="store_true", help="print the checks as JSON")
    args = parser.parse_args(argv)
    try:
        row, document = synthesized_stack(args.stack, args.outdir)
        region = next(p["region"] for p in document["provider"]["aws"] if "alias" not in p)
        found = checks(document, system=row["system"], environment=row["environment"],
                       client=lambda service: _client(service, region, args.endpoint_url))
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 (credentials, network): one line
        print(f"error: cannot verify: {type(error).__name__}: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([asdict(c) for c in found], indent=2))
    else:
        for check in found:
            print(check.line())
        print(f"verify {row['stack']}: {sum(c.ok for c in found)} of {len(found)} checks passed")
    return 0 if all(c.ok for c in found) else 1


if __name__ == "__main__":
    sys.exit(main())
