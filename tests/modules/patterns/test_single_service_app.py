"""modules/patterns/single_service_app: one service and what it stands on (bare project stack)."""

from __future__ import annotations

from modules.compute.options import EcsClusterOptions, EcsServiceOptions
from modules.monitoring.options import MonitoringOptions
from modules.networking.options import LoadBalancerOptions, NatMode, VpcOptions
from modules.patterns.options import SingleServiceSettings
from modules.patterns.single_service_app import SingleServiceApp
from modules.secrets.options import SecretsOptions
from tests.support import project_stack, synth_stack


def build(*, public: bool, access_logs: bool = True):
    stack = project_stack(log_retention_days=7)
    network = VpcOptions(vpc_cidr="10.0.0.0/16", public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
                         private_app_subnet_cidrs=() if public else ("10.0.11.0/24", "10.0.12.0/24"),
                         database_subnet_cidrs=(), nat_mode=NatMode.NONE if public else NatMode.SINGLE)
    service = EcsServiceOptions(name="api", port=8080, cpu=256, memory=512, health_check_path="/health",
                                desired_count=1, min_count=1, max_count=1, assign_public_ip=public)
    app = SingleServiceApp(stack, options=SingleServiceSettings(
        name="dev", project=stack.project, log_retention_days=7, network=network, service=service,
        load_balancer=LoadBalancerOptions(waf=False, access_logs=access_logs), secrets=SecretsOptions(names=("jwt",)),
        cluster=EcsClusterOptions()))
    app.add_monitoring(MonitoringOptions())
    return app, synth_stack(stack)


def test_public_only_network_has_no_nat_no_endpoint_and_tasks_take_a_public_ip():
    app, synth = build(public=True)
    assert synth.count("aws_nat_gateway") == 0 and synth.count("aws_vpc_endpoint") == 0
    assert synth.one("aws_ecs_service")["network_configuration"]["assign_public_ip"] is True
    assert synth.one("aws_ecr_repository")["name"] == "shop-api-dev"
    assert synth.one("aws_lb")["access_logs"]["enabled"] is True


def test_private_network_runs_tasks_privately_behind_nat_with_the_s3_endpoint():
    app, synth = build(public=False)
    assert synth.count("aws_nat_gateway") == 1 and synth.count("aws_vpc_endpoint") == 1
    network = synth.one("aws_ecs_service")["network_configuration"]
    assert network["assign_public_ip"] is False
    assert set(network["subnets"]) == {synth.ref("aws_subnet", s) for s in synth.resources("aws_subnet").values()
                                       if s["cidr_block"] in ("10.0.11.0/24", "10.0.12.0/24")}


def test_without_access_logs_no_bucket_and_monitoring_watches_the_service():
    app, synth = build(public=True, access_logs=False)
    assert app.logs is None and synth.count("aws_s3_bucket") == 0
    assert app.monitoring is not None and synth.count("aws_cloudwatch_metric_alarm") == 3
