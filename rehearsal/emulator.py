"""The local AWS emulator of a rehearsal: moto's threaded server plus a compatibility layer.

moto (pinned in requirements-lock.txt) emulates most of what our stacks create, but not all of it the
way AWS does. Every correction lives in this module and nowhere else, as a :class:`Patch` (a change to
moto's own code, undone when the emulator stops) or a :class:`Fake` (a whole API moto lacks, answered
before moto sees the request). Each one states

* ``moto``: what moto does wrong,
* ``aws``: what AWS does instead, with ``reference``: the API reference that says so,
* ``probe``: a request that shows the gap. ``tests/rehearsal/test_emulator.py`` runs every probe
  against plain moto (it must still show the gap: when a moto upgrade fixes it, that test fails and
  the patch can go) and against the patched emulator (the gap must be gone).

Rule: a patch reproduces documented AWS behaviour that moto lacks. It never makes the emulator accept
what AWS would reject: a configuration error found by a rehearsal is fixed in the constructs.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

ACCOUNT_ID = "123456789012"  # moto's default account
Undo = Callable[[], None]


# --------------------------------------------------------------------------- plumbing


def _swap(owner: Any, name: str, new: Any) -> Undo:
    """Set ``owner.name = new``; return the function that restores the original (or removes it)."""
    missing = object()
    old = owner.__dict__.get(name, missing) if isinstance(owner, type) else getattr(owner, name, missing)
    setattr(owner, name, new)

    def undo() -> None:
        if old is missing:
            delattr(owner, name)
        else:
            setattr(owner, name, old)

    return undo


def _chain(*undos: Undo) -> Undo:
    def undo() -> None:
        for u in reversed(undos):
            u()

    return undo


@dataclass(frozen=True)
class Patch:
    """One correction of moto's behaviour, installed while the emulator runs."""

    name: str
    moto: str
    aws: str
    reference: str
    install: Callable[[], Undo]
    probe: Callable[[Any], bool] = field(repr=False)  # (boto3 session factory) -> the gap shows


@dataclass(frozen=True)
class Fake:
    """An API moto does not implement at all, answered by the compatibility layer."""

    name: str
    moto: str
    aws: str
    reference: str
    target_prefix: str  # the service part of X-Amz-Target (boto3 sends it with a namespace, Go without)
    handler: Callable[[str, dict, str], tuple[int, dict]]  # (operation, body, region) -> (status, body)
    probe: Callable[[Any], bool] = field(repr=False)


@dataclass(frozen=True)
class RestFake:
    """Part of a REST-JSON API moto does not implement, answered by the compatibility layer: requests
    signed for ``service`` whose path matches ``path`` (moto answers them with a bare 404 otherwise)."""

    name: str
    moto: str
    aws: str
    reference: str
    service: str  # the service of the request's SigV4 credential scope, e.g. "eks"
    path: str  # regular expression the (URL-decoded) path must match in full
    handler: Callable[[str, str, dict, str], tuple[int, dict]]  # (method, path, body, region) -> (status, body)
    probe: Callable[[Any], bool] = field(repr=False)


@dataclass(frozen=True)
class ProbeSession:
    """boto3 clients for the emulator at ``endpoint_url`` (fake credentials, path-style S3)."""

    endpoint_url: str
    region_name: str = "ap-northeast-2"

    def client(self, service: str):
        import boto3
        from botocore.config import Config

        return boto3.client(service, region_name=self.region_name, endpoint_url=self.endpoint_url,
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))


def _client_error(call: Callable[[], Any], *codes: str) -> bool:
    """True when ``call`` fails the way an emulator gap does (a 500, a not-implemented, or ``codes``)."""
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or code in codes or "not been implemented" in str(error)
    except Exception:  # a malformed answer the SDK cannot parse is the gap too
        return True
    return False


# --------------------------------------------------------------------------- S3


def _install_s3_logging_policy() -> Undo:
    import fnmatch

    from moto.s3.models import LOGGING_SERVICE_PRINCIPAL, FakeBucket

    def as_list(value) -> list:
        return value if isinstance(value, list) else [value]

    def log_permissions_enabled_policy(target_bucket, target_prefix) -> bool:
        if not target_bucket.policy:
            return False
        statements = as_list(json.loads(target_bucket.policy.decode()).get("Statement", []))
        # Where the log objects land: any key under the prefix.
        key = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}/{target_prefix or ''}logfile"
        for stmt in statements:
            principal = stmt.get("Principal")
            services = as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
            if LOGGING_SERVICE_PRINCIPAL not in services or stmt.get("Effect") != "Allow":
                continue
            if not any(fnmatch.fnmatchcase("s3:PutObject", a) for a in as_list(stmt.get("Action", []))):
                continue
            if any(fnmatch.fnmatchcase(key, r) for r in as_list(stmt.get("Resource", []))):
                return True
        return False

    return _swap(FakeBucket, "_log_permissions_enabled_policy", staticmethod(log_permissions_enabled_policy))


def _probe_s3_logging_policy(session) -> bool:
    s3 = session.client("s3")
    s3.create_bucket(Bucket="probe-logs", CreateBucketConfiguration={"LocationConstraint": session.region_name})
    s3.create_bucket(Bucket="probe-source", CreateBucketConfiguration={"LocationConstraint": session.region_name})
    s3.put_bucket_policy(Bucket="probe-logs", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
         "Resource": ["arn:aws:s3:::probe-logs", "arn:aws:s3:::probe-logs/*"],
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": ["s3:PutObject"], "Resource": "arn:aws:s3:::probe-logs/s3-access/*"},
    ]}))
    return _client_error(lambda: s3.put_bucket_logging(Bucket="probe-source", BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "probe-logs", "TargetPrefix": "s3-access/probe-source/"}}))


S3_LOGGING_POLICY = Patch(
    name="s3-logging-target-policy-with-wildcard-principal",
    moto="PutBucketLogging reads every statement of the target bucket's policy as "
         "Principal={'Service': ...} and crashes (500) on a statement whose Principal is the string '*' "
         "(our TLS-only Deny statement); it accepts only a Resource string equal to <bucket>/<prefix>*, "
         "<bucket>/* or <bucket>, so a wider wildcard (<bucket>/s3-access/* for prefix "
         "s3-access/<source>/) or a list of resources is refused",
    aws="a statement may name Principal \"*\"; the log delivery needs some statement allowing "
        "logging.s3.amazonaws.com s3:PutObject on the keys under the prefix, Resource matched with "
        "IAM's wildcards (a string or a list)",
    reference="https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html ; "
              "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html ; "
              "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html",
    install=_install_s3_logging_policy,
    probe=_probe_s3_logging_policy,
)


# --------------------------------------------------------------------------- IAM


def _install_iam_aws_managed_policies() -> Undo:
    import moto.iam.models as iam_models

    return _swap(iam_models, "load_iam_aws_managed_policies", lambda: True)


def _probe_iam_aws_managed_policies(session) -> bool:
    iam = session.client("iam")
    iam.create_role(RoleName="probe-managed", AssumeRolePolicyDocument="{}")
    return _client_error(lambda: iam.attach_role_policy(
        RoleName="probe-managed", PolicyArn="arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"), "NoSuchEntity")


IAM_AWS_MANAGED_POLICIES = Patch(
    name="iam-aws-managed-policies",
    moto="has no AWS managed policies unless MOTO_IAM_LOAD_MANAGED_POLICIES is set: AttachRolePolicy of "
         "arn:aws:iam::aws:policy/AmazonEKSClusterPolicy (or AmazonEKS_CNI_Policy, AmazonEKSWorkerNodePolicy, "
         "AmazonEC2ContainerRegistryPullOnly) fails with NoSuchEntity",
    aws="AWS managed policies exist in every account and are attached by ARN (the layer turns on moto's own "
        "copy of them, the same documents)",
    reference="https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies ; "
              "https://docs.aws.amazon.com/eks/latest/userguide/security-iam-awsmanpol.html",
    install=_install_iam_aws_managed_policies,
    probe=_probe_iam_aws_managed_policies,
)


# --------------------------------------------------------------------------- Lambda


def _install_lambda_configuration() -> Undo:
    from moto.awslambda.models import LambdaFunction

    init, get_configuration, update_configuration = (
        LambdaFunction.__init__, LambdaFunction.get_configuration, LambdaFunction.update_configuration)

    def __init__(self, account_id, spec, *args, **kwargs):
        init(self, account_id, spec, *args, **kwargs)
        self._rehearsal_logging = dict(spec.get("LoggingConfig") or {})
        self._rehearsal_dead_letter = dict(spec.get("DeadLetterConfig") or {})

    def configuration(self, *args, **kwargs):
        config = get_configuration(self, *args, **kwargs)
        logging_config = getattr(self, "_rehearsal_logging", {})
        config["LoggingConfig"] = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}",
                                   **logging_config}
        if getattr(self, "_rehearsal_dead_letter", {}).get("TargetArn"):
            config["DeadLetterConfig"] = self._rehearsal_dead_letter
        return config

    def update(self, spec, *args, **kwargs):
        if "LoggingConfig" in spec:
            self._rehearsal_logging = dict(spec["LoggingConfig"] or {})
        if "DeadLetterConfig" in spec:
            self._rehearsal_dead_letter = dict(spec["DeadLetterConfig"] or {})
        update_configuration(self, spec, *args, **kwargs)
        return self.get_configuration()

    return _chain(_swap(LambdaFunction, "__init__", __init__),
                  _swap(LambdaFunction, "get_configuration", configuration),
                  _swap(LambdaFunction, "update_configuration", update))


def _probe_lambda_configuration(session) -> bool:
    import io
    import zipfile

    iam, sqs, lam = session.client("iam"), session.client("sqs"), session.client("lambda")
    role = iam.create_role(RoleName="probe-fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    queue = sqs.create_queue(QueueName="probe-dlq")["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("handler.py", "def handle(event, context):\n    return None\n")
    lam.create_function(FunctionName="probe-fn", Runtime="python3.11", Role=role, Handler="handler.handle",
                        Code={"ZipFile": package.getvalue()}, DeadLetterConfig={"TargetArn": dlq},
                        LoggingConfig={"LogFormat": "JSON", "LogGroup": "/probe/fn", "ApplicationLogLevel": "INFO",
                                       "SystemLogLevel": "WARN"})
    config = lam.get_function_configuration(FunctionName="probe-fn")
    return not (config.get("LoggingConfig", {}).get("LogGroup") == "/probe/fn"
                and config.get("DeadLetterConfig", {}).get("TargetArn") == dlq)


LAMBDA_CONFIGURATION = Patch(
    name="lambda-logging-and-dead-letter-config",
    moto="CreateFunction/UpdateFunctionConfiguration drop LoggingConfig and DeadLetterConfig: "
         "GetFunction returns neither (the provider re-plans logging_config and dead_letter_config)",
    aws="the function keeps its LoggingConfig (log format, log group; default Text and /aws/lambda/<name>) "
        "and its DeadLetterConfig target, and returns them in its configuration",
    reference="https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html ; "
              "https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html ; "
              "https://docs.aws.amazon.com/lambda/latest/api/API_DeadLetterConfig.html",
    install=_install_lambda_configuration,
    probe=_probe_lambda_configuration,
)


# --------------------------------------------------------------------------- Application Auto Scaling

_SCALING_TAGS: dict[str, dict[str, str]] = {}
_LAYER_LOCK = threading.Lock()  # guards what the layer keeps beside moto (tags, connections)


def _install_scaling_tags() -> Undo:
    from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as R

    register = R.register_scalable_target

    def register_scalable_target(self):
        answer = register(self)
        arn = json.loads(answer)["ScalableTargetARN"]
        with _LAYER_LOCK:
            _SCALING_TAGS.setdefault(arn, {}).update(self._get_param("Tags") or {})
        return answer

    def list_tags_for_resource(self):
        arn = self._get_param("ResourceARN")
        with _LAYER_LOCK:
            return json.dumps({"Tags": dict(_SCALING_TAGS.get(arn, {}))})

    def tag_resource(self):
        with _LAYER_LOCK:
            _SCALING_TAGS.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
        return "{}"

    def untag_resource(self):
        with _LAYER_LOCK:
            tags = _SCALING_TAGS.setdefault(self._get_param("ResourceARN"), {})
            for key in self._get_param("TagKeys") or []:
                tags.pop(key, None)
        return "{}"

    return _chain(
        _swap(R, "register_scalable_target", register_scalable_target),
        _swap(R, "list_tags_for_resource", list_tags_for_resource),
        _swap(R, "tag_resource", tag_resource),
        _swap(R, "untag_resource", untag_resource),
        _SCALING_TAGS.clear,
    )


def _probe_scaling_tags(session) -> bool:
    client = session.client("application-autoscaling")
    arn = client.register_scalable_target(
        ServiceNamespace="dynamodb", ResourceId="table/probe", ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1, MaxCapacity=2, Tags={"Probe": "yes"})["ScalableTargetARN"]
    try:
        return client.list_tags_for_resource(ResourceARN=arn)["Tags"] != {"Probe": "yes"}
    except Exception:
        return True


SCALING_TAGS = Patch(
    name="application-autoscaling-tags",
    moto="Application Auto Scaling ignores the Tags of RegisterScalableTarget and does not implement "
         "ListTagsForResource, TagResource or UntagResource (500 'not been implemented')",
    aws="scalable targets are taggable at registration and through the tagging API; the provider reads "
        "the tags back after every create",
    reference="https://docs.aws.amazon.com/autoscaling/application/APIReference/API_ListTagsForResource.html",
    install=_install_scaling_tags,
    probe=_probe_scaling_tags,
)


# --------------------------------------------------------------------------- CodeBuild


def _install_codebuild_pipeline_source() -> Undo:
    import moto.codebuild.responses as responses

    source_check = responses._validate_required_params_source
    artifacts_check = responses._validate_required_params_artifacts

    def validate_source(source: dict) -> None:
        if source.get("type") in ("CODEPIPELINE", "NO_SOURCE") and not source.get("location"):
            return
        source_check(source)

    def validate_artifacts(artifacts: dict) -> None:
        if artifacts.get("type") == "CODEPIPELINE" and not artifacts.get("location"):
            return
        artifacts_check(artifacts)

    return _chain(_swap(responses, "_validate_required_params_source", validate_source),
                  _swap(responses, "_validate_required_params_artifacts", validate_artifacts))


def _probe_codebuild_pipeline_source(session) -> bool:
    client = session.client("codebuild")
    return _client_error(lambda: client.create_project(
        name="probe", source={"type": "CODEPIPELINE", "buildspec": "version: 0.2"},
        artifacts={"type": "CODEPIPELINE"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=f"arn:aws:iam::{ACCOUNT_ID}:role/probe"), "InvalidInputException")


CODEBUILD_PIPELINE_SOURCE = Patch(
    name="codebuild-pipeline-source-without-location",
    moto="CreateProject requires source.location and artifacts.location for every type ('Project "
         "source location is required')",
    aws="source.location is not used for CODEPIPELINE (the pipeline's source action supplies the code) "
        "or NO_SOURCE sources; artifacts.location is ignored for CODEPIPELINE artifacts",
    reference="https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectSource.html ; "
              "https://docs.aws.amazon.com/codebuild/latest/APIReference/API_ProjectArtifacts.html",
    install=_install_codebuild_pipeline_source,
    probe=_probe_codebuild_pipeline_source,
)


# --------------------------------------------------------------------------- CodePipeline


def _install_codepipeline_timestamps() -> Undo:
    from moto.codepipeline.models import CodePipeline

    def metadata(self) -> dict:
        return {"pipelineArn": self._arn, "created": self._created.timestamp(),
                "updated": self._updated.timestamp()}

    return _swap(CodePipeline, "metadata", property(metadata))


def _probe_codepipeline_timestamps(session) -> bool:
    iam = session.client("iam")
    role = iam.create_role(RoleName="probe-pipeline", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "codepipeline.amazonaws.com"}}]}))
    client = session.client("codepipeline")
    action = {"name": "a", "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
              "configuration": {"S3Bucket": "b", "S3ObjectKey": "k"}, "outputArtifacts": [{"name": "o"}]}
    build = {"name": "b", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild",
                                           "version": "1"},
             "configuration": {"ProjectName": "p"}, "inputArtifacts": [{"name": "o"}]}
    client.create_pipeline(pipeline={
        "name": "probe", "roleArn": role["Role"]["Arn"], "artifactStore": {"type": "S3", "location": "probe-artifacts"},
        "stages": [{"name": "Source", "actions": [action]}, {"name": "Build", "actions": [build]}]})
    return _raw_json(session, "codepipeline", "CodePipeline_20150709.GetPipeline", {"name": "probe"},
                     lambda body: not isinstance(body["metadata"]["created"], (int, float)))


CODEPIPELINE_TIMESTAMPS = Patch(
    name="codepipeline-epoch-timestamps",
    moto="GetPipeline returns metadata.created / metadata.updated as ISO-8601 strings",
    aws="the JSON protocol sends timestamps as epoch seconds (numbers); the Go SDK of the provider "
        "refuses a string there",
    reference="https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_PipelineMetadata.html ; "
              "https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html (timestamps: epoch-seconds)",
    install=_install_codepipeline_timestamps,
    probe=_probe_codepipeline_timestamps,
)


def _raw_json(session, service: str, target: str, body: dict, shows_gap: Callable[[dict], bool]) -> bool:
    """POST one JSON-protocol request (unsigned headers are enough for moto) and judge the raw body."""
    import urllib.request

    request = urllib.request.Request(
        session.endpoint_url, data=json.dumps(body).encode(), method="POST",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1",
                 "Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20250101/{session.region_name}/{service}/aws4_request, SignedHeaders=host, Signature=0"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return shows_gap(json.loads(response.read()))


# --------------------------------------------------------------------------- ElastiCache


def _elasticache_installers() -> dict[str, Callable[[], Undo]]:
    from moto.elasticache import models
    from moto.elasticache.responses import ElastiCacheResponse as R

    backend_cls = models.ElastiCacheBackend
    group_cls = models.ReplicationGroup
    set_members = group_cls._set_node_members_clusters_disabled
    create_group = backend_cls.create_replication_group
    delete_group = backend_cls.delete_replication_group

    def set_members_honouring_count(self, *, num_cache_clusters, replicas_per_node_group, **kwargs):
        if not replicas_per_node_group and num_cache_clusters:
            replicas_per_node_group = num_cache_clusters - 1
        set_members(self, num_cache_clusters=num_cache_clusters,
                    replicas_per_node_group=replicas_per_node_group, **kwargs)

    def create_replication_group(self, *args, **kwargs):
        group = create_group(self, *args, **kwargs)
        for node_group in group.node_groups:
            for member in node_group.get("node_group_members", []):
                cluster_id = member["cache_cluster_id"]
                if cluster_id in self.cache_clusters:
                    continue
                self.cache_clusters[cluster_id] = models.CacheCluster(
                    account_id=self.account_id, region_name=self.region_name, cache_cluster_id=cluster_id,
                    replication_group_id=group.replication_group_id, az_mode="single-az",
                    preferred_availability_zone=member.get("preferred_availability_zone"), num_cache_nodes=1,
                    cache_node_type=kwargs.get("cache_node_type"), engine=kwargs.get("engine") or "redis",
                    engine_version=kwargs.get("engine_version"),
                    cache_parameter_group_name=kwargs.get("cache_parameter_group_name"),
                    cache_subnet_group_name=kwargs.get("cache_subnet_group_name"),
                    transit_encryption_enabled=kwargs.get("transit_encryption_enabled"),
                    network_type=kwargs.get("network_type"), ip_discovery=kwargs.get("ip_discovery"),
                    snapshot_name=None, preferred_maintenance_window=kwargs.get("preferred_maintenance_window"),
                    port=group.port, notification_topic_arn=kwargs.get("notification_topic_arn"),
                    auto_minor_version_upgrade=kwargs.get("auto_minor_version_upgrade"),
                    snapshot_retention_limit=kwargs.get("snapshot_retention_limit"),
                    snapshot_window=kwargs.get("snapshot_window"), auth_token=None, outpost_mode=None,
                    preferred_outpost_arn=None, preferred_availability_zones=[],
                    cache_security_group_names=[], security_group_ids=kwargs.get("security_group_ids") or [],
                    tags=[], snapshot_arns=[], preferred_outpost_arns=[], log_delivery_configurations=[],
                    cache_node_ids_to_remove=[], cache_node_ids_to_reboot=[],
                )
                # What DescribeCacheClusters reports of a member comes from its group
                cluster = self.cache_clusters[cluster_id]
                cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
                cluster.transit_encryption_enabled = group.transit_encryption_enabled
                cluster.auth_token_enabled = group.auth_token_enabled
                cluster.transit_encryption_mode = group.transit_encryption_mode
                cluster.security_groups = [{"SecurityGroupId": g, "Status": "active"}
                                           for g in (group.security_group_ids or [])]
        return group

    def delete_replication_group(self, replication_group_id, retain_primary_cluster):
        group = delete_group(self, replication_group_id, retain_primary_cluster)
        self.replication_groups.pop(replication_group_id, None)
        for cluster_id in [c for c, cluster in self.cache_clusters.items()
                           if getattr(cluster, "replication_group_id", None) == replication_group_id]:
            del self.cache_clusters[cluster_id]
        return group

    def delete_cache_subnet_group_backend(self, cache_subnet_group_name):
        if cache_subnet_group_name not in self.cache_subnet_groups:
            raise models.CacheSubnetGroupNotFound(cache_subnet_group_name)
        return self.cache_subnet_groups.pop(cache_subnet_group_name)

    def delete_cache_subnet_group(self):
        self.elasticache_backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
        return ('<DeleteCacheSubnetGroupResponse xmlns="http://elasticache.amazonaws.com/doc/2015-02-02/">'
                "<ResponseMetadata><RequestId>rehearsal</RequestId></ResponseMetadata>"
                "</DeleteCacheSubnetGroupResponse>")

    return {
        "members": lambda: _chain(
            _swap(group_cls, "_set_node_members_clusters_disabled", set_members_honouring_count),
            _swap(backend_cls, "create_replication_group", create_replication_group)),
        "delete-group": lambda: _swap(backend_cls, "delete_replication_group", delete_replication_group),
        "delete-subnet-group": lambda: _chain(
            _swap(backend_cls, "delete_cache_subnet_group", delete_cache_subnet_group_backend),
            _swap(R, "delete_cache_subnet_group", delete_cache_subnet_group)),
    }


def _probe_group(session, suffix: str, count: int):
    client = session.client("elasticache")
    client.create_replication_group(
        ReplicationGroupId=f"probe-{suffix}", ReplicationGroupDescription="probe", Engine="redis",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=count, AutomaticFailoverEnabled=count > 1)
    return client


def _probe_member_clusters(session) -> bool:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.6.0.0/16")["Vpc"]["VpcId"]
    sg = ec2.create_security_group(GroupName="probe-redis", Description="p", VpcId=vpc)["GroupId"]
    client = session.client("elasticache")
    client.create_replication_group(
        ReplicationGroupId="probe-members", ReplicationGroupDescription="probe", Engine="redis",
        CacheNodeType="cache.t4g.micro", NumCacheClusters=1, AtRestEncryptionEnabled=True,
        TransitEncryptionEnabled=True, TransitEncryptionMode="required", SecurityGroupIds=[sg])
    (group,) = client.describe_replication_groups(ReplicationGroupId="probe-members")["ReplicationGroups"]
    for member in group["MemberClusters"]:
        try:
            (cluster,) = client.describe_cache_clusters(CacheClusterId=member)["CacheClusters"]
        except Exception:
            return True
        if (cluster.get("AtRestEncryptionEnabled") is not True or cluster.get("TransitEncryptionMode") != "required"
                or [g["SecurityGroupId"] for g in cluster.get("SecurityGroups", [])] != [sg]):
            return True
    return not group["MemberClusters"]


def _probe_num_cache_clusters(session) -> bool:
    client = _probe_group(session, "count", 2)
    (group,) = client.describe_replication_groups(ReplicationGroupId="probe-count")["ReplicationGroups"]
    return len(group["MemberClusters"]) != 2


def _probe_deleted_group(session) -> bool:
    client = _probe_group(session, "deleted", 1)
    client.delete_replication_group(ReplicationGroupId="probe-deleted")
    return not _client_error(lambda: client.describe_replication_groups(ReplicationGroupId="probe-deleted"),
                             "ReplicationGroupNotFoundFault")


def _probe_delete_subnet_group(session) -> bool:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    client = session.client("elasticache")
    client.create_cache_subnet_group(CacheSubnetGroupName="probe", CacheSubnetGroupDescription="probe",
                                     SubnetIds=[subnet])
    return _client_error(lambda: client.delete_cache_subnet_group(CacheSubnetGroupName="probe"))


ELASTICACHE_MEMBER_CLUSTERS = Patch(
    name="elasticache-member-clusters",
    moto="CreateReplicationGroup lists member clusters (<id>-001, ...) that DescribeCacheClusters then "
         "reports as CacheClusterNotFound, and ignores NumCacheClusters (one node unless "
         "ReplicasPerNodeGroup is set)",
    aws="a replication group without cluster mode and NumCacheClusters=N has N member cache clusters "
        "(one primary, N-1 replicas), each one describable with DescribeCacheClusters and reporting "
        "the group's encryption settings and security groups (the provider reads them from there)",
    reference="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html "
              "(NumCacheClusters) ; https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ReplicationGroup.html "
              "(MemberClusters)",
    install=lambda: _elasticache_installers()["members"](),
    probe=lambda session: _probe_member_clusters(session) or _probe_num_cache_clusters(session),
)

ELASTICACHE_DELETED_GROUP = Patch(
    name="elasticache-deleted-replication-group",
    moto="DeleteReplicationGroup leaves the group in status 'deleting' forever, so Terraform's wait for "
         "the deletion never ends",
    aws="a deleted replication group goes through 'deleting' and then DescribeReplicationGroups answers "
        "ReplicationGroupNotFoundFault",
    reference="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html",
    install=lambda: _elasticache_installers()["delete-group"](),
    probe=_probe_deleted_group,
)

ELASTICACHE_DELETE_SUBNET_GROUP = Patch(
    name="elasticache-delete-cache-subnet-group",
    moto="DeleteCacheSubnetGroup is not implemented (500)",
    aws="DeleteCacheSubnetGroup deletes a subnet group no cluster uses",
    reference="https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html",
    install=lambda: _elasticache_installers()["delete-subnet-group"](),
    probe=_probe_delete_subnet_group,
)


# --------------------------------------------------------------------------- KMS


def _install_kms_rotation_period() -> Undo:
    from moto.kms.responses import KmsResponse as R

    enable, status = R.enable_key_rotation, R.get_key_rotation_status

    def enable_key_rotation(self):
        answer = enable(self)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
        key.rehearsal_rotation_period_in_days = self._get_param("RotationPeriodInDays") or 365
        return answer

    def get_key_rotation_status(self):
        answer = json.loads(status(self))
        key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
        if answer.get("KeyRotationEnabled"):
            answer["RotationPeriodInDays"] = getattr(key, "rehearsal_rotation_period_in_days", 365)
        return json.dumps(answer)

    return _chain(_swap(R, "enable_key_rotation", enable_key_rotation),
                  _swap(R, "get_key_rotation_status", get_key_rotation_status))


def _probe_kms_rotation_period(session) -> bool:
    client = session.client("kms")
    key = client.create_key()["KeyMetadata"]["KeyId"]
    client.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
    return client.get_key_rotation_status(KeyId=key).get("RotationPeriodInDays") != 180


KMS_ROTATION_PERIOD = Patch(
    name="kms-rotation-period",
    moto="EnableKeyRotation ignores RotationPeriodInDays and GetKeyRotationStatus never returns it",
    aws="EnableKeyRotation takes RotationPeriodInDays (90-2560, default 365) and GetKeyRotationStatus "
        "returns it while rotation is enabled",
    reference="https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html",
    install=_install_kms_rotation_period,
    probe=_probe_kms_rotation_period,
)


# --------------------------------------------------------------------------- EC2 security group rules


def _install_group_rule_description() -> Undo:
    from moto.ec2.models.security_groups import SecurityGroupRule

    def description(self):
        return (self.ip_range.get("Description") or (self.source_group or {}).get("Description")
                or getattr(self, "rehearsal_prefix_list_description", None))

    return _swap(SecurityGroupRule, "description", property(description))


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
    install=_install_group_rule_description,
    probe=_probe_group_rule_description,
)


# --------------------------------------------------------------------------- RDS parameter groups


def _install_rds_parameter_source() -> Undo:
    from moto.rds.models import DBParameterGroup

    update = DBParameterGroup.update_parameters

    def update_parameters(self, new_parameters):
        new_parameters = list(new_parameters)
        update(self, new_parameters)
        for parameter in new_parameters:
            self.parameters[parameter["ParameterName"]].setdefault("Source", "user")

    return _swap(DBParameterGroup, "update_parameters", update_parameters)


def _probe_rds_parameter_source(session) -> bool:
    rds = session.client("rds")
    rds.create_db_parameter_group(DBParameterGroupName="probe", DBParameterGroupFamily="postgres16", Description="p")
    rds.modify_db_parameter_group(DBParameterGroupName="probe", Parameters=[
        {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}])
    found = rds.describe_db_parameters(DBParameterGroupName="probe", Source="user")["Parameters"]
    return [p.get("Source") for p in found if p["ParameterName"] == "rds.force_ssl"] != ["user"]


RDS_PARAMETER_SOURCE = Patch(
    name="rds-parameter-source",
    moto="DescribeDBParameters returns the parameters set with ModifyDBParameterGroup without their "
         "Source, so the provider drops them and plans to set them again",
    aws="a parameter the user set reports Source 'user' (the Source filter of DescribeDBParameters "
        "selects exactly these)",
    reference="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_Parameter.html ; "
              "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBParameters.html",
    install=_install_rds_parameter_source,
    probe=_probe_rds_parameter_source,
)


#: Performance Insights request parameters -> DBInstance attributes (moto has no Performance Insights).
RDS_PERFORMANCE_INSIGHTS = {
    "EnablePerformanceInsights": "performance_insights_enabled",
    "PerformanceInsightsKMSKeyId": "performance_insights_kms_key_id",
    "PerformanceInsightsRetentionPeriod": "performance_insights_retention_period",
}


def _install_rds_performance_insights() -> Undo:
    from moto.rds.responses import RDSResponse as R

    create, modify = R.create_db_instance, R.modify_db_instance

    def keep(self, answer):
        database = answer.result["DBInstance"]
        for key, attribute in RDS_PERFORMANCE_INSIGHTS.items():
            value = self.params.get(key)
            if value is not None:
                setattr(database, attribute, value in (True, "true") if key.startswith("Enable") else
                        int(value) if key.endswith("Period") else value)
        if getattr(database, "performance_insights_enabled", False):
            database.performance_insights_retention_period = getattr(
                database, "performance_insights_retention_period", None) or 7  # AWS's default
        return answer

    return _chain(_swap(R, "create_db_instance", lambda self: keep(self, create(self))),
                  _swap(R, "modify_db_instance", lambda self: keep(self, modify(self))))


def _probe_rds_performance_insights(session) -> bool:
    rds = session.client("rds")
    key = f"arn:aws:kms:{session.region_name}:{ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555"
    rds.create_db_instance(DBInstanceIdentifier="probe-pi", DBInstanceClass="db.t4g.small", Engine="postgres",
                           AllocatedStorage=20, MasterUsername="dbadmin", MasterUserPassword="probe-password-1",
                           EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId=key,
                           PerformanceInsightsRetentionPeriod=7)
    (db,) = rds.describe_db_instances(DBInstanceIdentifier="probe-pi")["DBInstances"]
    return (db.get("PerformanceInsightsEnabled"), db.get("PerformanceInsightsKMSKeyId"),
            db.get("PerformanceInsightsRetentionPeriod")) != (True, key, 7)


RDS_PERFORMANCE_INSIGHTS_PATCH = Patch(
    name="rds-performance-insights",
    moto="CreateDBInstance/ModifyDBInstance ignore EnablePerformanceInsights, PerformanceInsightsKMSKeyId "
         "and PerformanceInsightsRetentionPeriod; DescribeDBInstances never reports them",
    aws="an instance created with Performance Insights reports PerformanceInsightsEnabled, its KMS key "
        "and its retention period (default 7 days)",
    reference="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBInstance.html",
    install=_install_rds_performance_insights,
    probe=_probe_rds_performance_insights,
)


# --------------------------------------------------------------------------- ECS services

#: CreateService/UpdateService fields moto accepts but drops (request key -> Service attribute).
ECS_SERVICE_FIELDS = {
    "capacityProviderStrategy": "capacity_provider_strategy",
    "enableECSManagedTags": "enable_ecs_managed_tags",
    "enableExecuteCommand": "enable_execute_command",
    "healthCheckGracePeriodSeconds": "health_check_grace_period_seconds",
    "availabilityZoneRebalancing": "availability_zone_rebalancing",
}


def _install_ecs_service_fields() -> Undo:
    from moto.ecs.responses import EC2ContainerServiceResponse as R

    create, update = R.create_service, R.update_service

    def keep(self, service) -> None:
        for key, attribute in ECS_SERVICE_FIELDS.items():
            value = self._get_param(key)
            if value is not None:
                setattr(service, attribute, value)
        if self._get_param("capacityProviderStrategy"):
            service.launch_type = None  # AWS reports no launch type for a capacity provider strategy

    def find(self):
        cluster = self._get_param("cluster", "default").split("/")[-1]
        name = (self._get_param("serviceName") or self._get_param("service")).split("/")[-1]
        return self.ecs_backend.services[f"{cluster}:{name}"]

    def answer_with(self, original):
        from moto.core.responses import ActionResult

        original(self)
        service = find(self)
        keep(self, service)
        return ActionResult({"service": service})

    def create_service(self):
        return answer_with(self, create)

    def update_service(self):
        return answer_with(self, update)

    return _chain(_swap(R, "create_service", create_service), _swap(R, "update_service", update_service))


def _probe_ecs_service_fields(session) -> bool:
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
    install=_install_ecs_service_fields,
    probe=_probe_ecs_service_fields,
)


# --------------------------------------------------------------------------- CodeBuild encryption key


def _install_codebuild_encryption_key() -> Undo:
    from moto.codebuild.responses import CodeBuildResponse as R

    create = R.create_project

    def create_project(self):
        answer = create(self)
        key = self._get_param("encryptionKey")
        if key:
            self.codebuild_backend.codebuild_projects[self._get_param("name")].project_metadata["encryptionKey"] = key
        return answer

    return _swap(R, "create_project", create_project)


def _probe_codebuild_encryption_key(session) -> bool:
    client = session.client("codebuild")
    key = f"arn:aws:kms:{session.region_name}:{ACCOUNT_ID}:key/11111111-2222-3333-4444-555555555555"
    client.create_project(
        name="probe-key", source={"type": "S3", "location": "bucket/key.zip"}, artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0",
                     "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=f"arn:aws:iam::{ACCOUNT_ID}:role/probe", encryptionKey=key)
    return client.batch_get_projects(names=["probe-key"])["projects"][0].get("encryptionKey") != key


CODEBUILD_ENCRYPTION_KEY = Patch(
    name="codebuild-encryption-key",
    moto="CreateProject ignores encryptionKey: every project reports the AWS-managed alias/aws/s3",
    aws="a project keeps the customer-managed key given as encryptionKey for its build artifacts",
    reference="https://docs.aws.amazon.com/codebuild/latest/APIReference/API_CreateProject.html#CodeBuild-CreateProject-request-encryptionKey",
    install=_install_codebuild_encryption_key,
    probe=_probe_codebuild_encryption_key,
)


# --------------------------------------------------------------------------- CodeStar Connections (fake)

_CONNECTIONS: dict[str, dict] = {}
_CONNECTION_TAGS: dict[str, list[dict]] = {}


def _codestar_connections(operation: str, body: dict, region: str) -> tuple[int, dict]:
    def not_found(arn: str) -> tuple[int, dict]:
        return 400, {"__type": "ResourceNotFoundException", "Message": f"Connection {arn} does not exist"}

    with _LAYER_LOCK:
        if operation == "CreateConnection":
            arn = f"arn:aws:codestar-connections:{region}:{ACCOUNT_ID}:connection/{uuid.uuid4()}"
            _CONNECTIONS[arn] = {
                "ConnectionName": body["ConnectionName"], "ConnectionArn": arn,
                "ProviderType": body.get("ProviderType", "GitHub"), "OwnerAccountId": ACCOUNT_ID,
                "ConnectionStatus": "PENDING", **({"HostArn": body["HostArn"]} if body.get("HostArn") else {}),
            }
            _CONNECTION_TAGS[arn] = list(body.get("Tags") or [])
            return 200, {"ConnectionArn": arn, "Tags": _CONNECTION_TAGS[arn]}
        if operation == "GetConnection":
            arn = body["ConnectionArn"]
            return (200, {"Connection": _CONNECTIONS[arn]}) if arn in _CONNECTIONS else not_found(arn)
        if operation == "DeleteConnection":
            arn = body["ConnectionArn"]
            if arn not in _CONNECTIONS:
                return not_found(arn)
            del _CONNECTIONS[arn]
            _CONNECTION_TAGS.pop(arn, None)
            return 200, {}
        if operation == "ListConnections":
            return 200, {"Connections": list(_CONNECTIONS.values())}
        if operation == "ListTagsForResource":
            arn = body["ResourceArn"]
            return (200, {"Tags": _CONNECTION_TAGS[arn]}) if arn in _CONNECTIONS else not_found(arn)
        if operation == "TagResource":
            arn = body["ResourceArn"]
            if arn not in _CONNECTIONS:
                return not_found(arn)
            new = {t["Key"]: t["Value"] for t in body.get("Tags", [])}
            _CONNECTION_TAGS[arn] = [t for t in _CONNECTION_TAGS[arn] if t["Key"] not in new] + body.get("Tags", [])
            return 200, {}
        if operation == "UntagResource":
            arn = body["ResourceArn"]
            if arn not in _CONNECTIONS:
                return not_found(arn)
            drop = set(body.get("TagKeys", []))
            _CONNECTION_TAGS[arn] = [t for t in _CONNECTION_TAGS[arn] if t["Key"] not in drop]
            return 200, {}
    return 400, {"__type": "UnknownOperationException", "Message": f"{operation} is not emulated"}


def _probe_codestar_connections(session) -> bool:
    client = session.client("codestar-connections")
    return _client_error(lambda: client.create_connection(ProviderType="GitHub", ConnectionName="probe"))


CODESTAR_CONNECTIONS = Fake(
    name="codestar-connections",
    moto="has no CodeStar Connections service: every request fails (500, no backend for "
         "codestar-connections)",
    aws="CreateConnection creates a connection in status PENDING (completed later in the console); "
        "Get/Delete/ListConnections, ListTagsForResource, TagResource and UntagResource manage it",
    reference="https://docs.aws.amazon.com/codestar-connections/latest/APIReference/API_CreateConnection.html ; "
              "https://docs.aws.amazon.com/codestar-connections/latest/APIReference/API_Connection.html",
    target_prefix="CodeStar_connections_20191201",
    handler=_codestar_connections,
    probe=_probe_codestar_connections,
)


# --------------------------------------------------------------------------- SQS and Cloud Map


def _install_sqs_policy_kept() -> Undo:
    from moto.sqs.models import Queue

    set_attributes = Queue._set_attributes

    def _set_attributes(self, attributes, now=None):
        kept = getattr(self, "policy", None)
        set_attributes(self, attributes, now)
        if "Policy" not in attributes:
            self.policy = kept  # moto clears it on every SetQueueAttributes that does not name it

    return _swap(Queue, "_set_attributes", _set_attributes)


def _probe_sqs_policy_kept(session) -> bool:
    sqs = session.client("sqs")
    url = sqs.create_queue(QueueName="probe-policy")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "DenyWithoutTls", "Effect": "Deny",
                         "Principal": "*", "Action": "sqs:*", "Resource": arn,
                         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": json.dumps({"redrivePermission": "allowAll"})})
    return "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


SQS_POLICY_KEPT = Patch(
    name="sqs-set-attributes-keeps-policy",
    moto="SetQueueAttributes without Policy clears the queue's policy (e.g. setting a dead-letter "
         "queue's RedriveAllowPolicy after its TLS-only policy removes the policy)",
    aws="SetQueueAttributes changes only the attributes it names; the policy stays until set or removed",
    reference="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html",
    install=_install_sqs_policy_kept,
    probe=_probe_sqs_policy_kept,
)


def _install_sqs_redrive_allow_policy() -> Undo:
    from moto.sqs.models import Queue

    attributes = Queue.attributes

    def with_redrive_allow(self):
        result = attributes.fget(self)
        if not result.get("RedriveAllowPolicy"):  # never set, or removed by setting it to ""
            result.pop("RedriveAllowPolicy", None)
        return result

    return _chain(_swap(Queue, "BASE_ATTRIBUTES", [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]),
                  _swap(Queue, "redrive_allow_policy", None),
                  _swap(Queue, "attributes", property(with_redrive_allow)))


def _probe_sqs_redrive_allow_policy(session) -> bool:
    sqs = session.client("sqs")
    url = sqs.create_queue(QueueName="probe-redrive-allow")["QueueUrl"]
    allow = json.dumps({"redrivePermission": "allowAll"})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": allow})
    try:
        read = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedriveAllowPolicy"]).get("Attributes", {})
    except Exception:
        return True
    if read.get("RedriveAllowPolicy") != allow:
        return True
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})  # how the provider removes it
    return "RedriveAllowPolicy" in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"]).get("Attributes", {})


SQS_REDRIVE_ALLOW_POLICY = Patch(
    name="sqs-redrive-allow-policy",
    moto="GetQueueAttributes refuses RedriveAllowPolicy (InvalidAttributeName) although SetQueueAttributes "
         "stores it: the provider finds a dead-letter queue's redrive allow policy gone after every apply",
    aws="RedriveAllowPolicy is a queue attribute, returned by GetQueueAttributes by name and with All; "
        "setting it to an empty string removes it",
    reference="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html",
    install=_install_sqs_redrive_allow_policy,
    probe=_probe_sqs_redrive_allow_policy,
)


def _install_sqs_compact_redrive_policy() -> Undo:
    from moto.sqs.models import Queue

    attributes = Queue.attributes

    def compact(self):
        result = attributes.fget(self)
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    return _swap(Queue, "attributes", property(compact))


def _probe_sqs_compact_redrive_policy(session) -> bool:
    sqs = session.client("sqs")
    dlq = sqs.create_queue(QueueName="probe-compact-dlq")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName="probe-compact", Attributes={"RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn, "maxReceiveCount": 5})})["QueueUrl"]
    read = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    return read != f'{{"deadLetterTargetArn":"{arn}","maxReceiveCount":5}}'


SQS_COMPACT_REDRIVE_POLICY = Patch(
    name="sqs-redrive-policy-compact-json",
    moto="GetQueueAttributes returns RedrivePolicy as json.dumps with spaces after ':' and ','; the "
         "provider keeps that text and re-plans the queue (\"whitespace changes\")",
    aws="RedrivePolicy is returned as compact JSON, {\"deadLetterTargetArn\":\"arn:...\",\"maxReceiveCount\":5}",
    reference="https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html ; "
              "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html",
    install=_install_sqs_compact_redrive_policy,
    probe=_probe_sqs_compact_redrive_policy,
)


def _install_cloud_map_custom_health_check() -> Undo:
    from moto.servicediscovery.models import Service

    init = Service.__init__

    def __init__(self, *args, **kwargs):
        init(self, *args, **kwargs)
        if self.health_check_custom_config is not None and "FailureThreshold" not in self.health_check_custom_config:
            self.health_check_custom_config = {**self.health_check_custom_config, "FailureThreshold": 1}

    return _swap(Service, "__init__", __init__)


def _probe_cloud_map_custom_health_check(session) -> bool:
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
    install=_install_cloud_map_custom_health_check,
    probe=_probe_cloud_map_custom_health_check,
)


# --------------------------------------------------------------------------- EC2 launch templates


def _install_launch_template_tags() -> Undo:
    from moto.ec2.responses.launch_templates import LaunchTemplates as R

    create = R.create_launch_template

    def create_launch_template(self):
        import copy

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

    return _swap(R, "create_launch_template", create_launch_template)


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
    install=_install_launch_template_tags,
    probe=_probe_launch_template_tags,
)


# --------------------------------------------------------------------------- RDS cluster scaling configuration


def _install_rds_cluster_scaling() -> Undo:
    from moto.rds.models import DBCluster

    info = DBCluster.scaling_configuration_info

    def scaling_configuration_info(self):
        return info.fget(self) if self.scaling_configuration else None

    return _swap(DBCluster, "scaling_configuration_info", property(scaling_configuration_info))


def _probe_rds_cluster_scaling(session) -> bool:
    rds = session.client("rds")
    cluster = rds.create_db_cluster(DBClusterIdentifier="probe-aurora", Engine="aurora-mysql",
                                    MasterUsername="dbadmin", MasterUserPassword="probe-password-1")["DBCluster"]
    described = rds.describe_db_clusters(DBClusterIdentifier="probe-aurora")["DBClusters"][0]
    return "ScalingConfigurationInfo" in cluster or "ScalingConfigurationInfo" in described


RDS_CLUSTER_SCALING = Patch(
    name="rds-provisioned-cluster-scaling-configuration",
    moto="every DB cluster reports a ScalingConfigurationInfo (empty for a provisioned Aurora cluster): "
         "the provider re-plans a scaling_configuration block with the Serverless v1 defaults",
    aws="ScalingConfigurationInfo describes Aurora Serverless v1 clusters (engine mode serverless) only; a "
        "provisioned cluster has none",
    reference="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DBCluster.html ; "
              "https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ScalingConfigurationInfo.html",
    install=_install_rds_cluster_scaling,
    probe=_probe_rds_cluster_scaling,
)


# --------------------------------------------------------------------------- EKS clusters and node groups


def _install_eks_fields() -> Undo:
    from moto.eks.responses import EKSResponse as R

    from moto.ec2.models import ec2_backends

    create_cluster, create_nodegroup, delete_cluster = R.create_cluster, R.create_nodegroup, R.delete_cluster

    def cluster(self):
        answer = create_cluster(self)
        given = self._get_param("accessConfig") or {}
        created = self.eks_backend.clusters[self._get_param("name")]
        created.access_config = {
            "authenticationMode": given.get("authenticationMode", "CONFIG_MAP"),
            "bootstrapClusterCreatorAdminPermissions": given.get("bootstrapClusterCreatorAdminPermissions", True),
        }
        # EKS creates the cluster security group in the subnets' VPC and reports it with the VPC
        ec2 = ec2_backends[self.current_account][self.region]
        subnets = (created.resources_vpc_config or {}).get("subnetIds") or []
        if subnets:
            vpc_id = ec2.get_subnet(subnets[0]).vpc_id
            group = ec2.create_security_group(
                name=f"eks-cluster-sg-{created.name}-{uuid.uuid4().hex[:10]}", vpc_id=vpc_id,
                description="EKS created security group applied to ENI that is attached to EKS Control Plane "
                            "master nodes, as well as any managed workloads.")
            created.resources_vpc_config = {**created.resources_vpc_config, "vpcId": vpc_id,
                                            "clusterSecurityGroupId": group.id}
        return answer

    def drop_cluster(self):
        known = self.eks_backend.clusters.get(self._get_param("name"))
        group = (known.resources_vpc_config or {}).get("clusterSecurityGroupId") if known else None
        answer = delete_cluster(self)
        if group:
            ec2_backends[self.current_account][self.region].delete_security_group(group_id=group)
        return answer

    def nodegroup(self):
        answer = create_nodegroup(self)
        group = self.eks_backend.clusters[self._get_param("name")].nodegroups[self._get_param("nodegroupName")]
        group.remote_access = self._get_param("remoteAccess")  # moto invents {"ec2SshKey": "eksKeypair"}
        group.update_config = self._get_param("updateConfig") or {"maxUnavailable": 1}
        return answer

    return _chain(_swap(R, "create_cluster", cluster), _swap(R, "create_nodegroup", nodegroup),
                  _swap(R, "delete_cluster", drop_cluster))


def _probe_eks_fields(session) -> bool:
    eks, ec2, iam = session.client("eks"), session.client("ec2"), session.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    role = iam.create_role(RoleName="probe-eks-fields", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    eks.create_cluster(name="probe-fields", roleArn=role, resourcesVpcConfig={"subnetIds": subnets},
                       accessConfig={"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": False})
    eks.create_nodegroup(clusterName="probe-fields", nodegroupName="ng", subnets=subnets, nodeRole=role,
                         scalingConfig={"minSize": 1, "maxSize": 2, "desiredSize": 1})
    described = eks.describe_cluster(name="probe-fields")["cluster"]
    access = described.get("accessConfig", {})
    security_group = described["resourcesVpcConfig"].get("clusterSecurityGroupId")
    group = eks.describe_nodegroup(clusterName="probe-fields", nodegroupName="ng")["nodegroup"]
    return not (access.get("authenticationMode") == "API" and security_group
                and ec2.describe_security_groups(GroupIds=[security_group])["SecurityGroups"][0]["VpcId"] == vpc
                and access.get("bootstrapClusterCreatorAdminPermissions") is False
                and "remoteAccess" not in group and group.get("updateConfig") == {"maxUnavailable": 1})


EKS_FIELDS = Patch(
    name="eks-access-config-and-node-group-defaults",
    moto="CreateCluster drops accessConfig (DescribeCluster returns none: the provider replaces the "
         "cluster); CreateNodegroup invents remoteAccess {ec2SshKey: eksKeypair} when none is given "
         "(replacement again) and drops updateConfig; no cluster security group (clusterSecurityGroupId "
         "null, so the nodes' launch template re-plans)",
    aws="the cluster keeps and returns accessConfig (default CONFIG_MAP, bootstrap admin true) and creates "
        "its cluster security group in the VPC (resourcesVpcConfig.clusterSecurityGroupId, deleted with "
        "the cluster); a node group without remoteAccess has none; updateConfig defaults to maxUnavailable 1",
    reference="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html#AmazonEKS-CreateCluster-request-accessConfig ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_Nodegroup.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_NodegroupUpdateConfig.html",
    install=_install_eks_fields,
    probe=_probe_eks_fields,
)


# --------------------------------------------------------------------------- EKS add-ons and access entries (fake)

_EKS_ADDONS: dict[tuple[str, str, str], dict] = {}  # (region, cluster, addon name) -> addon
_EKS_ACCESS: dict[tuple[str, str, str], dict] = {}  # (region, cluster, principal ARN) -> access entry
_EKS_POLICIES: dict[tuple[str, str, str], dict[str, dict]] = {}  # access entry key -> policy ARN -> association


def _eks_now() -> float:
    import time

    return round(time.time(), 3)


def _eks_cluster_exists(region: str, cluster: str) -> bool:
    from moto.eks.models import eks_backends

    return cluster in eks_backends[ACCOUNT_ID][region].clusters


def _eks(method: str, path: str, body: dict, region: str) -> tuple[int, dict]:
    def not_found(what: str) -> tuple[int, dict]:
        return 404, {"__type": "ResourceNotFoundException", "message": f"{what} not found", "clusterName": cluster}

    parts = path.strip("/").split("/", 3)  # clusters, <name>, addons|access-entries, rest
    cluster, kind, rest = parts[1], parts[2], parts[3] if len(parts) > 3 else ""
    if not _eks_cluster_exists(region, cluster):
        return not_found(f"No cluster found for name: {cluster}.")
    with _LAYER_LOCK:
        if kind == "addons":
            if method == "POST" and not rest:
                key = (region, cluster, body["addonName"])
                if key in _EKS_ADDONS:
                    return 409, {"__type": "ResourceInUseException", "message": f"Addon already exists: {key[2]}"}
                now = _eks_now()
                _EKS_ADDONS[key] = {
                    "addonName": key[2], "clusterName": cluster, "status": "ACTIVE",
                    "addonVersion": body.get("addonVersion") or "v0.0.0-eksbuild.1", "health": {"issues": []},
                    "addonArn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:addon/{cluster}/{key[2]}/{uuid.uuid4()}",
                    "createdAt": now, "modifiedAt": now, "tags": dict(body.get("tags") or {}),
                    **({"serviceAccountRoleArn": body["serviceAccountRoleArn"]} if body.get("serviceAccountRoleArn") else {}),
                    **({"configurationValues": body["configurationValues"]} if body.get("configurationValues") else {}),
                    "podIdentityAssociations": [],
                }
                return 200, {"addon": _EKS_ADDONS[key]}
            if method == "GET" and not rest:
                return 200, {"addons": sorted(n for (r, c, n) in _EKS_ADDONS if (r, c) == (region, cluster))}
            key = (region, cluster, rest.split("/")[0])
            if key not in _EKS_ADDONS:
                return not_found(f"No addon: {key[2]} found in cluster: {cluster}")
            if method == "GET":
                return 200, {"addon": _EKS_ADDONS[key]}
            if method == "DELETE":
                return 200, {"addon": {**_EKS_ADDONS.pop(key), "status": "DELETING"}}
        if kind == "access-entries":
            if method == "POST" and not rest:
                key = (region, cluster, body["principalArn"])
                if key in _EKS_ACCESS:
                    return 409, {"__type": "ResourceInUseException", "message": "The specified access entry resource is already in use on this cluster."}
                role = key[2].rsplit("/", 1)[-1]
                now = _eks_now()
                _EKS_ACCESS[key] = {
                    "clusterName": cluster, "principalArn": key[2], "type": body.get("type") or "STANDARD",
                    "kubernetesGroups": list(body.get("kubernetesGroups") or []),
                    "username": body.get("username") or f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{{{{SessionName}}}}",
                    "accessEntryArn": f"arn:aws:eks:{region}:{ACCOUNT_ID}:access-entry/{cluster}/role/{ACCOUNT_ID}/{role}/{uuid.uuid4()}",
                    "createdAt": now, "modifiedAt": now, "tags": dict(body.get("tags") or {}),
                }
                _EKS_POLICIES[key] = {}
                return 200, {"accessEntry": _EKS_ACCESS[key]}
            if method == "GET" and not rest:
                return 200, {"accessEntries": sorted(p for (r, c, p) in _EKS_ACCESS if (r, c) == (region, cluster))}
            principal, _, tail = rest.partition("/access-policies")
            key = (region, cluster, principal)
            if key not in _EKS_ACCESS:
                return not_found(f"The specified principalArn could not be found: {principal}")
            if not _ and method == "GET":
                return 200, {"accessEntry": _EKS_ACCESS[key]}
            if not _ and method == "DELETE":
                _EKS_ACCESS.pop(key)
                _EKS_POLICIES.pop(key, None)
                return 200, {}
            policies = _EKS_POLICIES.setdefault(key, {})
            answer = {"clusterName": cluster, "principalArn": principal}
            if method == "POST" and not tail:
                now = _eks_now()
                association = {"policyArn": body["policyArn"], "accessScope": body.get("accessScope") or {"type": "cluster"},
                               "associatedAt": now, "modifiedAt": now}
                association["accessScope"].setdefault("namespaces", [])
                policies[body["policyArn"]] = association
                return 200, {**answer, "associatedAccessPolicy": association}
            if method == "GET" and not tail:
                return 200, {**answer, "associatedAccessPolicies": list(policies.values())}
            if method == "DELETE" and tail.startswith("/"):
                if policies.pop(tail[1:], None) is None:
                    return not_found(f"The specified policyArn could not be found: {tail[1:]}")
                return 200, {}
    return 405, {"__type": "InvalidRequestException", "message": f"{method} {path} is not emulated"}


def _probe_eks_addons(session) -> bool:
    """Plain moto answers the add-on and access-entry routes with a bare 404 (no route at all)."""
    eks, ec2, iam = session.client("eks"), session.client("ec2"), session.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    role = iam.create_role(RoleName="probe-eks", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    eks.create_cluster(name="probe", roleArn=role, resourcesVpcConfig={"subnetIds": subnets})
    try:
        addon = eks.create_addon(clusterName="probe", addonName="coredns", addonVersion="v1.12.4-eksbuild.1")["addon"]
        entry = eks.create_access_entry(clusterName="probe", principalArn=role)["accessEntry"]
        eks.associate_access_policy(clusterName="probe", principalArn=role, accessScope={"type": "cluster"},
                                    policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy")
        listed = eks.list_associated_access_policies(clusterName="probe", principalArn=role)["associatedAccessPolicies"]
        described = eks.describe_addon(clusterName="probe", addonName="coredns")["addon"]
        eks.delete_addon(clusterName="probe", addonName="coredns")
        eks.disassociate_access_policy(clusterName="probe", principalArn=role, policyArn=listed[0]["policyArn"])
        eks.delete_access_entry(clusterName="probe", principalArn=role)
        gone = _client_error(lambda: eks.describe_addon(clusterName="probe", addonName="coredns"),
                             "ResourceNotFoundException")
        return not (addon["status"] == described["status"] == "ACTIVE" and entry["principalArn"] == role
                    and len(listed) == 1 and gone)
    except Exception:
        return True


EKS_ADDONS_AND_ACCESS = RestFake(
    name="eks-addons-and-access-entries",
    moto="EKS has clusters, node groups and Fargate profiles but no add-on or access-entry API: "
         "CreateAddon, DescribeAddon, DeleteAddon, CreateAccessEntry, DescribeAccessEntry, "
         "DeleteAccessEntry, AssociateAccessPolicy, ListAssociatedAccessPolicies and "
         "DisassociateAccessPolicy answer a bare 404 (no route)",
    aws="an add-on is created on an existing cluster and reported ACTIVE once installed, with its "
        "version, ARN and tags; an access entry (type STANDARD, generated username) grants an IAM "
        "principal access, and cluster-access policies are associated with it with a scope; each is "
        "described, listed and deleted; an unknown cluster, add-on or principal is ResourceNotFoundException",
    reference="https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAddon.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateAccessEntry.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_AssociateAccessPolicy.html ; "
              "https://docs.aws.amazon.com/eks/latest/APIReference/API_ListAssociatedAccessPolicies.html",
    service="eks",
    path=r"/clusters/[^/]+/(addons|access-entries)(/.*)?",
    handler=_eks,
    probe=_probe_eks_addons,
)


def _reset_fakes() -> None:
    """Forget what the layer keeps beside moto's backends (with moto's own reset)."""
    with _LAYER_LOCK:
        _CONNECTIONS.clear()
        _CONNECTION_TAGS.clear()
        _SCALING_TAGS.clear()
        _EKS_ADDONS.clear()
        _EKS_ACCESS.clear()
        _EKS_POLICIES.clear()


# --------------------------------------------------------------------------- the registry

PATCHES: tuple[Patch, ...] = (
    S3_LOGGING_POLICY,
    IAM_AWS_MANAGED_POLICIES,
    LAMBDA_CONFIGURATION,
    EKS_FIELDS,
    LAUNCH_TEMPLATE_TAGS,
    RDS_CLUSTER_SCALING,
    SQS_POLICY_KEPT,
    SQS_REDRIVE_ALLOW_POLICY,
    SQS_COMPACT_REDRIVE_POLICY,
    CLOUD_MAP_CUSTOM_HEALTH_CHECK,
    SCALING_TAGS,
    CODEBUILD_PIPELINE_SOURCE,
    CODEPIPELINE_TIMESTAMPS,
    ELASTICACHE_MEMBER_CLUSTERS,
    ELASTICACHE_DELETED_GROUP,
    ELASTICACHE_DELETE_SUBNET_GROUP,
    KMS_ROTATION_PERIOD,
    GROUP_RULE_DESCRIPTION,
    RDS_PARAMETER_SOURCE,
    RDS_PERFORMANCE_INSIGHTS_PATCH,
    ECS_SERVICE_FIELDS_PATCH,
    CODEBUILD_ENCRYPTION_KEY,
)
FAKES: tuple[Fake | RestFake, ...] = (CODESTAR_CONNECTIONS, EKS_ADDONS_AND_ACCESS)


class CompatibilityMiddleware:
    """WSGI wrapper: answers the fakes' requests, passes everything else to moto."""

    def __init__(self, app, fakes: tuple[Fake | RestFake, ...] = FAKES) -> None:
        self.app = app
        self.fakes = tuple(f for f in fakes if isinstance(f, Fake))
        self.rest_fakes = tuple(f for f in fakes if isinstance(f, RestFake))

    def __call__(self, environ, start_response):
        from urllib.parse import unquote

        scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        for fake in self.rest_fakes:
            path = unquote(environ.get("PATH_INFO", ""))
            if scope and scope.group(2) == fake.service and re.fullmatch(fake.path, path):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b""
                status, answer = fake.handler(environ["REQUEST_METHOD"], path, json.loads(raw or b"{}"), scope.group(1))
                payload = json.dumps(answer).encode()
                headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload))),
                           ("x-amzn-RequestId", str(uuid.uuid4()))]
                if status >= 400:
                    headers.append(("x-amzn-ErrorType", answer.get("__type", "")))
                start_response(f"{status} {'OK' if status == 200 else 'Error'}", headers)
                return [payload]
        service, _, operation = environ.get("HTTP_X_AMZ_TARGET", "").rpartition(".")
        for fake in self.fakes:
            if service == fake.target_prefix or service.endswith("." + fake.target_prefix):
                length = int(environ.get("CONTENT_LENGTH") or 0)
                raw = environ["wsgi.input"].read(length) if length else b""
                body = json.loads(raw or b"{}")
                match = re.search(r"Credential=[^/]+/\d+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
                status, answer = fake.handler(operation, body, match.group(1) if match else "us-east-1")
                payload = json.dumps(answer).encode()
                start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", [
                    ("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(payload))),
                    ("x-amzn-RequestId", str(uuid.uuid4()))])
                return [payload]
        return self.app(environ, start_response)


class Emulator:
    """moto's threaded server on a free loopback port, with the compatibility layer while it runs.

    ``with Emulator() as url:`` starts it (patches installed) and stops it (patches undone); the
    patches change moto's classes in this process, so only one patched emulator runs at a time.
    ``compatible=False`` gives plain moto (for the probes' "moto still has the gap" side).
    """

    _running = threading.Lock()

    def __init__(self, *, compatible: bool = True, host: str = "127.0.0.1") -> None:
        self.compatible = compatible
        self.host = host
        self.url = ""
        self._server = None
        self._undo: list[Undo] = []

    def __enter__(self) -> str:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer
        from moto.moto_server import threaded_moto_server as tms

        if not self._running.acquire(blocking=False):
            raise RuntimeError("an emulator is already running in this process")
        try:
            # one log line per request is noise; a request moto fails on is still logged (ERROR)
            werkzeug_log = logging.getLogger("werkzeug")
            level = werkzeug_log.level
            werkzeug_log.setLevel(logging.ERROR)
            self._undo.append(lambda: werkzeug_log.setLevel(level))
            if self.compatible:
                for patch in PATCHES:
                    self._undo.append(patch.install())
                _reset_fakes()
            server = ThreadedMotoServer(ip_address=self.host, port=0, verbose=False)
            if self.compatible:
                dispatcher = tms.DomainDispatcherApplication

                def wrapped(*args, **kwargs):
                    return CompatibilityMiddleware(dispatcher(*args, **kwargs))

                self._undo.append(_swap(tms, "DomainDispatcherApplication", wrapped))
            server.start()
            self._server = server
            host, port = server.get_host_and_port()
            self.url = f"http://{host}:{port}"
        except BaseException:
            self._stop()
            raise
        return self.url

    def __exit__(self, *exc) -> None:
        self._stop()

    def _stop(self) -> None:
        try:
            if self._server is not None:
                self._server.stop()
                self._server = None
        finally:
            for undo in reversed(self._undo):
                undo()
            self._undo.clear()
            _reset_fakes()
            self._running.release()


def reset(url: str) -> None:
    """Empty every moto backend (between stacks)."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=30).close()
    _reset_fakes()
