"""What every environment of the NestJS API shares: name, region, zones, state backend, wiring."""

from modules.compute.options import SecretReference
from modules.project import ProjectSettings

PROJECT = ProjectSettings(
    name="nest-api",
    region="ap-northeast-2",
    availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
    state_bucket="nest-api-terraform-state",
    lock_table="nest-api-terraform-locks",
)

PORT = 3000
HEALTH_CHECK_PATH = "/health"
ENVIRONMENT = {"NODE_ENV": "production", "PORT": "3000"}
SECRETS = (
    SecretReference(variable="DATABASE_URL", secret="database"),
    SecretReference(variable="OPENAI_API_KEY", secret="api-keys", json_key="openai"),
    SecretReference(variable="SUPABASE_SERVICE_ROLE_KEY", secret="api-keys", json_key="supabase_service_role"),
)
"""Read by ECS from Secrets Manager when a task starts; values are set out of band."""

PLACEHOLDER_DOMAIN = "nest-api.example.com"
"""Placeholder Route 53 public hosted zone: replace it with the real zone before deploying."""

PLACEHOLDER_GITHUB_REPOSITORY = "nest-api-dev/nest-api"
"""Placeholder GitHub repository (``owner/name``) whose workflow deploys: replace before deploying."""
