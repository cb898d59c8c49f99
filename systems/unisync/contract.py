"""What UniSync's application (document 002) expects from the infrastructure (see modules/contract.py)."""

from modules.contract import Contract, Deviation, Function, Secret, Service, Variable

SPRING = Variable("SPRING_PROFILES_ACTIVE", "prod")
DATABASE = (Variable("DB_HOST", from_="aws_db_instance"), Variable("DB_PORT", "3306"))
DB_SECRETS = (Secret("DB_USERNAME", "database", "username"), Secret("DB_PASSWORD", "database", "password"))
ENCRYPTION_KEY = Secret("ENCRYPTION_KEY", "encryption-key")
COGNITO = (Secret("COGNITO_USER_POOL_ID", "cognito", "userPoolId"), Secret("COGNITO_CLIENT_ID", "cognito", "clientId"))


def _internal(name: str, port: int, schema: str, cognito: bool = False) -> Service:
    return Service(name=name, port=port, health_path=None, repository=f"unisync/{name}-{{env}}",
                   ecs_service=f"unisync-{name}-service", build="./gradlew bootBuildImage",
                   variables=(SPRING, *DATABASE, Variable("DB_SCHEMA", schema)),
                   secrets=(ENCRYPTION_KEY, *DB_SECRETS, *(COGNITO if cognito else ())))


CONTRACT = Contract(
    system="unisync", document="002", cluster="unisync-cluster-{env}",
    services=(
        Service(name="api-gateway", port=8080, health_path="/actuator/health", repository="unisync/api-gateway-{env}",
                ecs_service="unisync-api-gateway-service", build="./gradlew bootBuildImage",
                variables=(SPRING, Variable("USER_SERVICE_URL"), Variable("COURSE_SERVICE_URL"),
                           Variable("SCHEDULE_SERVICE_URL")),
                secrets=(ENCRYPTION_KEY, *COGNITO)),
        _internal("user-service", 8081, "user_db", cognito=True),
        _internal("course-service", 8082, "course_db"),
        _internal("schedule-service", 8083, "schedule_db"),
    ),
    functions=(
        Function(name="canvas-sync", handler="src.handler.lambda_handler", runtime="python3.13",
                 architecture="x86_64", build="pip install -r requirements.txt -t build/ (x86_64 wheels), zip",
                 variables=(Variable("USER_SERVICE_URL"),
                            Variable("CANVAS_API_BASE_URL", "https://canvas.instructure.com/api/v1"))),
    ),
    deviations=(
        Deviation("canvas-sync runtime", "`python3.11`", "`python3.13`",
                  "python3.11 was deprecated on 2026-06-30 (no security patches, creation blocked after)"),
        Deviation("MySQL", "8.0", "8.4", "8.0 is on RDS extended support since 2026-07-31 (extra cost per vCPU-hour)"),
        Deviation("log groups", "`/ecs/unisync-<service>`", "`/aws/ecs/unisync-<service>-{env}`",
                  "one account for both environments: names carry the environment; the app does not read them"),
    ),
)
