"""What every Conduit environment shares: name, region, zones and its own state backend."""

from modules.compute.options import SecretReference
from modules.project import ProjectSettings

PROJECT = ProjectSettings(
    name="conduit",
    region="ap-northeast-2",
    availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
    state_bucket="conduit-terraform-state",
    lock_table="conduit-terraform-locks",
)

PORT = 8080
HEALTH_CHECK_PATH = "/health"
ENVIRONMENT = {"PORT": "8080"}
SECRETS = (SecretReference(variable="JWT_SECRET", secret="jwt"),)
"""The document sets JWT_SECRET as a plain environment value; here it comes from Secrets Manager."""

PLACEHOLDER_DOMAIN = "conduit.example.com"
"""Placeholder Route 53 public hosted zone of prod: replace it with the real zone before deploying."""

PLACEHOLDER_GITHUB_REPOSITORY = "conduit-dev/conduit"
"""Placeholder GitHub repository (``owner/name``) of the document's ``backend-deploy.yml``: replace it."""
