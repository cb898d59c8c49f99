"""Project-wide settings: the one place for name, region, AZs and the state backend."""

from environments.settings import ProjectSettings

PROJECT = ProjectSettings(
    name="codemate",
    region="ap-northeast-2",
    availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
    state_bucket="codemate-terraform-state",
    lock_table="codemate-terraform-locks",
)
