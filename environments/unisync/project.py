"""What every environment of UniSync shares: name, region, zones, state backend, services' wiring."""

from modules.compute.options import SecretReference, EcsServiceOptions
from modules.project import ProjectSettings
from modules.messaging.options import DeadLetterOptions, QueueOptions
from modules.serverless.options import Architecture, FunctionOptions

PROJECT = ProjectSettings(
    name="unisync",
    region="ap-northeast-2",
    availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
    state_bucket="unisync-terraform-state",
    lock_table="unisync-terraform-locks",
)

HEALTH_CHECK_PATH = "/actuator/health"
ENCRYPTION_KEY = SecretReference(variable="ENCRYPTION_KEY", secret="encryption-key")
"""The document keeps its encryption key in unisync/<env>/encryption-key (not a JWT secret)."""
DB_USER = SecretReference(variable="DB_USERNAME", secret="database", json_key="username")
DB_PASSWORD = SecretReference(variable="DB_PASSWORD", secret="database", json_key="password")
COGNITO = (
    SecretReference(variable="COGNITO_USER_POOL_ID", secret="cognito", json_key="userPoolId"),
    SecretReference(variable="COGNITO_CLIENT_ID", secret="cognito", json_key="clientId"),
)
"""Read by ECS from Secrets Manager when a task starts; values are set out of band."""

SCHEMAS = {"user-service": "user_db", "course-service": "course_db", "schedule-service": "schedule_db"}


def services(*, spot: bool, count: int) -> tuple[EcsServiceOptions, ...]:
    """The four Spring services, 256 CPU / 512 MiB each; ``spot`` runs them on FARGATE_SPOT."""
    common = dict(cpu=256, memory=512, health_check_path=HEALTH_CHECK_PATH, desired_count=count,
                  min_count=count, max_count=count * 2, fargate_spot=spot, health_check_grace_seconds=120)
    gateway = EcsServiceOptions(name="api-gateway", port=8080, secrets=(ENCRYPTION_KEY, *COGNITO),
                              environment={"SPRING_PROFILES_ACTIVE": "prod"}, **common)
    internal = tuple(
        EcsServiceOptions(name=name, port=port, load_balanced=False, discovery_name=name,
                        secrets=(ENCRYPTION_KEY, DB_USER, DB_PASSWORD, *(COGNITO if name == "user-service" else ())),
                        environment={"SPRING_PROFILES_ACTIVE": "prod", "DB_SCHEMA": SCHEMAS[name]}, **common)
        for name, port in (("user-service", 8081), ("course-service", 8082), ("schedule-service", 8083))
    )
    return (gateway, *internal)


CANVAS_SYNC = FunctionOptions(
    name="canvas-sync", source="systems/unisync/functions/canvas_sync", runtime="python3.13",
    handler="src.handler.lambda_handler", architecture=Architecture.X86_64,  # the document's build: x86_64 wheels
    memory_mb=512, timeout_seconds=300, in_vpc=True,
    reserved_concurrency=2,  # one sync at a time plus a manual run; a runaway loop cannot take the account pool
)
CANVAS_API_BASE_URL = "https://canvas.instructure.com/api/v1"

QUEUES = (
    # visibility: a consumer has 5 minutes per message before another may receive it
    QueueOptions(name="assignment-events", visibility_timeout_seconds=300,
                 dead_letter=DeadLetterOptions(max_receive_count=5)),
    QueueOptions(name="submission-events", visibility_timeout_seconds=300),
    QueueOptions(name="task-creation", visibility_timeout_seconds=300),
    QueueOptions(name="llm-analysis", visibility_timeout_seconds=900),
)

PLACEHOLDER_DOMAIN = "unisync.example.com"
"""Placeholder Route 53 public hosted zone (prod HTTPS): replace it with the real zone before deploying."""
