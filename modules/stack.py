"""The base of every stack: what each one has, whatever system it belongs to.

:class:`ProjectStack` owns the AWS provider with the default tags, the S3
backend with its DynamoDB lock, the naming helper, the account data source,
the customer-managed key of the CloudWatch log groups, outputs and the notes
printed in the synth summary. A system's stack subclasses it and adds only
its own composition. Constructs find these through their enclosing stack
(:meth:`ProjectStack.of`) instead of receiving ``naming=``, ``region=`` and
``account_id=`` one by one.
"""

from __future__ import annotations

from modules.context import stack_of
from modules.framework import Construct, TerraformOutput, TerraformStack, aws
from modules.naming import Naming
from modules.project import SystemSettings
from modules.security.kms import KmsKey
from modules.state_backend import configure_backend
from modules.terraform_strings import terraform_literals

STACK_TAG = "Stack"
"""The default tag naming a resource's stack (the budget's cost filter)."""


class ProjectStack(TerraformStack):
    """One environment of one system, built from that environment's settings.

    Attributes: ``settings``, ``project``, ``environment``, ``naming``, ``region``,
    ``availability_zones``, ``account`` (the ``aws_caller_identity`` data source), ``account_id``,
    ``logs_key``, ``log_retention_days``, ``force_destroy``, ``notes``, ``state_key``.

    Construct IDs of what it creates (Terraform addresses, never to be renamed):
    ``aws`` (provider), ``account``, ``logs-key``.
    """

    def __init__(self, scope: Construct, settings: SystemSettings, *, stack_name: str | None = None) -> None:
        """
        :param settings: the environment's settings (any system's: they extend ``SystemSettings``);
            ``native_state_lock`` adds Terraform's S3 lock file, ``extra_tags`` extend the default tags.
        :param stack_name: the stack's name: its output directory ``stacks/<name>`` and the name
            ``cdktf deploy`` takes. Defaults to ``<project>-<environment>``.
        """
        project, environment = settings.project, settings.name
        super().__init__(scope, stack_name or f"{project.name}-{environment}")
        self.settings = settings
        self.project = project
        self.environment = environment
        self.region = project.region
        self.availability_zones = project.availability_zones
        self.naming = Naming(project.name, environment)
        self.log_retention_days: int = settings.log_retention_days
        self.force_destroy: bool = settings.force_destroy
        self.notes: list[str] = []
        self.state_key = settings.state_key

        account = settings.account
        self._default_tags = {
            "Environment": environment,
            "Project": project.name,
            "ManagedBy": project.managed_by,
            STACK_TAG: self.node.id,  # what the stack's budget filters by (a cost allocation tag)
            **terraform_literals(settings.extra_tags or {}),
        }
        aws.provider.AwsProvider(
            self, "aws", region=project.region,
            default_tags=[{"tags": dict(self._default_tags)}],
            # an environment in an account of its own: the provider refuses any other account, and assumes
            # the role given for it there
            allowed_account_ids=[account.account_id] if account.account_id else None,
            assume_role=[aws.provider.AwsProviderAssumeRole(role_arn=account.role_arn,
                                                             session_name=f"terraform-{self.node.id}")]
            if account.role_arn else None,
        )
        configure_backend(
            self, bucket=project.state_bucket, key=self.state_key, region=project.region,
            lock_table=project.lock_table, native_lock_file=settings.native_state_lock,
        )
        self.account = aws.data_aws_caller_identity.DataAwsCallerIdentity(self, "account")
        self.account_id: str = self.account.account_id
        # One key for every CloudWatch log group of the stack.
        self.logs_key = KmsKey(
            self, "logs-key", purpose="logs", cloudwatch_logs=True,
            description=f"CloudWatch Logs of {project.name}-{environment}",
        )

    def provider_for(self, region: str):
        """An aliased AWS provider for ``region`` (``aws-<region>``: the same default tags, account and
        role), created on first use; e.g. where a database's backups are copied."""
        providers = self.__dict__.setdefault("_regional_providers", {})
        if region not in providers:
            account = self.settings.account
            providers[region] = aws.provider.AwsProvider(
                self, f"aws-{region}", alias=region, region=region,
                default_tags=[{"tags": dict(self._default_tags)}],
                allowed_account_ids=[account.account_id] if account.account_id else None,
                assume_role=[aws.provider.AwsProviderAssumeRole(role_arn=account.role_arn,
                                                             session_name=f"terraform-{self.node.id}")]
                if account.role_arn else None,
            )
        return providers[region]

    @staticmethod
    def of(construct: Construct) -> "ProjectStack":
        """The :class:`ProjectStack` enclosing ``construct``."""
        return stack_of(construct)

    def output(self, name: str, value: object, description: str) -> TerraformOutput:
        """A ``terraform output`` of the stack (only stacks emit outputs, never constructs)."""
        return TerraformOutput(self, name, value=value, description=description)
