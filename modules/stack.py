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

from typing import Mapping

from modules.state_backend import configure_backend
from modules.framework import Construct, TerraformOutput, TerraformStack, aws
from modules.naming import Naming
from modules.project import ProjectSettings, state_key
from modules.security.kms import KmsKey
from modules.terraform_strings import terraform_literals


class ProjectStack(TerraformStack):
    """One environment of one system.

    Attributes: ``project``, ``environment``, ``naming``, ``region``, ``account``
    (the ``aws_caller_identity`` data source), ``account_id``, ``logs_key``, ``notes``,
    ``state_key``.

    Construct IDs of what it creates (Terraform addresses, never to be renamed):
    ``aws`` (provider), ``account``, ``logs-key``.
    """

    def __init__(
        self,
        scope: Construct,
        stack_name: str,
        *,
        project: ProjectSettings,
        environment: str,
        native_state_lock: bool = False,
        extra_tags: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param stack_name: the stack's name: its output directory ``stacks/<name>`` and the name
            ``cdktf deploy`` takes.
        :param native_state_lock: defaults to off: the DynamoDB table alone locks the state.
        :param extra_tags: defaults to none: only ``Environment``, ``Project`` and ``ManagedBy``.
        """
        super().__init__(scope, stack_name)
        self.project = project
        self.environment = environment
        self.region = project.region
        self.naming = Naming(project.name, environment)
        self.notes: list[str] = []
        self.state_key = state_key(environment)

        aws.provider.AwsProvider(
            self, "aws", region=project.region,
            default_tags=[{"tags": {
                "Environment": environment,
                "Project": project.name,
                "ManagedBy": project.managed_by,
                **terraform_literals(extra_tags or {}),
            }}],
        )
        configure_backend(
            self, bucket=project.state_bucket, key=self.state_key, region=project.region,
            lock_table=project.lock_table, native_lock_file=native_state_lock,
        )
        self.account = aws.data_aws_caller_identity.DataAwsCallerIdentity(self, "account")
        self.account_id: str = self.account.account_id
        # One key for every CloudWatch log group of the stack.
        self.logs_key = KmsKey(
            self, "logs-key", naming=self.naming, purpose="logs", region=project.region,
            account_id=self.account_id, cloudwatch_logs=True,
            description=f"CloudWatch Logs of {project.name}-{environment}",
        )

    @staticmethod
    def of(construct: Construct) -> "ProjectStack":
        """The :class:`ProjectStack` enclosing ``construct``."""
        stack = TerraformStack.of(construct)
        if not isinstance(stack, ProjectStack):
            raise TypeError(f"{construct.node.path} is not inside a ProjectStack")
        return stack

    def output(self, name: str, value: object, description: str) -> TerraformOutput:
        """A ``terraform output`` of the stack (only stacks emit outputs, never constructs)."""
        return TerraformOutput(self, name, value=value, description=description)
