"""Cloud Map (servicediscovery): a custom health check always has FailureThreshold 1."""

from __future__ import annotations

from rehearsal.emulator.core import Patch, Replace


def _init(init):
    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if self.health_check_custom_config is not None and "FailureThreshold" not in self.health_check_custom_config:
            self.health_check_custom_config = {**self.health_check_custom_config, "FailureThreshold": 1}

    return __init__


def _probe_custom_health_check(session) -> bool:
    ec2, sd = session.client("ec2"), session.client("servicediscovery")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    operation = sd.create_private_dns_namespace(Name="probe.internal", Vpc=vpc)["OperationId"]
    namespace = sd.get_operation(OperationId=operation)["Operation"]["Targets"]["NAMESPACE"]
    service = sd.create_service(Name="probe", NamespaceId=namespace, HealthCheckCustomConfig={},
                                DnsConfig={"DnsRecords": [{"Type": "A", "TTL": 10}], "RoutingPolicy": "MULTIVALUE"})
    described = sd.get_service(Id=service["Service"]["Id"])["Service"]
    return described.get("HealthCheckCustomConfig") != {"FailureThreshold": 1}


CLOUD_MAP_CUSTOM_HEALTH_CHECK = Patch(
    name="cloud-map-custom-health-check-failure-threshold",
    moto="CreateService stores an empty HealthCheckCustomConfig as given and returns it empty: the "
         "provider reads no health_check_custom_config block and replaces the service",
    aws="FailureThreshold is always 1 (the value given is ignored); the service returns "
        "HealthCheckCustomConfig {FailureThreshold: 1}",
    reference="https://docs.aws.amazon.com/cloud-map/latest/api/API_HealthCheckCustomConfig.html",
    probe=_probe_custom_health_check,
    replaces=(Replace("moto.servicediscovery.models:Service", "__init__", _init),),
)
