"""What every OpenMarket environment shares: name, region, zones, state backend, placeholders."""

from environments.settings import ProjectSettings

PROJECT = ProjectSettings(
    name="openmarket",
    region="ap-northeast-2",
    availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
    state_bucket="openmarket-terraform-state",
    lock_table="openmarket-terraform-locks",
)

PLATFORM_ADMIN_ROLE = "openmarket-platform-admin"
"""Placeholder IAM role (in the environment's account) that gets cluster-admin access through an
EKS access entry: create it (or name your SSO role's ARN) before deploying."""

PLACEHOLDER_WEB_ORIGIN = "https://openmarket.example.com"
"""Placeholder origin of the web app (CORS of the uploads bucket): replace before deploying."""

PLACEHOLDER_OFFICE_CIDR = "203.0.113.0/24"
"""Placeholder office network (TEST-NET-3) allowed to dev's public API endpoint: replace it."""
