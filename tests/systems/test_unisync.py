"""UniSync (document 002) as synthesized: services by name, least-privilege groups, MySQL, queues, the function."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

STACKS = ["unisync-dev", "unisync-prod"]
INTERNAL = {"user-service": 8081, "course-service": 8082, "schedule-service": 8083}
SERVICES = {"api-gateway": 8080, **INTERNAL}


@pytest.fixture(params=STACKS)
def uni(request, stack_of):
    return stack_of(request.param)


def env_of(synth) -> str:
    return synth.doc["terraform"]["backend"]["s3"]["key"].split("/")[0]


def group_of(synth, name: str) -> str:
    path = "fn-canvas-sync/security-group/group" if name == "canvas-sync" else f"{name}/group"
    return synth.ref("aws_security_group", synth.by_path("aws_security_group", path))


def policy(synth, path: str) -> list[dict]:
    return json.loads(synth.by_path("aws_iam_role_policy", path)["policy"])["Statement"]


def queue_arn(synth, name: str) -> str:
    return synth.ref("aws_sqs_queue", synth.by_path("aws_sqs_queue", f"queue-{name}/queue"), "arn")


def test_four_services_256_512_and_only_the_gateway_is_load_balanced(uni):
    tasks = {t["family"].removeprefix("unisync-").removesuffix(f"-{env_of(uni)}"): t
             for t in uni.resources("aws_ecs_task_definition").values()}
    assert set(tasks) == set(SERVICES)
    for name, task in tasks.items():
        container = json.loads(task["container_definitions"])[0]
        assert (task["cpu"], task["memory"]) == ("256", "512")
        assert container["portMappings"][0]["containerPort"] == SERVICES[name]
    [target_group] = uni.resources("aws_lb_target_group").values()
    assert (target_group["port"], target_group["health_check"]["path"]) == (8080, "/actuator/health")
    balanced = [s for s in uni.resources("aws_ecs_service").values() if s.get("load_balancer")]
    assert [s["name"] for s in balanced] == ["unisync-api-gateway-service"]


def test_internal_services_are_registered_by_name_in_the_private_namespace(uni):
    namespace = uni.one("aws_service_discovery_private_dns_namespace")
    assert namespace["name"] == f"{env_of(uni)}.unisync.internal"
    assert {d["name"] for d in uni.resources("aws_service_discovery_service").values()} == set(INTERNAL)
    gateway = json.loads(uni.by_path("aws_ecs_task_definition", "svc-api-gateway/task")["container_definitions"])[0]
    urls = {e["name"]: e["value"] for e in gateway["environment"]}
    assert urls["USER_SERVICE_URL"] == f"http://user-service.{env_of(uni)}.unisync.internal:8081"
    assert urls["SCHEDULE_SERVICE_URL"] == f"http://schedule-service.{env_of(uni)}.unisync.internal:8083"


def test_no_internal_service_is_reachable_from_the_load_balancer_group(uni):
    alb = group_of(uni, "alb-sg")
    ingress = uni.resources("aws_vpc_security_group_ingress_rule").values()
    from_alb = [uni.path(r) for r in ingress if r.get("referenced_security_group_id") == alb]
    assert from_alb == ["sg-api-gateway/in-alb-8080"]
    [out] = uni.under("aws_vpc_security_group_egress_rule", "alb-sg")
    assert (out["referenced_security_group_id"], out["from_port"]) == (group_of(uni, "sg-api-gateway"), 8080)


def test_service_groups_admit_only_the_calls_they_need(uni):
    admitted = {}
    for rule in uni.resources("aws_vpc_security_group_ingress_rule").values():
        owner = uni.path(rule).split("/")[0]
        admitted.setdefault(owner, set()).add((rule.get("referenced_security_group_id", rule.get("cidr_ipv4")),
                                               rule["from_port"]))
    gateway, fn = group_of(uni, "sg-api-gateway"), group_of(uni, "canvas-sync")
    assert admitted["sg-api-gateway"] == {(group_of(uni, "alb-sg"), 8080)}
    assert admitted["sg-user-service"] == {(gateway, 8081), (fn, 8081)}
    assert admitted["sg-course-service"] == {(gateway, 8082)}
    assert admitted["sg-schedule-service"] == {(gateway, 8083)}
    assert admitted["db-sg"] == {(group_of(uni, f"sg-{s}"), 3306) for s in INTERNAL}
    assert not [r for r in uni.resources("aws_vpc_security_group_ingress_rule").values()
                if r.get("cidr_ipv4") == "0.0.0.0/0" and not uni.path(r).startswith("alb-sg/")]


@pytest.mark.parametrize("stack, multi_az, deletion_protection", [("unisync-dev", False, False),
                                                                   ("unisync-prod", True, True)])
def test_mysql_84_is_private_encrypted_and_multi_az_in_prod(stack_of, stack, multi_az, deletion_protection):
    db = stack_of(stack).one("aws_db_instance")
    assert (db["engine"], db["engine_version"], db["instance_class"]) == ("mysql", "8.4", "db.t3.micro")
    assert db["publicly_accessible"] is False and db["storage_encrypted"] is True
    assert (db["multi_az"], db["deletion_protection"], db["backup_retention_period"]) == (multi_az, deletion_protection, 7)
    assert db["manage_master_user_password"] is True and "password" not in db


def test_secrets_are_injected_by_json_key_never_as_plain_values(uni):
    env = env_of(uni)
    user = json.loads(uni.by_path("aws_ecs_task_definition", "svc-user-service/task")["container_definitions"])[0]
    secrets = {s["name"]: s["valueFrom"] for s in user["secrets"]}
    cognito = uni.ref("aws_secretsmanager_secret", uni.by_path("aws_secretsmanager_secret", "secrets/cognito"), "arn")
    assert secrets["COGNITO_USER_POOL_ID"] == f"{cognito}:userPoolId::"
    assert secrets["COGNITO_CLIENT_ID"] == f"{cognito}:clientId::"
    assert secrets["DB_PASSWORD"].endswith(":password::")
    assert {s["name"] for s in uni.resources("aws_secretsmanager_secret").values()} == {
        f"unisync/{env}/{n}" for n in ("encryption-key", "database", "canvas", "cognito")}
    plain = {e["name"] for e in user["environment"]}
    assert not plain & {"DB_PASSWORD", "ENCRYPTION_KEY", "COGNITO_CLIENT_ID"}


def test_an_ecr_repository_per_service(uni):
    assert {r["name"] for r in uni.resources("aws_ecr_repository").values()} == {
        f"unisync/{s}-{env_of(uni)}" for s in SERVICES}


def test_every_queue_is_encrypted_and_tls_only(uni):
    queues = uni.resources("aws_sqs_queue").values()
    assert {q["name"].removeprefix("unisync-").removesuffix(f"-{env_of(uni)}") for q in queues} == {
        "assignment-events", "assignment-events-dlq", "submission-events", "task-creation", "llm-analysis",
        "canvas-sync-failures"}
    assert all(q.get("sqs_managed_sse_enabled") is True or q.get("kms_master_key_id") for q in queues)
    assert uni.count("aws_sqs_queue_policy") == len(queues)
    for p in uni.resources("aws_sqs_queue_policy").values():
        assert json.loads(p["policy"])["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_assignment_events_has_its_dead_letter_queue_and_only_it_may_redrive_there(uni):
    queue = uni.by_path("aws_sqs_queue", "queue-assignment-events/queue")
    dlq = uni.by_path("aws_sqs_queue", "queue-assignment-events/dlq")
    assert json.loads(queue["redrive_policy"])["deadLetterTargetArn"] == uni.ref("aws_sqs_queue", dlq, "arn")
    [allow] = uni.resources("aws_sqs_queue_redrive_allow_policy").values()
    assert json.loads(allow["redrive_allow_policy"])["sourceQueueArns"] == [uni.ref("aws_sqs_queue", queue, "arn")]


FLOWS = {  # party -> (sends to, consumes from)
    "svc-api-gateway/task-policy": ((), ("llm-analysis",)),
    "svc-user-service/task-policy": ((), ()),
    "svc-course-service/task-policy": (("task-creation",), ("assignment-events",)),
    "svc-schedule-service/task-policy": (("llm-analysis",), ("submission-events", "task-creation")),
    "fn-canvas-sync/policy": (("assignment-events", "submission-events"), ()),
}


@pytest.mark.parametrize("party", FLOWS)
def test_grants_follow_the_documented_flows(uni, party):
    sends, consumes = FLOWS[party]
    statements = policy(uni, party) if party != "svc-user-service/task-policy" else []
    if party == "svc-user-service/task-policy":
        assert not uni.under("aws_iam_role_policy", "svc-user-service/task-policy")
    sent = {s["Resource"] for s in statements if "sqs:SendMessage" in s["Action"]}
    consumed = {s["Resource"] for s in statements if "sqs:ReceiveMessage" in s["Action"]}
    assert sent == {queue_arn(uni, q) for q in sends} | ({queue_arn(uni, "canvas-sync-failures")}
                                                         if party.startswith("fn-") else set())
    assert consumed == {queue_arn(uni, q) for q in consumes}


def test_no_role_policy_allows_a_wildcard_action(uni):
    for p in uni.resources("aws_iam_role_policy").values():
        for statement in json.loads(p["policy"])["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert statement["Effect"] == "Allow" and not [a for a in actions if "*" in a], uni.path(p)


def test_canvas_sync_runs_python_311_512_mb_300_s_in_the_private_subnets(uni):
    fn = uni.one("aws_lambda_function")
    env = env_of(uni)
    assert (fn["function_name"], fn["runtime"], fn["memory_size"], fn["timeout"]) == (
        f"unisync-canvas-sync-{env}", "python3.13", 512, 300)
    private = {uni.ref("aws_subnet", uni.one("aws_subnet", cidr_block=c)) for c in ("10.0.11.0/24", "10.0.12.0/24")}
    assert set(fn["vpc_config"]["subnet_ids"]) == private
    variables = fn["environment"]["variables"]
    assert variables["USER_SERVICE_URL"] == f"http://user-service.{env}.unisync.internal:8081"
    assert variables["CANVAS_API_BASE_URL"] == "https://canvas.instructure.com/api/v1"
    assert not [k for k in variables if "TOKEN" in k and not k.endswith("_ARN")]
    reads = [s for s in policy(uni, "fn-canvas-sync/policy") if "secretsmanager:GetSecretValue" in s["Action"]]
    assert [s["Resource"] for s in reads] == [[uni.ref("aws_secretsmanager_secret", uni.by_path(
        "aws_secretsmanager_secret", "secrets/canvas"), "arn")]]


def test_the_function_zip_is_in_the_output_with_its_hash(uni, all_stacks_output):
    fn = uni.one("aws_lambda_function")
    archive = all_stacks_output / "stacks" / f"unisync-{env_of(uni)}" / fn["filename"]
    assert fn["source_code_hash"] == base64.b64encode(hashlib.sha256(archive.read_bytes()).digest()).decode()


def test_an_hourly_schedule_invokes_only_canvas_sync(uni):
    schedule = uni.one("aws_scheduler_schedule")
    assert (schedule["schedule_expression"], schedule["flexible_time_window"]) == ("rate(1 hour)", {"mode": "OFF"})
    [statement] = policy(uni, "canvas-sync-schedule/policy")
    fn = uni.ref("aws_lambda_function", uni.one("aws_lambda_function"), "arn")
    assert statement["Resource"] == [fn, f"{fn}:*"]


@pytest.mark.parametrize("stack, spot", [("unisync-dev", "FARGATE_SPOT"), ("unisync-prod", "FARGATE")])
def test_fargate_spot_in_dev_only(stack_of, stack, spot):
    for service in stack_of(stack).resources("aws_ecs_service").values():
        assert service["capacity_provider_strategy"][0]["capacity_provider"] == spot


def test_queue_and_function_alarms_notify_the_topic(uni):
    env = env_of(uni)
    alarms = {a["alarm_name"]: a for a in uni.resources("aws_cloudwatch_metric_alarm").values()}
    topic = uni.ref("aws_sns_topic", uni.one("aws_sns_topic"), "arn")
    dlq = alarms[f"unisync-assignment-events-dlq-not-empty-{env}"]
    assert (dlq["metric_name"], dlq["threshold"], dlq["dimensions"]) == (
        "ApproximateNumberOfMessagesVisible", 0, {"QueueName": f"unisync-assignment-events-dlq-{env}"})
    for queue in ("assignment-events", "submission-events", "task-creation", "llm-analysis"):
        assert alarms[f"unisync-{queue}-oldest-message-{env}"]["metric_name"] == "ApproximateAgeOfOldestMessage"
    for what, metric in (("errors", "Errors"), ("throttles", "Throttles")):
        alarm = alarms[f"unisync-canvas-sync-{what}-{env}"]
        assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Lambda", metric)
        assert alarm["dimensions"] == {"FunctionName": uni.ref("aws_lambda_function", uni.one("aws_lambda_function"),
                                                               "function_name")}
    assert all(a["alarm_actions"] == [topic] for a in alarms.values())


def test_a_flow_the_function_consumes_becomes_an_event_source_mapping():
    # GIVEN prod's settings where canvas-sync also consumes task-creation (visibility 300 s = its timeout)
    from dataclasses import replace

    from environments import load
    from modules.framework import test_app
    from systems.unisync.settings import FLOWS, QueueFlow
    from systems.unisync.stack import UniSyncStack
    from tests.support import synth_stack

    settings = load("prod", "unisync")
    settings = replace(settings, flows=(*FLOWS, QueueFlow(queue="task-creation", senders=(), consumers=("canvas-sync",))))
    # WHEN the stack is synthesized THEN Lambda polls the queue for the function, which may consume it
    synth = synth_stack(UniSyncStack(test_app(), settings))
    mapping = synth.one("aws_lambda_event_source_mapping")
    assert mapping["event_source_arn"] == queue_arn(synth, "task-creation")
    assert mapping["function_response_types"] == ["ReportBatchItemFailures"]
    consumed = [s["Resource"] for s in policy(synth, "fn-canvas-sync/policy") if "sqs:ReceiveMessage" in s["Action"]]
    assert consumed == [queue_arn(synth, "task-creation")]


def test_the_deployed_zip_holds_a_handler_lambda_can_import_and_run(stack_of, all_stacks_output, tmp_path,
                                                                    monkeypatch):
    # GIVEN the zip Terraform uploads for canvas-sync
    import importlib.util
    import zipfile

    synth = stack_of("unisync-dev")
    fn = synth.one("aws_lambda_function")
    archive = zipfile.ZipFile(all_stacks_output / "stacks" / "unisync-dev" / fn["filename"])
    assert sorted(archive.namelist()) == ["__init__.py", "requirements.txt", "src/__init__.py",
                                          "src/handler.py"]  # no tests, no caches
    # WHEN its handler module is loaded from the zip's root, as Lambda does for "src.handler.lambda_handler"
    archive.extractall(tmp_path)
    *package, function_name = fn["handler"].split(".")
    assert (package, function_name) == (["src", "handler"], "lambda_handler")
    spec = importlib.util.spec_from_file_location("canvas_sync_from_zip", tmp_path.joinpath(*package).with_suffix(".py"))
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(__import__("sys").modules, spec.name, module)
    spec.loader.exec_module(module)

    class Sqs:
        def send_message_batch(self, QueueUrl, Entries):
            return {"Successful": Entries, "Failed": []}

    deps = module.Dependencies(get=lambda url, headers: [], sqs=Sqs(), canvas_token="t", canvas_base_url="https://c",
                               user_service_url="http://u", assignment_queue_url="a", submission_queue_url="s")
    # THEN the entry point runs (its work, given fakes)
    assert getattr(module, function_name) and module.handle({"course_ids": [1]}, None, deps) == {
        "courses": 1, "assignments": 0, "submissions": 0}
