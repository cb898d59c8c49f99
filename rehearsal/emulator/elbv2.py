"""Elastic Load Balancing v2: a load balancer with deletion protection refuses to be deleted."""

from __future__ import annotations

from rehearsal.emulator.core import Patch, Replace

BACKEND = "moto.elbv2.models:ELBv2Backend"


def _delete_load_balancer(delete):
    def delete_load_balancer(self, arn: str) -> None:
        from moto.elbv2.exceptions import ELBClientError

        balancer = self.load_balancers.get(arn)
        if balancer is not None and str(balancer.attrs.get("deletion_protection.enabled", "false")).lower() == "true":
            error = ELBClientError("OperationNotPermitted",
                                   f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled")
            raise error
        return delete(self, arn)

    return delete_load_balancer


def _probe_deletion_protection(session) -> bool:
    ec2, elbv2 = session.client("ec2"), session.client("elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"ap-northeast-2{zone}")
               ["Subnet"]["SubnetId"] for i, zone in ((1, "a"), (2, "c"))]
    arn = elbv2.create_load_balancer(Name="probe-protected", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "true"}])
    try:
        elbv2.delete_load_balancer(LoadBalancerArn=arn)
    except elbv2.exceptions.ClientError as error:
        return error.response["Error"]["Code"] != "OperationNotPermitted"
    return True  # deleted although protected: the gap


ELBV2_DELETION_PROTECTION = Patch(
    name="elbv2-deletion-protection",
    moto="DeleteLoadBalancer deletes a load balancer whose deletion_protection.enabled attribute is true",
    aws="DeleteLoadBalancer fails with OperationNotPermitted while deletion protection is enabled; turn the "
        "attribute off first (ModifyLoadBalancerAttributes)",
    reference="https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html",
    probe=_probe_deletion_protection,
    replaces=(Replace(BACKEND, "delete_load_balancer", _delete_load_balancer),),
)
