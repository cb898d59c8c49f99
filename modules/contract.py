"""What an application expects from the infrastructure it runs on, and the check of a synthesized stack
against it (no framework import: it reads the Terraform JSON).

A system's contract (``systems/<system>/contract.py``) is taken from its document: per service, the
environment variable names (and the fixed values the document gives), the secrets with their JSON keys,
the port, the health path, the image repository, the build file; per function, its handler, runtime,
architecture, variables and schedule; the delivery the document runs (its workflow and the names its
scripts use). Where we deviate on purpose (a name made unique per environment, a runtime AWS no longer
creates, TLS to Redis the document does not ask for), the contract says so and why (``Deviation``).
:func:`check` lists every way a stack breaks it; :func:`render` writes the app team's reference for the
system's README.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_TOKEN = re.compile(r"^\$\{([a-z0-9_]+)\.")


@dataclass(frozen=True)
class Variable:
    """A plain environment variable: its name, and the value the document fixes (``None``: one the stack
    fills in, e.g. an endpoint; ``from_`` says from what: a resource type its value references)."""

    name: str
    value: str | None = None
    from_: str | None = None
    """The Terraform resource type the value comes from (e.g. ``aws_db_instance``), when not fixed."""
    note: str = ""


@dataclass(frozen=True)
class Secret:
    """A variable filled from Secrets Manager at task start: the secret's short name and JSON key."""

    name: str
    secret: str
    json_key: str | None = None


@dataclass(frozen=True)
class Service:
    """A container service (ECS): what its image needs from the infrastructure."""

    name: str
    port: int
    health_path: str | None
    variables: tuple[Variable, ...] = ()
    secrets: tuple[Secret, ...] = ()
    repository: str = ""
    """The ECR repository's name as the stack creates it (``{env}`` where the environment goes)."""
    ecs_service: str = ""
    """The ECS service's name (scripts use it: ``aws ecs update-service --service ...``)."""
    build: str = ""
    """How the image is built, as the document does it (``docker build -f Dockerfile.prod .``)."""


@dataclass(frozen=True)
class Function:
    """A Lambda function: what its code needs."""

    name: str
    handler: str
    runtime: str
    architecture: str = "x86_64"
    variables: tuple[Variable, ...] = ()
    build: str = ""
    schedule: str | None = None
    """The schedule the document gives (EventBridge Scheduler): the expression, then its time zone if
    it has one (``cron(0 0 * * ? *) Asia/Seoul``)."""
    schedule_in: tuple[tuple[str, str], ...] = ()
    """Where an environment runs it on another schedule than the document's, on purpose (each one
    explained by a :class:`Deviation`): ``(("dev", "cron(30 9 ? * MON-FRI *) Asia/Seoul"),)``."""

    def schedule_of(self, environment: str) -> str | None:
        """The schedule this function must have in ``environment``."""
        return dict(self.schedule_in).get(environment, self.schedule)


@dataclass(frozen=True)
class Delivery:
    """How the document ships the application: its workflow(s), and who may run them."""

    workflows: tuple[str, ...]
    steps: tuple[str, ...]
    identity: str
    """The deploy role's output name (``github_deploy_role_arn``) or what delivers (``CodePipeline``)."""


@dataclass(frozen=True)
class Deviation:
    """Where we do not do what the document says, on purpose."""

    what: str
    document: str
    ours: str
    why: str


@dataclass(frozen=True)
class Contract:
    system: str
    document: str
    services: tuple[Service, ...] = ()
    functions: tuple[Function, ...] = ()
    delivery: Delivery | None = None
    deviations: tuple[Deviation, ...] = ()
    cluster: str = ""
    """The ECS cluster's name (``{env}`` where the environment goes)."""


# --------------------------------------------------------------------------- the check


def _resources(document: dict, type_: str) -> dict[str, dict]:
    return document.get("resource", {}).get(type_, {})


def _container(document: dict, service: Service, environment: str) -> tuple[dict | None, dict | None]:
    """The container definition and the ECS service of ``service`` in ``document``."""
    ecs = next((s for s in _resources(document, "aws_ecs_service").values()
                if s.get("name") == service.ecs_service.format(env=environment)), None)
    if ecs is None:
        return None, None
    family_ref = ecs.get("task_definition", "")
    match = re.match(r"^\$\{aws_ecs_task_definition\.([^.]+)\.", family_ref)
    task = _resources(document, "aws_ecs_task_definition").get(match[1]) if match else None
    if task is None:
        return None, ecs
    containers = json.loads(task["container_definitions"])
    return next((c for c in containers if c.get("name") == service.name), containers[0]), ecs


def _secret_names(document: dict) -> dict[str, str]:
    """Logical id of each Secrets Manager secret -> its name."""
    return {logical: body.get("name", "") for logical, body in _resources(document, "aws_secretsmanager_secret").items()}


def check(contract: Contract, document: dict, environment: str) -> list[str]:
    """Every way the stack ``document`` of ``environment`` breaks ``contract`` (empty: it keeps it)."""
    problems: list[str] = []
    secrets = _secret_names(document)
    if contract.cluster and not any(c.get("name") == contract.cluster.format(env=environment)
                                    for c in _resources(document, "aws_ecs_cluster").values()):
        problems.append(f"no ECS cluster named {contract.cluster.format(env=environment)}")
    for service in contract.services:
        where = f"service {service.name}"
        container, ecs = _container(document, service, environment)
        if ecs is None:
            problems.append(f"{where}: no ECS service named {service.ecs_service.format(env=environment)}")
            continue
        if container is None:
            problems.append(f"{where}: its task definition is not in the stack")
            continue
        ports = [m.get("containerPort") for m in container.get("portMappings", [])]
        if service.port not in ports:
            problems.append(f"{where}: listens on {ports}, the document's port is {service.port}")
        plain = {e["name"]: e.get("value") for e in container.get("environment", [])}
        injected = {s["name"]: s.get("valueFrom", "") for s in container.get("secrets", [])}
        for variable in service.variables:
            if variable.name in injected:
                problems.append(f"{where}: {variable.name} comes from Secrets Manager, the document sets it plainly")
            elif variable.name not in plain:
                problems.append(f"{where}: no environment variable {variable.name}")
            elif variable.value is not None and plain[variable.name] != variable.value.format(env=environment):
                problems.append(f"{where}: {variable.name} = {plain[variable.name]!r}, the document's value is "
                                f"{variable.value.format(env=environment)!r}")
            elif variable.from_ is not None:
                token = _TOKEN.match(str(plain[variable.name]))
                if not token or token[1] != variable.from_:
                    problems.append(f"{where}: {variable.name} = {plain[variable.name]!r} is not the {variable.from_}")
        for secret in service.secrets:
            value = injected.get(secret.name)
            if value is None:
                problems.append(f"{where}: no secret variable {secret.name}" +
                                (" (it is a plain value: secrets only through Secrets Manager)"
                                 if secret.name in plain else ""))
                continue
            match = re.match(r"^\$\{aws_secretsmanager_secret\.([^.]+)\.arn\}(?::([^:]*)::)?$", value)
            name = secrets.get(match[1], "") if match else ""
            if not match or not name.endswith(f"/{secret.secret}"):
                problems.append(f"{where}: {secret.name} is read from {value!r}, not the secret {secret.secret}")
            elif (match[2] or None) != secret.json_key:
                problems.append(f"{where}: {secret.name} reads JSON key {match[2]!r}, the document's is {secret.json_key!r}")
        if service.repository:
            repository = service.repository.format(env=environment)
            names = {logical: r.get("name") for logical, r in _resources(document, "aws_ecr_repository").items()}
            image = re.match(r"^\$\{aws_ecr_repository\.([^.]+)\.repository_url\}", container.get("image", ""))
            if not image or names.get(image[1]) != repository:
                problems.append(f"{where}: its image is not from the repository {repository}")
        if service.health_path is not None:
            paths = {g.get("health_check", {}).get("path") for g in _resources(document, "aws_lb_target_group").values()
                     if g.get("port") == service.port}
            if service.health_path not in paths:
                problems.append(f"{where}: no target group checks {service.health_path} on port {service.port}")
    functions = {f.get("function_name", ""): (logical, f)
                 for logical, f in _resources(document, "aws_lambda_function").items()}
    for function in contract.functions:
        where = f"function {function.name}"
        logical, body = next(((logical, f) for name, (logical, f) in functions.items() if name.split("-")[1:-1] and
                              "-".join(name.split("-")[1:-1]) == function.name), (None, None))
        if body is None:
            problems.append(f"{where}: no Lambda function of that name")
            continue
        if (expected := function.schedule_of(environment)) is not None:
            problems += _schedule_problems(where, expected, document, logical)
        for key, expected in (("handler", function.handler), ("runtime", function.runtime)):
            if body.get(key) != expected:
                problems.append(f"{where}: {key} {body.get(key)!r}, the contract's is {expected!r}")
        architectures = body.get("architectures") or ["x86_64"]
        if architectures != [function.architecture]:
            problems.append(f"{where}: architectures {architectures}, the contract's is [{function.architecture!r}]")
        plain = (body.get("environment") or {}).get("variables", {}) if isinstance(body.get("environment"), dict) \
            else ((body.get("environment") or [{}])[0].get("variables", {}))
        for variable in function.variables:
            if variable.name not in plain:
                problems.append(f"{where}: no environment variable {variable.name}")
            elif variable.value is not None and plain[variable.name] != variable.value.format(env=environment):
                problems.append(f"{where}: {variable.name} = {plain[variable.name]!r}, the document's value is "
                                f"{variable.value.format(env=environment)!r}")
    return problems


def _schedule_problems(where: str, expected: str, document: dict, logical: str) -> list[str]:
    """The EventBridge Scheduler schedules that invoke the function ``logical`` against ``expected``
    (an expression, then its time zone if it has one; a rate has none)."""
    target = f"${{aws_lambda_function.{logical}.arn}}"
    found = [s for s in _resources(document, "aws_scheduler_schedule").values()
             if (s.get("target") or {}).get("arn") == target]
    if not found:
        return [f"{where}: no schedule invokes it, the contract's is {expected!r}"]
    expression, zone = re.fullmatch(r"(\w+\(.*\))(?: (\S+))?", expected).groups()
    problems = []
    for schedule in found:
        actual = schedule.get("schedule_expression", "")
        if zone:
            actual += " " + schedule.get("schedule_expression_timezone", "UTC")
        if actual != (f"{expression} {zone}" if zone else expression):
            problems.append(f"{where}: schedule {schedule.get('name')!r} is {actual!r}, the contract's is {expected!r}")
    return problems


# --------------------------------------------------------------------------- the app team's reference


def render(contract: Contract) -> str:
    """The contract as Markdown, for the system's README (``{env}`` stands for the environment)."""
    lines = [f"### The application's contract (document {contract.document})", "",
             f"What the application expects from this infrastructure — `systems/{contract.system.replace('-', '_')}"
             "/contract.py`, checked against every synthesized stack by `tests/systems/test_contracts.py`. "
             "`{env}` is the environment.", ""]
    if contract.cluster:
        lines += [f"ECS cluster `{contract.cluster}`.", ""]
    for s in contract.services:
        lines += [f"**Service `{s.name}`** — ECS service `{s.ecs_service}`, port {s.port}"
                  + (f", health `{s.health_path}`" if s.health_path else "")
                  + (f", image from ECR `{s.repository}`" if s.repository else "")
                  + (f", built with `{s.build}`" if s.build else "") + ".", "",
                  "| variable | value |", "|---|---|"]
        for v in s.variables:
            value = f"`{v.value}`" if v.value is not None else (f"from `{v.from_}`" if v.from_ else "set by the stack")
            lines.append(f"| `{v.name}` | {value}{' — ' + v.note if v.note else ''} |")
        for sec in s.secrets:
            key = f", key `{sec.json_key}`" if sec.json_key else ""
            lines.append(f"| `{sec.name}` | secret `{contract.system}/{{env}}/{sec.secret}`{key} |")
        lines.append("")
    for f in contract.functions:
        lines += [f"**Function `{f.name}`** — handler `{f.handler}`, `{f.runtime}`, `{f.architecture}`"
                  + (f", schedule `{f.schedule}`" if f.schedule else "")
                  + "".join(f" (`{s}` in {env})" for env, s in f.schedule_in)
                  + (f", built with `{f.build}`" if f.build else "") + ".", ""]
        if f.variables:
            lines += ["| variable | value |", "|---|---|"]
            for v in f.variables:
                lines.append(f"| `{v.name}` | {f'`{v.value}`' if v.value is not None else 'set by the stack'} |")
            lines.append("")
    if contract.delivery:
        d = contract.delivery
        lines += [f"**Delivery** — {', '.join(f'`{w}`' for w in d.workflows)} as `{d.identity}`: "
                  + "; ".join(d.steps) + ".", ""]
    if contract.deviations:
        lines += ["**Where we deviate on purpose**", "", "| what | document | ours | why |", "|---|---|---|---|"]
        lines += [f"| {d.what} | {d.document} | {d.ours} | {d.why} |" for d in contract.deviations]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":  # python -m modules.contract <system>: the README section of its contract
    import importlib
    import sys

    print(render(importlib.import_module(f"systems.{sys.argv[1].replace('-', '_')}.contract").CONTRACT), end="")
