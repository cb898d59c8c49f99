"""EC2: descriptions of group-referencing rules; a launch template's own tags."""

from __future__ import annotations

import copy

from rehearsal.emulator.core import Patch, Replace, constant


def _description(self):
    return (self.ip_range.get("Description") or (self.source_group or {}).get("Description")
            or getattr(self, "rehearsal_prefix_list_description", None))


def _probe_group_rule_description(session) -> bool:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    a = ec2.create_security_group(GroupName="probe-a", Description="a", VpcId=vpc)["GroupId"]
    b = ec2.create_security_group(GroupName="probe-b", Description="b", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=a, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
        "UserIdGroupPairs": [{"GroupId": b, "Description": "from b"}]}])
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [a]}])["SecurityGroupRules"]
    (rule,) = [r for r in rules if not r["IsEgress"]]
    return rule.get("Description") != "from b"


GROUP_RULE_DESCRIPTION = Patch(
    name="ec2-group-rule-description",
    moto="DescribeSecurityGroupRules reports a rule's Description only for CIDR rules: a rule that "
         "references a security group loses it",
    aws="every security group rule keeps its Description, whatever it references",
    reference="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SecurityGroupRule.html ; "
              "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_UserIdGroupPair.html",
    probe=_probe_group_rule_description,
    replaces=(Replace("moto.ec2.models.security_groups:SecurityGroupRule", "description",
                      constant(property(_description))),),
)


def _create_launch_template(create):
    def create_launch_template(self):
        # a copy: moto extends the very list it parsed
        given = copy.deepcopy((self._get_param("LaunchTemplateData", {}) or {}).get("TagSpecifications"))
        answer = create(self)
        template = self.ec2_backend.describe_launch_templates(template_names=[self._get_param("LaunchTemplateName")])[0]
        for version in template.versions:
            if given:
                version.data["TagSpecifications"] = [
                    s for s in version.data.get("TagSpecifications", []) if s.get("ResourceType") != "launch-template"
                    or s in given]
            else:
                version.data.pop("TagSpecifications", None)
        return answer

    return create_launch_template


def _probe_launch_template_tags(session) -> bool:
    ec2 = session.client("ec2")
    ec2.create_launch_template(
        LaunchTemplateName="probe-lt", LaunchTemplateData={"TagSpecifications": [
            {"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "probe"}]}]},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "Name", "Value": "probe"}]}])
    data = ec2.describe_launch_template_versions(LaunchTemplateName="probe-lt")["LaunchTemplateVersions"][0]
    kinds = [s["ResourceType"] for s in data["LaunchTemplateData"].get("TagSpecifications", [])]
    return kinds != ["instance"]


LAUNCH_TEMPLATE_TAGS = Patch(
    name="ec2-launch-template-own-tags",
    moto="CreateLaunchTemplate copies the request's TagSpecifications (the template's own tags, resource "
         "type launch-template) into the version's LaunchTemplateData.TagSpecifications: the provider "
         "then reads a tag_specifications block nobody wrote",
    aws="the request's TagSpecifications tag the launch template itself; LaunchTemplateData.TagSpecifications "
        "holds only what the data gave (tags for the instances and volumes launched from it)",
    reference="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html ; "
              "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateTagSpecificationRequest.html",
    probe=_probe_launch_template_tags,
    replaces=(Replace("moto.ec2.responses.launch_templates:LaunchTemplates", "create_launch_template",
                      _create_launch_template),),
)
