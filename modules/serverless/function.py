"""A Lambda function packaged from a source directory at synth time, with its own log group and role.

* Code: the source directory is zipped reproducibly (:mod:`modules.serverless.package`) and
  copied into the stack's output by cdktf's ``TerraformAsset``; ``filename`` points at it and
  ``source_code_hash`` is the zip's base64 SHA-256. Nothing is downloaded or built at plan time.
* Log group ``/aws/lambda/<function>``: retention, the stack's logs key, created *before* the
  function (otherwise Lambda creates it on first run, unencrypted and kept forever).
* Role ``<project>-<name>-fn-<env>`` (trusted by Lambda of this account only): writes its log
  group; in a VPC, manages its network interfaces; with tracing, sends X-Ray segments; plus what
  grants add (``queue.grant_send(function)``, ``secrets.grant_read(function, ...)``). No wildcard
  action anywhere.
* Optional VPC placement (``options.in_vpc``) in the private app subnets with the function's own
  security group, whose only outbound rule is HTTPS (AWS APIs through NAT); the composition opens
  the calls it needs (``function.security_group.allow_to(service_group, 8081)``).
* Reserved concurrency, X-Ray active tracing, and for asynchronous invocations a dead-letter queue
  and/or an on-failure destination (a :class:`modules.messaging.queue.Queue`), with the retries.

Construct IDs: ``code``, ``logs``, ``role``, ``policy``, ``security-group``, ``function``,
``async-config``.
"""

from __future__ import annotations

import json
from typing import Mapping

from modules.errors import ConfigError
from modules.framework import AssetType, Construct, TerraformAsset, aws
from modules.iam.grants import InlinePolicy
from modules.iam.policy import Statement, allow
from modules.messaging.queue import Queue
from modules.naming import NameKind
from modules.networking.security_group import ANYWHERE_IPV4, SecurityGroup
from modules.networking.vpc import Vpc
from modules.serverless import package
from modules.serverless.options import FunctionOptions, function_problems, runtime_note
from modules.stack import ProjectStack

VPC_ACCESS_ACTIONS = (
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
)
"""What Lambda needs to attach a function to a VPC (AWS's ``AWSLambdaVPCAccessExecutionRole``);
EC2 offers no resource scoping for them, hence ``Resource: *``."""
XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")


class Function(Construct):
    """Attributes: ``options``, ``function``, ``function_name``, ``function_arn``, ``role``,
    ``role_arn``, ``log_group``, ``log_group_name``, ``security_group`` (``None`` outside a VPC),
    ``package`` (the built zip), ``timeout_seconds``. A :class:`modules.iam.grants.Grantee`."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        options: FunctionOptions,
        vpc: Vpc | None = None,
        environment: Mapping[str, str] | None = None,
        dead_letter_queue: Queue | None = None,
        on_failure: Queue | None = None,
    ) -> None:
        """
        :param options: validated here (a wrong value raises ``ConfigError`` naming ``functions.<name>.<field>``).
        :param vpc: required with ``options.in_vpc``: its private app subnets hold the function.
        :param environment: plain variables the composition adds (e.g. a URL built from other
            resources); defaults to none.
        :param dead_letter_queue: defaults to none: where an asynchronous event goes after its
            last retry (Lambda's DLQ: the event only).
        :param on_failure: defaults to none: an on-failure destination for asynchronous invocations
            (the event with the error and the response).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, o = stack.naming, options
        for field, value, problem, fix in function_problems(o):
            raise ConfigError(stack.environment, f"functions.{o.name}.{field}", value, problem, fix)
        if o.in_vpc and (vpc is None or not vpc.private_app_subnet_ids):
            raise ConfigError(stack.environment, f"functions.{o.name}.in_vpc", True,
                              "the VPC has no private app subnets for the function",
                              "add private app subnets, or set in_vpc=False")
        directory = package.source_directory(o.source)
        if not directory.is_dir():
            raise ConfigError(stack.environment, f"functions.{o.name}.source", o.source, "no such directory",
                              "give the directory of the function's code, relative to the repository root")
        if note := runtime_note(o.runtime):
            stack.notes.append(f"function {o.name}: {note}")
        self.options = o
        self.timeout_seconds = o.timeout_seconds
        function_name = naming(o.name, kind=NameKind.LAMBDA_FUNCTION)

        self.package = package.build(o.source, o.name)
        code = TerraformAsset(self, "code", path=str(self.package.path), type=AssetType.FILE,
                              asset_hash=self.package.short_hash)

        self.log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "logs", name=naming.check(f"/aws/lambda/{function_name}", NameKind.LOG_GROUP),
            retention_in_days=o.log_retention_days or stack.log_retention_days, kms_key_id=stack.logs_key.key_arn,
            tags=naming.tag(o.name, "fn-logs"),
        )
        self.log_group_name: str = self.log_group.name

        self.role = aws.iam_role.IamRole(
            self, "role", name=naming.role_name(o.name, "fn"),
            description=f"The {o.name} function's own AWS permissions",
            assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": stack.account_id}},
            }]}),
            tags=naming.tag(o.name, "fn"),
        )
        self.role_arn: str = self.role.arn
        statements: list[Statement] = [
            allow("WriteLogs", ["logs:CreateLogStream", "logs:PutLogEvents"], f"{self.log_group.arn}:log-stream:*"),
        ]
        if o.in_vpc:
            statements.append(allow("ManageVpcNetworkInterfaces", list(VPC_ACCESS_ACTIONS), "*"))
        if o.tracing:
            statements.append(allow("SendTraces", list(XRAY_ACTIONS), "*"))
        self.policy = InlinePolicy(self, "policy", role_id=self.role.id, name="function", statements=statements)

        self.security_group: SecurityGroup | None = None
        vpc_config = None
        if o.in_vpc:
            self.security_group = SecurityGroup(self, "security-group", vpc_id=vpc.vpc_id, role=f"{o.name}-fn",
                                                description=f"Lambda function {o.name}")
            self.security_group.allow_to(ANYWHERE_IPV4, 443, "HTTPS out (AWS APIs and third-party APIs through NAT)")
            vpc_config = {"subnet_ids": list(vpc.private_app_subnet_ids),
                          "security_group_ids": [self.security_group.security_group_id]}

        if dead_letter_queue is not None:
            dead_letter_queue.grant_send(self)
        if on_failure is not None:
            on_failure.grant_send(self)

        variables = {**o.environment, **(environment or {})}
        self.function = aws.lambda_function.LambdaFunction(
            self, "function", function_name=function_name, role=self.role.arn, runtime=o.runtime,
            handler=o.handler, memory_size=o.memory_mb, timeout=o.timeout_seconds,
            architectures=[o.architecture.value], filename=code.path,
            source_code_hash=self.package.base64_sha256,
            environment={"variables": dict(sorted(variables.items()))} if variables else None,
            vpc_config=vpc_config, tracing_config={"mode": "Active" if o.tracing else "PassThrough"},
            reserved_concurrent_executions=o.reserved_concurrency,
            logging_config={"log_format": "Text", "log_group": self.log_group.name},
            dead_letter_config={"target_arn": dead_letter_queue.queue_arn} if dead_letter_queue else None,
            tags=naming.tag(o.name, "fn"),
            depends_on=[self.log_group, self.policy.resource],
            # CI delivers the code: an apply must not put the synth's zip back over it
            lifecycle={"ignore_changes": ["filename", "source_code_hash"]} if o.code_from_ci else None,
        )
        self.function_arn: str = self.function.arn
        self.function_name: str = self.function.function_name
        if on_failure is not None or o.max_async_retries != 2:
            aws.lambda_function_event_invoke_config.LambdaFunctionEventInvokeConfig(
                self, "async-config", function_name=self.function.function_name,
                maximum_retry_attempts=o.max_async_retries,
                destination_config={"on_failure": {"destination": on_failure.queue_arn}} if on_failure else None,
            )

    def add_to_role_policy(self, *statements: Statement) -> None:
        """Grant the function (its role) ``statements`` (see :mod:`modules.iam.grants`)."""
        self.policy.add(*statements)
