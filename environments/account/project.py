"""The account baseline's project values: its state backend (one rule for all: ``<system>-terraform-state``)."""

from modules.project import ProjectSettings

PROJECT = ProjectSettings(
    name="account",
    region="ap-northeast-2",
    availability_zones=("ap-northeast-2a", "ap-northeast-2c"),
    state_bucket="account-terraform-state",
    lock_table="account-terraform-locks",
)
