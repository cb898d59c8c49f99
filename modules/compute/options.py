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
