"""The shared account: every environment of every system lives in it unless its settings name another."""

from environments.account.project import PROJECT
from modules.account.options import AwsAccount
from systems.account.settings import AccountSettings

SETTINGS = AccountSettings(
    name="shared",
    project=PROJECT,
    account=AwsAccount(name="shared"),
    log_retention_days=365,
)
