"""Project-wide settings: the one place for name, region, AZs and the state backend."""

from modules.compute.options import SecretReference
from modules.project import ProjectSettings

PROJECT = ProjectSettings(
    name="codemate",
    region="ap-northeast-2",
    availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
    state_bucket="codemate-terraform-state",
    lock_table="codemate-terraform-locks",
)

# The application's wiring, identical in every environment (the environment files add sizes and counts).
SECRET_NAMES = ("database", "nextauth", "anthropic", "github-oauth")
"""Secrets Manager containers ``codemate/<env>/<name>``; values are set out of band."""

FRONTEND_ENVIRONMENT = {"NODE_ENV": "production", "PORT": "3000", "HOSTNAME": "0.0.0.0"}
FRONTEND_SECRETS = (
    SecretReference(variable="NEXTAUTH_SECRET", secret="nextauth"),
    SecretReference(variable="GITHUB_ID", secret="github-oauth", json_key="client_id"),
    SecretReference(variable="GITHUB_SECRET", secret="github-oauth", json_key="client_secret"),
)
BACKEND_ENVIRONMENT = {"NODE_ENV": "production", "PORT": "3001", "AWS_REGION": "ap-northeast-2"}
BACKEND_SECRETS = (
    SecretReference(variable="DATABASE_USER", secret="database", json_key="username"),
    SecretReference(variable="DATABASE_PASSWORD", secret="database", json_key="password"),
    SecretReference(variable="NEXTAUTH_SECRET", secret="nextauth"),
    SecretReference(variable="ANTHROPIC_API_KEY", secret="anthropic"),
)
BACKEND_PATHS = ("/api/*", "/socket.io/*")
"""SPEC §3: these go to the backend, everything else to the frontend."""

# Both images run Node.js, so the Docker health check uses node itself (no curl in slim images).
FRONTEND_HEALTH_CHECK = (
    "node -e \"require('http').get('http://localhost:3000/api/health',"
    " r => process.exit(r.statusCode < 400 ? 0 : 1)).on('error', () => process.exit(1))\""
)
BACKEND_HEALTH_CHECK = (
    "node -e \"require('http').get('http://localhost:3001/health',"
    " r => process.exit(r.statusCode < 400 ? 0 : 1)).on('error', () => process.exit(1))\""
)

DOMAIN = "code1398.io"
"""The document's public hosted zone (Route 53): every environment serves HTTPS under it with the wildcard
certificate ``*.code1398.io``: ``codemate-dev``, ``codemate-staging``, and ``codemate`` (prod)."""
DOCKERFILE = "Dockerfile.prod"
"""The document builds each image with ``docker build -f Dockerfile.prod .``."""
POSTGRES_VERSION = "17"
"""The document's PostgreSQL (a dump from 17 does not restore into 16)."""

PLACEHOLDER_GITHUB_REPOSITORY = "codemate-dev/codemate"
"""Placeholder GitHub repository (``owner/name``) of every environment's pipeline, with the frontend's
Dockerfile in ``frontend/`` and the backend's in ``backend/``: replace it with the real repository."""
