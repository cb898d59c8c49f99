"""modules/serverless/function: packaging, log group, role, VPC, tracing, async failures, limits (bare stack)."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from modules.errors import ConfigError
from modules.framework import Testing as CdkTesting
from modules.messaging.options import QueueOptions
from modules.messaging.queue import Queue
from modules.networking.vpc import Vpc
from modules.networking.options import NatMode, VpcOptions
from modules.serverless import package
from modules.serverless.function import Function
from modules.serverless.options import FunctionOptions, runtime_note, runtime_problem
from tests.support import Synth, project_stack

SOURCE = "tests/modules/serverless/fixtures/hello"
OPTIONS = FunctionOptions(name="worker", source=SOURCE, runtime="python3.13", handler="handler.handle",
                          memory_mb=256, timeout_seconds=30)


def synth_with_output(stack) -> tuple[Synth, Path]:
    outdir = Path(CdkTesting.full_synth(stack))
    return Synth((outdir / "stacks" / stack.node.id / "cdk.tf.json").read_text()), outdir / "stacks" / stack.node.id


def vpc_of(stack) -> Vpc:
    return Vpc(stack, "network", options=VpcOptions(
        vpc_cidr="10.0.0.0/16", public_subnet_cidrs=("10.0.1.0/24", "10.0.2.0/24"),
        private_app_subnet_cidrs=("10.0.11.0/24", "10.0.12.0/24"), database_subnet_cidrs=(), nat_mode=NatMode.SINGLE,
        s3_gateway_endpoint=False, flow_logs=False))


def policy_of(synth, path="worker/policy"):
    return json.loads(synth.by_path("aws_iam_role_policy", path)["policy"])["Statement"]


@pytest.fixture(scope="module")
def plain():
    stack = project_stack(log_retention_days=14)  # the function's log group keeps the stack's retention
    Function(stack, "worker", options=OPTIONS)
    return synth_with_output(stack)


def test_code_is_a_zip_asset_whose_sha256_is_the_source_code_hash(plain):
    synth, stack_dir = plain
    fn = synth.one("aws_lambda_function")
    archive = stack_dir / fn["filename"]
    assert fn["filename"].startswith("assets/") and archive.is_file()
    assert fn["source_code_hash"] == base64.b64encode(hashlib.sha256(archive.read_bytes()).digest()).decode()
    assert zipfile.ZipFile(archive).namelist() == ["handler.py"]


def test_the_zip_is_reproducible_and_leaves_caches_out(tmp_path):
    source = tmp_path / "src"
    (source / "__pycache__").mkdir(parents=True)
    (source / "handler.py").write_text("def handle(e, c):\n    return 1\n")
    (source / "__pycache__" / "handler.cpython-311.pyc").write_bytes(b"\0")
    (source / "test_handler.py").write_text("def test(): pass\n")
    first = package.build(str(source), "fn")
    (source / "handler.py").touch()  # a new modification time changes nothing
    second = package.build(str(source), "fn")
    assert first.base64_sha256 == second.base64_sha256 and first.files == ("handler.py",)
    (source / "handler.py").write_text("def handle(e, c):\n    return 2\n")
    assert package.build(str(source), "fn").base64_sha256 != first.base64_sha256


def test_log_group_is_encrypted_kept_and_created_before_the_function(plain):
    synth, _ = plain
    group = synth.one("aws_cloudwatch_log_group")
    fn = synth.one("aws_lambda_function")
    assert group["name"] == "/aws/lambda/shop-worker-dev" and group["retention_in_days"] == 14
    assert group["kms_key_id"] == synth.ref("aws_kms_key", synth.by_path("aws_kms_key", "logs-key/key"), "arn")
    assert synth.ref("aws_cloudwatch_log_group", group, "name") == fn["logging_config"]["log_group"]
    assert f"aws_cloudwatch_log_group.{synth.logical_id(group)}" in fn["depends_on"]
    assert (fn["memory_size"], fn["timeout"], fn["architectures"]) == (256, 30, ["arm64"])


def test_role_is_trusted_by_lambda_of_this_account_and_may_only_write_its_log_group(plain):
    synth, _ = plain
    role = synth.one("aws_iam_role")
    [trust] = json.loads(role["assume_role_policy"])["Statement"]
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "${data.aws_caller_identity.account.account_id}"}}
    group = synth.one("aws_cloudwatch_log_group")
    assert policy_of(synth) == [{"Sid": "WriteLogs", "Effect": "Allow",
                                 "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                 "Resource": synth.ref("aws_cloudwatch_log_group", group, "arn") + ":log-stream:*"}]
    assert synth.count("aws_iam_role_policy_attachment") == 0


def test_outside_a_vpc_there_is_no_security_group_or_vpc_config(plain):
    synth, _ = plain
    assert synth.count("aws_security_group") == 0
    assert "vpc_config" not in synth.one("aws_lambda_function")
    assert synth.one("aws_lambda_function")["tracing_config"] == {"mode": "PassThrough"}


def test_in_a_vpc_it_runs_in_private_subnets_with_its_own_group_open_only_for_https_out():
    stack = project_stack()
    Function(stack, "worker", options=replace(OPTIONS, in_vpc=True), vpc=vpc_of(stack))
    synth, _ = synth_with_output(stack)
    config = synth.one("aws_lambda_function")["vpc_config"]
    private = [synth.ref("aws_subnet", synth.one("aws_subnet", cidr_block=c)) for c in ("10.0.11.0/24", "10.0.12.0/24")]
    assert config["subnet_ids"] == private
    group = synth.by_path("aws_security_group", "worker/security-group/group")
    assert config["security_group_ids"] == [synth.ref("aws_security_group", group)]
    [egress] = synth.under("aws_vpc_security_group_egress_rule", "worker")
    assert (egress["from_port"], egress["to_port"], egress["cidr_ipv4"]) == (443, 443, "0.0.0.0/0")
    assert synth.under("aws_vpc_security_group_ingress_rule", "worker") == []
    eni = policy_of(synth)[1]
    assert eni["Sid"] == "ManageVpcNetworkInterfaces" and "ec2:CreateNetworkInterface" in eni["Action"]


def test_tracing_reserved_concurrency_and_async_failures():
    stack = project_stack()
    failures = Queue(stack, "failures", options=QueueOptions(name="failures"))
    dlq = Queue(stack, "dlq", options=QueueOptions(name="worker-dlq"))
    Function(stack, "worker", options=replace(OPTIONS, tracing=True, reserved_concurrency=5, max_async_retries=1),
             dead_letter_queue=dlq, on_failure=failures)
    synth, _ = synth_with_output(stack)
    fn = synth.one("aws_lambda_function")
    assert fn["tracing_config"] == {"mode": "Active"} and fn["reserved_concurrent_executions"] == 5
    dlq_arn = synth.ref("aws_sqs_queue", synth.by_path("aws_sqs_queue", "dlq/queue"), "arn")
    failures_arn = synth.ref("aws_sqs_queue", synth.by_path("aws_sqs_queue", "failures/queue"), "arn")
    assert fn["dead_letter_config"] == {"target_arn": dlq_arn}
    config = synth.one("aws_lambda_function_event_invoke_config")
    assert config["maximum_retry_attempts"] == 1
    assert config["destination_config"] == {"on_failure": {"destination": failures_arn}}
    statements = {s["Sid"]: s for s in policy_of(synth)}
    assert statements["SendTraces"]["Action"] == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    assert statements["WorkerDlqSend"]["Resource"] == dlq_arn and statements["FailuresSend"]["Resource"] == failures_arn
    assert not [a for s in statements.values() for a in s["Action"] if "*" in a]


def test_environment_variables_are_merged_and_sorted():
    stack = project_stack()
    Function(stack, "worker", options=replace(OPTIONS, environment={"B": "2"}), environment={"A": "1"})
    synth, _ = synth_with_output(stack)
    assert synth.one("aws_lambda_function")["environment"] == {"variables": {"A": "1", "B": "2"}}


@pytest.mark.parametrize("changes, field, phrases", [
    ({"runtime": "nodejs18.x"}, "runtime", ("2025-09-01", "no longer lets you create", "nodejs22.x")),
    ({"runtime": "python3.8"}, "runtime", ("2024-10-14", "python3.13")),
    ({"runtime": "cobol"}, "runtime", ("not a Lambda runtime",)),
    ({"memory_mb": 127}, "memory_mb", ("128 to 10240",)),
    ({"memory_mb": 10241}, "memory_mb", ("128 to 10240",)),
    ({"timeout_seconds": 901}, "timeout_seconds", ("1 to 900",)),
    ({"timeout_seconds": 0}, "timeout_seconds", ("1 to 900",)),
    ({"environment": {"CANVAS_API_TOKEN": "x"}}, "environment['CANVAS_API_TOKEN']", ("looks like a secret",)),
    ({"environment": {"AWS_REGION": "x"}}, "environment['AWS_REGION']", ("reserved",)),
    ({"handler": "handle"}, "handler", ("module.function",)),
    ({"source": "no/such/dir"}, "source", ("no such directory",)),
    ({"max_async_retries": 3}, "max_async_retries", ("0 to 2",)),
])
def test_bad_options_are_refused_naming_the_field_and_fix(changes, field, phrases):
    with pytest.raises(ConfigError) as caught:
        Function(project_stack(), "worker", options=replace(OPTIONS, **changes))
    error = caught.value
    assert error.field == f"functions.worker.{field}", str(error)
    assert all(p in str(error) for p in phrases), str(error)
    assert error.fix and "CANVAS_API_TOKEN\": \"x" not in str(error)


def test_in_vpc_without_a_vpc_is_refused():
    with pytest.raises(ConfigError, match="private app subnets"):
        Function(project_stack(), "worker", options=replace(OPTIONS, in_vpc=True))


def test_runtime_table_allows_current_runtimes_and_notes_deprecated_ones():
    assert runtime_problem("python3.11") is None and runtime_problem("nodejs22.x") is None
    assert "was deprecated on 2026-06-30" in runtime_note("python3.11", today=date(2026, 11, 30))
    assert "will be deprecated" in runtime_note("python3.11", today=date(2026, 1, 1))
    assert runtime_note("python3.13") is None


def test_a_deprecated_but_creatable_runtime_adds_a_stack_note():
    stack = project_stack()
    Function(stack, "worker", options=replace(OPTIONS, runtime="python3.11"))
    assert any("python3.11" in note and "python3.13" in note for note in stack.notes)
