"""What every OpenMarket environment shares: name, region, zones, state backend, placeholders."""

from modules.iam.options import GithubDeployOptions
from modules.project import ProjectSettings
from modules.serverless.options import FunctionOptions, ScheduleOptions

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

_CODE = "systems/openmarket/functions"
RUNTIME = "nodejs22.x"
"""The document's Node.js 18 can no longer be created (SPEC §5): Node.js 22."""
LAMBDA_LOG_DAYS = 30
"""The document keeps the functions' logs 30 days, whatever the environment's own retention."""
FUNCTIONS = (
    FunctionOptions(name="image-processor", source=f"{_CODE}/image-processor", runtime=RUNTIME,
                    handler="index.handler", memory_mb=512, timeout_seconds=60, log_retention_days=LAMBDA_LOG_DAYS),
    FunctionOptions(name="order-notification", source=f"{_CODE}/order-notification", runtime=RUNTIME,
                    handler="index.handler", memory_mb=256, timeout_seconds=30, log_retention_days=LAMBDA_LOG_DAYS),
    # report-generator and data-sync use Aurora and Redis: in the private subnets (document 003)
    FunctionOptions(name="report-generator", source=f"{_CODE}/report-generator", runtime=RUNTIME,
                    handler="index.handler", memory_mb=1024, timeout_seconds=300, log_retention_days=LAMBDA_LOG_DAYS,
                    in_vpc=True),
    FunctionOptions(name="data-sync", source=f"{_CODE}/data-sync", runtime=RUNTIME,
                    handler="index.handler", memory_mb=512, timeout_seconds=120, log_retention_days=LAMBDA_LOG_DAYS,
                    in_vpc=True),
)
REPORT_SCHEDULE = ScheduleOptions(name="daily-report", expression="cron(0 0 * * ? *)", timezone="Asia/Seoul",
                                  description="report-generator, daily at 00:00 KST")
DATA_SYNC_SCHEDULE = ScheduleOptions(name="hourly-sync", expression="rate(1 hour)",
                                     description="data-sync, every hour")
# dev stops Aurora outside 09:00-18:00 KST on weekdays: its functions run inside those hours, once the
# database has started (validation refuses a schedule that could fire at a stopped database)
WORKING_HOURS_REPORT_SCHEDULE = ScheduleOptions(
    name="daily-report", expression="cron(30 9 ? * MON-FRI *)", timezone="Asia/Seoul",
    description="report-generator, weekdays at 09:30 KST (the database runs 09:00-18:00)")
WORKING_HOURS_DATA_SYNC_SCHEDULE = ScheduleOptions(
    name="hourly-sync", expression="cron(30 9-17 ? * MON-FRI *)", timezone="Asia/Seoul",
    description="data-sync, hourly 09:30-17:30 KST on weekdays (the database runs 09:00-18:00)")

PLACEHOLDER_GITHUB_REPOSITORY = "openmarket-dev/openmarket"
"""Placeholder repository of the document's backend-ci, frontend-ci and lambda-ci workflows: replace it."""


def github(branch: str, *environments: str) -> GithubDeployOptions:
    """Who may assume an environment's CI role: the repository's ``branch`` and GitHub ``environments``."""
    return GithubDeployOptions(repository=PLACEHOLDER_GITHUB_REPOSITORY, branch=branch, environments=environments)
