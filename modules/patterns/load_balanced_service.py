"""Fargate services behind an internet-facing application load balancer.

The pattern composes the constructs a load-balanced web service needs: with a
domain, a DNS-validated wildcard certificate, HTTPS with the TLS policy and an
HTTP listener that only redirects, and an alias record; without one, plain
HTTP (a note says so). Then the load balancer with one target group per
load-balanced service and path rules, optionally an AWS WAF web ACL, and one
ECS service per service (its image repository, roles, log group, secrets by
ARN, autoscaling).

Like :class:`modules.storage.secure_bucket.SecureBucket` it is a builder, not a
construct node: it creates ``tls``, ``alb``, ``waf``, ``dns`` and
``svc-<name>`` directly in the stack, so a stack that adopts it keeps its
Terraform addresses. Context (naming, region, account, log key) comes from the
enclosing :class:`modules.stack.ProjectStack`.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from modules.compute.ecr import EcrRepository
from modules.compute.ecs_cluster import EcsCluster
from modules.compute.ecs_service import ContainerSecret, EcsService
from modules.compute.options import EcsServiceOptions
from modules.iam.policy import Statement
from modules.networking.alb import LoadBalancer, Target
from modules.networking.dns import AliasRecord, PublicCertificate
from modules.networking.options import LoadBalancerOptions
from modules.networking.vpc import Vpc
from modules.networking.waf import WebAcl
from modules.secrets.secrets_manager import Secrets
from modules.stack import ProjectStack

NO_DOMAIN_NOTE = ("no domain: the load balancer serves plain HTTP on port 80 (no TLS certificate, no DNS "
                  "record); set load_balancer.domain for HTTPS")


class LoadBalancedFargateService:
    """Attributes: ``load_balancer`` (or ``None`` when no service is load-balanced), ``services``
    (``EcsService`` by name), ``certificate``, ``waf``, ``host_name`` and ``url`` (``https://<host>``
    with a domain, else ``http://<alb dns name>``)."""

    def __init__(
        self,
        scope: ProjectStack,
        *,
        services: Sequence[EcsServiceOptions],
        options: LoadBalancerOptions,
        cluster: EcsCluster,
        repositories: Mapping[str, EcrRepository],
        vpc: Vpc,
        load_balancer_security_group_id: str,
        service_security_group_id: str,
        secrets: Secrets | None = None,
        access_logs_bucket_name: str | None = None,
        access_logs_prefix: str = "alb",
        access_logs_ready: Sequence = (),
        extra_environment: Callable[[EcsServiceOptions], Mapping[str, str]] = lambda service: {},
        extra_secrets: Callable[[EcsServiceOptions], Sequence[ContainerSecret]] = lambda service: (),
        extra_secret_keys: Callable[[EcsServiceOptions], Sequence[str]] = lambda service: (),
        task_statements: Callable[[EcsServiceOptions], Sequence[Statement]] = lambda service: (),
        service_security_group_ids: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param services: every service of the cluster; those with ``load_balanced`` get a target group.
            Tasks run in ``vpc``'s private app subnets, or its public subnets with ``assign_public_ip``.
        :param secrets: the stack's secrets, which ``SecretReference`` s name; defaults to none
            (then no service may reference a secret).
        :param access_logs_bucket_name: defaults to none: no access logs.
        :param access_logs_ready: resources the load balancer waits for (the logs bucket's policy).
        :param extra_environment: plain variables a composition adds per service (e.g. a database
            host); defaults to none.
        :param extra_secrets: secrets a composition adds per service; defaults to none.
        :param extra_secret_keys: KMS keys of those secrets; defaults to none.
        :param task_statements: IAM statements of a service's task role (grants); defaults to none.
        :param service_security_group_ids: a security group of its own per service name (least
            privilege between services); defaults to none: every service in
            ``service_security_group_id``.
        """
        stack = ProjectStack.of(scope)
        project, environment = stack.project.name, stack.environment
        self.certificate = PublicCertificate(scope, "tls", domain=options.domain) \
            if options.domain else None
        self.host_name = (options.host_name or f"{project}-{environment}.{options.domain}") if options.domain else None
        balanced = [s for s in services if s.load_balanced]
        self.load_balancer: LoadBalancer | None = None
        self.waf: WebAcl | None = None
        if balanced:
            self.load_balancer = LoadBalancer(
                scope, "alb", vpc_id=vpc.vpc_id, subnet_ids=vpc.public_subnet_ids,
                security_group_ids=[load_balancer_security_group_id],
                targets=[Target(name=s.name, port=s.port, health_check_path=s.health_check_path,
                                path_patterns=s.path_patterns, priority=s.listener_priority) for s in balanced],
                certificate_arn=self.certificate.certificate_arn if self.certificate else None,
                ssl_policy=options.ssl_policy, idle_timeout_seconds=options.idle_timeout_seconds,
                deregistration_delay_seconds=options.deregistration_delay_seconds, stickiness=options.stickiness,
                deletion_protection=options.deletion_protection,
                access_logs_bucket=access_logs_bucket_name, access_logs_prefix=access_logs_prefix,
                depends_on=list(access_logs_ready),
            )
            if options.waf:
                self.waf = WebAcl(
                    scope, "waf",
                    resource_arn=self.load_balancer.alb_arn, log_kms_key_arn=stack.logs_key.key_arn,
                )
            if self.certificate:
                AliasRecord(
                    scope, "dns", zone_id=self.certificate.zone_id, name=self.host_name,
                    target_dns_name=self.load_balancer.alb_dns_name, target_zone_id=self.load_balancer.alb_zone_id,
                )
            else:
                stack.notes.append(NO_DOMAIN_NOTE)

        self.services: dict[str, EcsService] = {}
        base_keys = [secrets.kms_key_arn] if secrets is not None and secrets.kms_key_arn else []
        for s in services:
            container_secrets = [ContainerSecret(r.variable, secrets.secret_arns[r.secret], r.json_key)
                                 for r in s.secrets] if secrets is not None else []
            self.services[s.name] = EcsService(
                scope, f"svc-{s.name}", options=s, cluster=cluster, repository=repositories[s.name], vpc=vpc,
                log_kms_key_arn=stack.logs_key.key_arn, environment=extra_environment(s),
                secrets=[*container_secrets, *extra_secrets(s)],
                secrets_kms_key_arn=[*base_keys, *extra_secret_keys(s)],
                security_group_ids=[(service_security_group_ids or {}).get(s.name, service_security_group_id)],
                target_group_arn=self.load_balancer.target_group_arns[s.name] if s.load_balanced else None,
                task_policy_statements=list(task_statements(s)),
                depends_on=[*self.load_balancer.listeners, *self.load_balancer.rules] if s.load_balanced else (),
            )

        if self.host_name:
            self.url: str | None = f"https://{self.host_name}"
        elif self.load_balancer:
            self.url = f"http://{self.load_balancer.alb_dns_name}"
        else:
            self.url = None

