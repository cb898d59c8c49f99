"""Options of the compute constructs (ECS services and cluster), beside them; no framework import."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class SecretReference:
    """One environment variable of a container, filled from Secrets Manager when the task starts."""

    variable: str
    """Name of the environment variable in the container, e.g. ``DATABASE_PASSWORD``."""
    secret: str
    """Short name of a secret of ``secrets.names`` (``database`` is ``<project>/<env>/database``)."""
    json_key: str | None = None
    """Key of a JSON secret (``arn:...:secret:name:key::``). Defaults to none: the whole secret string."""


@dataclass(frozen=True, kw_only=True)
class EcsServiceOptions:
    """One Fargate service behind the load balancer."""

    name: str
    port: int
    cpu: int
    memory: int
    health_check_path: str
    desired_count: int
    min_count: int
    max_count: int
    image_repository: str | None = None
    """ECR repository name without the environment. Defaults to ``<project>-<name>``; the
    environment is always appended (``<project>-frontend-dev``) because environments may share
    an account."""
    image_tag: str = "bootstrap"
    """Image tag of the task definition Terraform registers. Push an image with this tag before
    the first apply; afterwards CI/CD registers revisions with its own tags and Terraform ignores
    them. Defaults to ``bootstrap`` (tags are immutable, so never ``latest``)."""
    path_patterns: tuple[str, ...] = ()
    """Listener path patterns routed to this service (at most 5, e.g. ``/api/*``). Defaults to
    none: the service is the listener's default action (exactly one load-balanced service has none)."""
    listener_priority: int | None = None
    """Priority of the listener rule of ``path_patterns`` (1-50000, lower is evaluated first;
    unique per environment). Required with ``path_patterns``; defaults to none (no rule)."""
    load_balanced: bool = True
    """Behind the load balancer (target group, listener rule or default action). Defaults to on;
    off for an internal service reached through ``discovery_name``."""
    cpu_scaling_target: int | None = 70
    """Target-tracking goal for average CPU (%). Defaults to 70; ``None`` adds no CPU policy."""
    memory_scaling_target: int | None = None
    """Target-tracking goal for average memory (%). Defaults to none: no memory policy."""
    environment: dict[str, str] = field(default_factory=dict)
    """Plain environment variables of the container. Never secrets (use ``secrets``): a name that looks
    like one (``*PASSWORD*``, ``*TOKEN*``, ``*SECRET*``, ...) is refused unless listed in
    ``not_secret``. Defaults to none."""
    not_secret: tuple[str, ...] = ()
    """Names in ``environment`` that look like secrets but are plain settings, e.g.
    ``("PASSWORD_MIN_LENGTH",)``: the explicit override of the secret-name check. Defaults to none."""
    secrets: tuple[SecretReference, ...] = ()
    """Environment variables filled from Secrets Manager when a task starts. Defaults to none."""
    service_name: str | None = None
    """The ECS service's name when the application's scripts name it (``aws ecs update-service --service
    <name>``): unique within its cluster. Defaults to ``<project>-<name>-service``."""
    discovery_name: str | None = None
    """Cloud Map name (``<name>.<cluster.discovery_namespace>``) for service-to-service calls; other
    tasks may then reach this service's port. Defaults to none: no registration."""
    assign_public_ip: bool = False
    """Run tasks in the public subnets with a public IP (the no-NAT design). Defaults to off:
    private app subnets, no public IP."""
    fargate_spot: bool = False
    """Run on FARGATE_SPOT (about 70% cheaper, tasks can be interrupted): for non-critical work.
    Defaults to off: on-demand FARGATE."""
    data_tier_access: bool = False
    """Connect the service to the environment's database and Redis: ``DATABASE_HOST``,
    ``DATABASE_PORT``, ``DATABASE_NAME``, ``REDIS_HOST``, ``REDIS_PORT``, ``REDIS_TLS`` as plain
    values and ``REDIS_AUTH_TOKEN`` from its Secrets Manager secret (the database credentials come
    from the ``database`` secret, an app user — never the RDS master). Defaults to off."""
    files_bucket_access: bool = False
    """Task role may get/put/delete objects in the files bucket and list it. Defaults to off: no S3 access."""
    container_health_check: str | None = None
    """Shell command of the container's Docker health check (``CMD-SHELL``); its image must have
    the tool it calls. Defaults to none: the target group's health check alone decides."""
    health_check_grace_seconds: int = 60
    """Seconds a new task may fail load-balancer health checks while it starts. Defaults to 60."""


@dataclass(frozen=True, kw_only=True)
class EcsClusterOptions:
    """The ECS cluster of the environment (FARGATE and FARGATE_SPOT capacity)."""

    container_insights: bool = True
    """CloudWatch Container Insights (per-task metrics; billed as custom metrics). Defaults to on."""
    discovery_namespace: str | None = None
    """Private DNS namespace of services with a ``discovery_name``. Defaults to
    ``<env>.<project>.internal``; created only when a service has a discovery name."""


# -- per-field rules (what one options object can be checked for on its own) ----------------------
# Each yields (field, value, problem, fix) with ``field`` relative to the options object; a
# system's validation adds the path ("services[1](backend).", "service.") and the environment.
# Rules that span several objects (unique names, ports, priorities, known secrets) stay with the
# system's validation.

import re as _re  # noqa: E402
from typing import Iterator  # noqa: E402

from modules.aws_limits import health_check_path_problem, task_definition_size_problem  # noqa: E402

Problem = tuple[str, object, str, str]

FARGATE_MEMORY_MIB: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}
"""Fargate task sizes: cpu units -> the memory (MiB) Fargate accepts with it."""
MAX_PATH_PATTERNS = 5
"""An ALB listener rule holds at most 5 condition values."""

_SERVICE_NAME = _re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_ECR_REPOSITORY = _re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$")
_IMAGE_TAG = _re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
ENV_VARIABLE = _re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SECRET_LIKE = _re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL", _re.I)
_JSON_KEY = _re.compile(r"^[^:\s]+$")
DNS_LABEL = _re.compile(r"^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
DNS_NAME = _re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_PATH_PATTERN = _re.compile(r"^/[A-Za-z0-9_\-.$/~\"'@:+*?&=%]{0,127}$")


def service_problems(svc: EcsServiceOptions) -> Iterator[Problem]:
    """What is wrong with one service's options on their own, first problem first."""
    if not _SERVICE_NAME.match(svc.name):
        yield "name", svc.name, "use lowercase letters, digits and inner hyphens", "rename the service, e.g. 'backend'"
    if not 1 <= svc.port <= 65535:
        yield "port", svc.port, "not a TCP port", "use a port from 1 to 65535"
    if svc.cpu not in FARGATE_MEMORY_MIB:
        yield ("cpu", svc.cpu, "Fargate does not offer this CPU size",
               f"use one of {', '.join(map(str, FARGATE_MEMORY_MIB))}")
        return
    allowed = FARGATE_MEMORY_MIB[svc.cpu]
    if svc.memory not in allowed:
        yield ("memory", svc.memory, f"Fargate does not accept this memory with cpu={svc.cpu}",
               f"use {allowed[0]}..{allowed[-1]} MiB in steps of {allowed[1] - allowed[0]}"
               if len(allowed) > 1 else f"use {allowed[0]}")
    if problem := health_check_path_problem(svc.health_check_path):
        yield ("health_check_path", svc.health_check_path, *problem)
    if not 0 <= svc.min_count <= svc.desired_count <= svc.max_count:
        yield ("desired_count", (svc.min_count, svc.desired_count, svc.max_count),
               "needs 0 <= min_count <= desired_count <= max_count", "adjust min_count, desired_count and max_count")
    if svc.max_count < 1:
        yield "max_count", svc.max_count, "a service that can never run a task", "set max_count to 1 or more"


def routing_problems(svc: EcsServiceOptions) -> Iterator[Problem]:
    """Path patterns and listener priority of one service, on their own."""
    if not svc.load_balanced:
        if svc.path_patterns or svc.listener_priority is not None:
            yield ("path_patterns", svc.path_patterns, "path patterns on a service that is not behind the load balancer",
                   "set load_balanced=True or remove path_patterns and listener_priority")
        return
    if len(svc.path_patterns) > MAX_PATH_PATTERNS:
        yield ("path_patterns", svc.path_patterns, f"a listener rule holds at most {MAX_PATH_PATTERNS} path patterns",
               "use wildcards ('/api/*') to need fewer patterns")
    for pattern in svc.path_patterns:
        if not _PATH_PATTERN.match(pattern):
            yield ("path_patterns", pattern, "not an ALB path pattern",
                   "start it with '/', at most 128 characters, no spaces, e.g. '/api/*'")
    priority = svc.listener_priority
    if not svc.path_patterns:
        if priority is not None:
            yield ("listener_priority", priority, "a priority without path patterns (the default action has no rule)",
                   "remove listener_priority, or add path_patterns")
        return
    if priority is None:
        yield ("listener_priority", None, "path patterns need a listener rule priority",
               "set listener_priority from 1 to 50000 (lower is evaluated first)")
    elif not 1 <= priority <= 50000:
        yield "listener_priority", priority, "ALB rule priorities are 1 to 50000", "choose a priority from 1 to 50000"


def service_detail_problems(svc: EcsServiceOptions) -> Iterator[Problem]:
    """Image, scaling, environment, secret references, discovery name and health check, on their own."""
    if svc.image_repository is not None and not (
        2 <= len(svc.image_repository) <= 200 and _ECR_REPOSITORY.match(svc.image_repository)
    ):
        yield ("image_repository", svc.image_repository, "not a valid ECR repository name",
               "use lowercase letters, digits, '.', '_', '-' and '/' between parts, e.g. 'shop/backend'")
    if not _IMAGE_TAG.match(svc.image_tag) or svc.image_tag == "latest":
        yield ("image_tag", svc.image_tag,
               "not a usable tag of an immutable repository ('latest' cannot be pushed twice)",
               "use a fixed tag such as 'bootstrap' or a release version")
    for field, target in (("cpu_scaling_target", svc.cpu_scaling_target),
                          ("memory_scaling_target", svc.memory_scaling_target)):
        if target is not None and not 10 <= target <= 95:
            yield field, target, "a utilisation target outside 10-95 %", "use e.g. 70 for CPU, 80 for memory"
    if svc.max_count > svc.min_count and svc.cpu_scaling_target is None and svc.memory_scaling_target is None:
        yield ("cpu_scaling_target", None, f"min_count {svc.min_count} < max_count {svc.max_count} but no scaling target",
               "set cpu_scaling_target (e.g. 70), or make min_count equal max_count")
    for variable in svc.environment:
        if not ENV_VARIABLE.match(variable):
            yield ("environment", variable, "not an environment variable name",
                   "use letters, digits and '_', not starting with a digit")
        if SECRET_LIKE.search(variable) and variable not in svc.not_secret:
            yield ("environment", variable, "looks like a secret: plain environment values end up in the task definition",
                   "store it in Secrets Manager and reference it in secrets=(SecretReference(...),); "
                   f"if it is a plain setting, add not_secret=({variable!r},) to the service")
    for variable in svc.not_secret:
        if variable not in svc.environment:
            yield ("not_secret", variable, "not a variable of this service's environment",
                   "list only names of environment that look secret but are plain settings")
    seen: set[str] = set()
    for j, ref in enumerate(svc.secrets):
        if not ENV_VARIABLE.match(ref.variable):
            yield (f"secrets[{j}].variable", ref.variable, "not an environment variable name",
                   "use letters, digits and '_', not starting with a digit")
        if ref.variable in svc.environment:
            yield (f"secrets[{j}].variable", ref.variable, "also set as a plain environment value",
                   f"remove {ref.variable} from environment")
        if ref.variable in seen:
            yield f"secrets[{j}].variable", ref.variable, "set by two secret references", "reference each variable once"
        seen.add(ref.variable)
        if ref.json_key is not None and not _JSON_KEY.match(ref.json_key):
            yield (f"secrets[{j}].json_key", ref.json_key, "a JSON key with ':' or spaces breaks the ARN form",
                   "use the key's plain name, e.g. 'password'")
    if svc.discovery_name is not None and not DNS_LABEL.match(svc.discovery_name):
        yield ("discovery_name", svc.discovery_name, "not a DNS label",
               "use lowercase letters, digits and inner hyphens, e.g. 'user-service'")
    if svc.container_health_check is not None and not svc.container_health_check.strip():
        yield "container_health_check", svc.container_health_check, "an empty command", "give a shell command, or leave it out"
    if problem := task_definition_size_problem(svc.environment, svc.container_health_check):
        yield ("environment", f"{len(svc.environment)} variables", *problem)
    if not 0 <= svc.health_check_grace_seconds <= 7200:
        yield "health_check_grace_seconds", svc.health_check_grace_seconds, "outside 0-7200 seconds", "use e.g. 60"


def cluster_problems(cluster: EcsClusterOptions) -> Iterator[Problem]:
    ns = cluster.discovery_namespace
    if ns is not None and not DNS_NAME.match(ns):
        yield "discovery_namespace", ns, "not a DNS name", "use e.g. 'dev.app.internal'"
