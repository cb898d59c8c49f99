"""One AWS account's baseline: the singletons every environment of the account relies on."""

from __future__ import annotations

from modules.account.baseline import AccessAnalyzer, AuditTrail, GithubOidcProvider, ThreatDetection
from modules.framework import Construct
from modules.stack import ProjectStack
from systems.account.settings import AccountSettings, validate


class AccountStack(ProjectStack):
    """The GitHub OIDC provider, a CloudTrail trail of every region, a GuardDuty detector and IAM Access
    Analyzer. Applied before the environments it serves (the manifest lists it first)."""

    def __init__(self, scope: Construct, settings: AccountSettings, *, stack_name: str | None = None) -> None:
        validate(settings)
        super().__init__(scope, settings, stack_name=stack_name)
        self.github_oidc = GithubOidcProvider(self, "github-oidc") if settings.github_oidc else None
        self.trail = AuditTrail(self, "trail", options=settings.trail) if settings.trail else None
        self.guardduty = ThreatDetection(self, "guardduty") if settings.guardduty else None
        self.access_analyzer = AccessAnalyzer(self, "access-analyzer") if settings.access_analyzer else None

        if self.github_oidc:
            self.output("github_oidc_provider_arn", self.github_oidc.arn,
                        "GitHub Actions' OIDC provider: every deploy and plan role of the account trusts it")
        if self.trail:
            self.output("trail_arn", self.trail.trail_arn, "CloudTrail trail of every region")
            self.output("trail_bucket_name", self.trail.bucket_name, "Where the trail's log files are kept")
        if self.guardduty:
            self.output("guardduty_detector_id", self.guardduty.detector_id, "GuardDuty detector")
