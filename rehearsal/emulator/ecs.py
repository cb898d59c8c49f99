"""ECS: a service keeps the fields it was created or updated with."""

from __future__ import annotations

from rehearsal.emulator.core import Patch, Replace

RESPONSE = "moto.ecs.responses:EC2ContainerServiceResponse"

#: CreateService/UpdateService fields moto accepts but drops (request key -> Service attribute).
ECS_SERVICE_FIELDS = {
    "capacityProviderStrategy": "capacity_provider_strategy",
    "enableECSManagedTags": "enable_ecs_managed_tags",
    "enableExecuteCommand": "enable_execute_command",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "availabilityZoneRebalancing": "availability_zone_rebalancing",
}


def _keep(response, service) -> None:
    for key, attribute in ECS_SERVICE_FIELDS.items():
        value = response._get_param(key)
        if value is not None:
            setattr(service, attribute, value)
    if response._get_param("capacityProviderStrategy"):
        service.launch_type = None  # AWS reports no launch type for a capacity provider strategy


def _find(response):
    cluster = response._get_param("cluster", "default").split("/")[-1]
    name = (response._get_param("serviceName") or response._get_param("service")).split("/")[-1]
    return response.ecs_backend.services[f"{cluster}:{name}"]


def _answer_with_the_fields(original):
    def answer(self):
        from moto.core.responses import ActionResult

        original(self)
        service = _find(self)
        _keep(self, service)
        return ActionResult({"service": service})

    return answer


def _probe_service_fields(session) -> bool:
    ecs, ec2 = session.client("ecs"), session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="probe-ecs", Description="p", VpcId=vpc)["GroupId"]
    ecs.create_cluster(clusterName="probe", capacityProviders=["FARGATE"])
    ecs.register_task_definition(family="probe", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512",
                                 containerDefinitions=[{"name": "app", "image": "nginx", "essential": True}])
    service = ecs.create_service(
        cluster="probe", serviceName="probe", taskDefinition="probe", desiredCount=1,
        capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}], enableECSManagedTags=True,
        networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group]}})["service"]
    described = ecs.describe_services(cluster="probe", services=["probe"])["services"][0]
    return not (described.get("capacityProviderStrategy") and described.get("enableECSManagedTags") is True
                and service.get("capacityProviderStrategy"))


ECS_SERVICE_FIELDS_PATCH = Patch(
    name="ecs-service-fields",
    moto="CreateService/UpdateService drop capacityProviderStrategy, enableECSManagedTags, "
         "enableExecuteCommand, healthCheckGracePeriodSeconds and availabilityZoneRebalancing, so the "
         "provider sees a service without its capacity provider strategy and replaces it",
    aws="DescribeServices returns the service as created or updated, including these fields",
    reference="https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Service.html ; "
              "https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html",
    probe=_probe_service_fields,
    replaces=(
        Replace(RESPONSE, "create_service", _answer_with_the_fields),
        Replace(RESPONSE, "update_service", _answer_with_the_fields),
    ),
)
