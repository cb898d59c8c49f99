"""A reusable Fargate service: task definition, IAM roles, log group, service, autoscaling.

* Task definition: awsvpc, Fargate, the given cpu/memory, one container
  with its port mapping, optional Docker health check, ``awslogs`` to its
  own log group, plain ``environment`` values and ``secrets`` taken from
  Secrets Manager by ARN (whole secret, or one key of a JSON secret:
  ``<arn>:<key>::``). Secret values never appear in the definition.
* Execution role (used by ECS to start the task): pull from *its*
  repository, write *its* log group, read exactly *its* secrets (and
  ``kms:Decrypt`` on their key, through Secrets Manager only).
* Task role (used by the app): only the statements it is given.
* Service: in the given subnets and security groups, public IP only on
  request, attached to its target group, deployment circuit breaker with
  rollback, FARGATE or FARGATE_SPOT capacity, optional Cloud Map name.
* CI/CD owns the running image: the service ignores drift of
  ``task_definition`` (a pipeline's new revision is not rolled back by the
  next ``terraform apply``) and, under autoscaling, of ``desired_count``.
  Terraform-side task definition changes register a new revision that the
  next pipeline deploy (or ``aws ecs update-service``) rolls out; old
  revisions are kept (``skip_destroy``) so a running one never vanishes.
* Autoscaling: target tracking on average CPU (and memory where set)
  between ``min_count`` and ``max_count``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Mapping, Sequence

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import FARGATE, FARGATE_SPOT, EcsCluster
from modules.compute.options import EcsServiceOptions
from modules.networking.vpc import Vpc
from modules.stack import ProjectStack
from modules.framework import Construct, aws
from modules.iam.grants import InlinePolicy
from modules.iam.policy import Statement, allow, document, service_trust
from modules.terraform_strings import terraform_literal

SCALE_IN_COOLDOWN_SECONDS = 300
SCALE_OUT_COOLDOWN_SECONDS = 60


@dataclass(frozen=True)
class ContainerSecret:
    """Environment variable ``variable`` filled from the secret ``secret_arn`` (or its ``json_key``)."""

    variable: str
    secret_arn: str
    json_key: str | None = None

    @property
    def value_from(self) -> str:
        """The ``valueFrom`` of the container definition: the ARN, or ``<arn>:<key>::`` for a JSON key
        (empty version stage and version id: the current version)."""
        return f"{self.secret_arn}:{self.json_key}::" if self.json_key else self.secret_arn


class EcsService(Construct):
    """Attributes: ``service``, ``service_name``, ``task_definition``, ``task_definition_arn``,
    ``execution_role``, ``task_role``, ``log_group``, ``log_group_name``, ``autoscaling_target``
    (``None`` when ``min_count == max_count``)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        options: EcsServiceOptions,
        cluster: EcsCluster,
        repository: EcrRepository,
        vpc: Vpc,
        security_group_ids: Sequence[str],
        log_kms_key_arn: str | None = None,
        environment: Mapping[str, str] | None = None,
        secrets: Sequence[ContainerSecret] = (),
        secrets_kms_key_arn: str | Sequence[str] | None = None,
        target_group_arn: str | None = None,
        task_policy_statements: Sequence[Statement] = (),
        depends_on: Sequence = (),
    ) -> None:
        """
        :param options: name, image tag, port, size, counts and scaling, health checks, Spot, service
            discovery (see :class:`~modules.compute.options.EcsServiceOptions`; the defaults are its). The
            tasks run in ``vpc``'s private app subnets, or its public subnets with ``assign_public_ip``;
            their log group is kept the stack's ``log_retention_days``.
        :param log_kms_key_arn: customer-managed key of the log group; defaults to none
            (CloudWatch's own encryption).
        :param environment: plain variables besides ``options.environment`` (a composition's, e.g. a
            database host); defaults to none.
        :param secrets: defaults to none.
        :param secrets_kms_key_arn: the customer-managed key(s) of the secrets; defaults to none
            (AWS-managed key: no kms permission needed).
        :param target_group_arn: defaults to none: not behind a load balancer.
        :param task_policy_statements: defaults to none: the app gets no AWS permission.
        :param depends_on: e.g. the load balancer's listeners (a target group must belong to a
            load balancer before a service can use it).
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming, region, account_id = stack.naming, stack.region, stack.account_id
        log_retention_days = stack.log_retention_days
        self.options = o = options
        name, port, cpu, memory, image_tag = o.name, o.port, o.cpu, o.memory, o.image_tag
        assign_public_ip = o.assign_public_ip
        subnet_ids = vpc.public_subnet_ids if assign_public_ip else vpc.private_app_subnet_ids
        health_check_grace_seconds, container_health_check = o.health_check_grace_seconds, o.container_health_check
        desired_count, min_count, max_count = o.desired_count, o.min_count, o.max_count
        cpu_scaling_target, memory_scaling_target = o.cpu_scaling_target, o.memory_scaling_target
        fargate_spot, discovery_name = o.fargate_spot, o.discovery_name
        environment = {**o.environment, **(environment or {})}
        clash = sorted({s.variable for s in secrets} & set(environment))
        if clash:
            raise ValueError(f"service {name}: {clash} are both plain environment values and secrets")
        if not min_count <= desired_count <= max_count:
            raise ValueError(f"service {name}: needs min_count <= desired_count <= max_count")
        if discovery_name and cluster.discovery_namespace_id is None:
            raise ValueError(f"service {name}: discovery_name needs a cluster with a discovery namespace")

        self.log_group = aws.cloudwatch_log_group.CloudwatchLogGroup(
            self, "logs", name=naming.ecs_log_group_name(name), retention_in_days=log_retention_days,
            kms_key_id=log_kms_key_arn,
        )
        self.log_group_name: str = self.log_group.name

        self.execution_role = aws.iam_role.IamRole(
            self, "execution-role", name=naming.role_name(name, "exec"),
            description=f"ECS starts {name} tasks: image pull, logs, its secrets",
            assume_role_policy=service_trust("ecs-tasks.amazonaws.com", source_account=account_id),
        )
        aws.iam_role_policy.IamRolePolicy(
            self, "execution-policy", role=self.execution_role.id, name="pull-log-read-secrets",
            policy=document(*self._execution_statements(region, repository, secrets, secrets_kms_key_arn)),
        )
        self.task_role = aws.iam_role.IamRole(
            self, "task-role", name=naming.role_name(name, "task"),
            description=f"The {name} application's own AWS permissions",
            assume_role_policy=service_trust("ecs-tasks.amazonaws.com", source_account=account_id),
        )
        self.task_policy = InlinePolicy(self, "task-policy", role_id=self.task_role.id, name="app",
                                        statements=task_policy_statements)

        container: dict = {
            "name": name,
            "image": f"{repository.repository_url}:{terraform_literal(image_tag)}",
            "essential": True,
            "portMappings": [{"name": name, "containerPort": port, "hostPort": port, "protocol": "tcp"}],
            "environment": [{"name": terraform_literal(k), "value": terraform_literal(v)}
                            for k, v in sorted(environment.items())],
            "secrets": [{"name": terraform_literal(s.variable), "valueFrom": terraform_literal(s.value_from)}
                        for s in secrets],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": self.log_group.name,
                    "awslogs-region": region,
                    "awslogs-stream-prefix": name,
                },
            },
        }
        if container_health_check:
            container["healthCheck"] = {
                "command": ["CMD-SHELL", terraform_literal(container_health_check)],
                "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60,
            }
        self.task_definition = aws.ecs_task_definition.EcsTaskDefinition(
            self, "task", family=naming.task_family(name), network_mode="awsvpc",
            requires_compatibilities=["FARGATE"], cpu=str(cpu), memory=str(memory),
            execution_role_arn=self.execution_role.arn, task_role_arn=self.task_role.arn,
            container_definitions=json.dumps([container]), skip_destroy=True,
        )
        self.task_definition_arn: str = self.task_definition.arn

        registry = None
        if discovery_name:
            discovery = aws.service_discovery_service.ServiceDiscoveryService(
                self, "discovery", name=discovery_name,
                dns_config={
                    "namespace_id": cluster.discovery_namespace_id, "routing_policy": "MULTIVALUE",
                    "dns_records": [aws.service_discovery_service.ServiceDiscoveryServiceDnsConfigDnsRecords(
                        ttl=10, type="A",
                    )],
                },
                # No health_check_custom_config: the provider sends nothing for an empty block (and
                # failure_threshold is deprecated), so the service came back without one and every plan
                # replaced it (found by the rehearsal; hashicorp/terraform-provider-aws#44285). ECS
                # registers running tasks and deregisters stopped ones.
            )
            registry = {"registry_arn": discovery.arn}

        autoscaled = max_count > min_count
        self.service = aws.ecs_service.EcsService(
            self, "service", name=o.service_name or naming.ecs_service_name(name), cluster=cluster.cluster_arn,
            task_definition=self.task_definition.arn, desired_count=desired_count,
            capacity_provider_strategy=[aws.ecs_service.EcsServiceCapacityProviderStrategy(
                capacity_provider=FARGATE_SPOT if fargate_spot else FARGATE, weight=1,
            )],
            network_configuration={
                "subnets": list(subnet_ids), "security_groups": list(security_group_ids),
                "assign_public_ip": assign_public_ip,
            },
            load_balancer=[aws.ecs_service.EcsServiceLoadBalancer(
                target_group_arn=target_group_arn, container_name=name, container_port=port,
            )] if target_group_arn else None,
            health_check_grace_period_seconds=health_check_grace_seconds if target_group_arn else None,
            deployment_circuit_breaker={"enable": True, "rollback": True},
            deployment_minimum_healthy_percent=100, deployment_maximum_percent=200,
            service_registries=registry, propagate_tags="SERVICE", enable_ecs_managed_tags=True,
            lifecycle={"ignore_changes": ["task_definition", *(["desired_count"] if autoscaled else [])]},
            depends_on=[cluster.capacity_providers, *depends_on],
        )
        self.service_name: str = self.service.name
        # The service's ARN: ``id`` is the ARN in provider 5.x and 6.x; the ``arn`` attribute exists only in 6.x.
        self.service_arn: str = self.service.id

        self.autoscaling_target = None
        if autoscaled:
            self._autoscaling(cluster, min_count, max_count, cpu_scaling_target, memory_scaling_target)

    def add_to_role_policy(self, *statements: Statement) -> None:
        """Grant the application (its task role) ``statements`` (see :mod:`modules.iam.grants`)."""
        self.task_policy.add(*statements)

    def _execution_statements(
        self, region: str, repository: EcrRepository, secrets: Sequence[ContainerSecret],
        kms_key_arn: str | Sequence[str] | None,
    ) -> list[Statement]:
        keys = [kms_key_arn] if isinstance(kms_key_arn, str) else list(dict.fromkeys(kms_key_arn or ()))
        statements = [
            # GetAuthorizationToken has no resource-level scoping: AWS requires "*".
            allow("EcrLogin", ["ecr:GetAuthorizationToken"], "*"),
            allow("EcrPull", ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
                  repository.repository_arn),
            allow("WriteLogs", ["logs:CreateLogStream", "logs:PutLogEvents"],
                  f"{self.log_group.arn}:log-stream:*"),
        ]
        secret_arns = list(dict.fromkeys(s.secret_arn for s in secrets))
        if secret_arns:
            statements.append(allow("ReadSecrets", ["secretsmanager:GetSecretValue"], secret_arns))
            if keys:
                statements.append(allow(
                    "DecryptSecrets", ["kms:Decrypt"], keys[0] if len(keys) == 1 else keys,
                    condition={"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}},
                ))
        return statements

    def _autoscaling(self, cluster: EcsCluster, min_count: int, max_count: int,
                     cpu_target: int | None, memory_target: int | None) -> None:
        self.autoscaling_target = aws.appautoscaling_target.AppautoscalingTarget(
            self, "scaling-target", service_namespace="ecs", scalable_dimension="ecs:service:DesiredCount",
            resource_id=f"service/{cluster.cluster_name}/{self.service.name}",
            min_capacity=min_count, max_capacity=max_count,
        )
        for metric, target, predefined in (
            ("cpu", cpu_target, "ECSServiceAverageCPUUtilization"),
            ("memory", memory_target, "ECSServiceAverageMemoryUtilization"),
        ):
            if target is None:
                continue
            aws.appautoscaling_policy.AppautoscalingPolicy(
                self, f"scale-on-{metric}", name=f"{metric}-target-tracking", policy_type="TargetTrackingScaling",
                service_namespace=self.autoscaling_target.service_namespace,
                scalable_dimension=self.autoscaling_target.scalable_dimension,
                resource_id=self.autoscaling_target.resource_id,
                target_tracking_scaling_policy_configuration={
                    "target_value": target,
                    "predefined_metric_specification": {"predefined_metric_type": predefined},
                    "scale_in_cooldown": SCALE_IN_COOLDOWN_SECONDS,
                    "scale_out_cooldown": SCALE_OUT_COOLDOWN_SECONDS,
                },
            )
