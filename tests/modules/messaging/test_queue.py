"""modules/messaging/queue: encryption, dead-letter queue, TLS-only policies, grants, limits (bare stack)."""

from __future__ import annotations

import json

import pytest

from modules.errors import ConfigError
from modules.framework import aws
from modules.iam.grants import InlinePolicy
from modules.messaging.options import DeadLetterOptions, QueueOptions, consumer_problem
from modules.messaging.queue import Queue
from modules.security.kms import KmsKey
from tests.support import project_stack, synth_stack


class Role:
    def __init__(self, stack, id):
        self.role = aws.iam_role.IamRole(stack, id, name=id, assume_role_policy="{}")
        self.policy = InlinePolicy(stack, f"{id}-policy", role_id=self.role.id, name="app")

    def add_to_role_policy(self, *statements):
        self.policy.add(*statements)


def statements(synth, path):
    return json.loads(synth.by_path("aws_iam_role_policy", path)["policy"])["Statement"]


@pytest.fixture(scope="module")
def with_dlq():
    stack = project_stack()
    queue = Queue(stack, "jobs", options=QueueOptions(name="jobs", visibility_timeout_seconds=120,
                                                      dead_letter=DeadLetterOptions(max_receive_count=5)))
    sender, consumer = Role(stack, "sender"), Role(stack, "consumer")
    queue.grant_send(sender)
    queue.grant_consume(consumer)
    return synth_stack(stack)


def test_queue_is_encrypted_with_sse_sqs_by_default(with_dlq):
    for queue in with_dlq.resources("aws_sqs_queue").values():
        assert queue["sqs_managed_sse_enabled"] is True
        assert "kms_master_key_id" not in queue


def test_redrive_policy_names_the_dead_letter_queue_with_max_receives(with_dlq):
    queue = with_dlq.by_path("aws_sqs_queue", "jobs/queue")
    dlq = with_dlq.by_path("aws_sqs_queue", "jobs/dlq")
    assert (queue["name"], dlq["name"]) == ("shop-jobs-dev", "shop-jobs-dlq-dev")
    assert json.loads(queue["redrive_policy"]) == {
        "deadLetterTargetArn": with_dlq.ref("aws_sqs_queue", dlq, "arn"), "maxReceiveCount": 5}
    assert dlq["message_retention_seconds"] == 1209600 and "redrive_policy" not in dlq


def test_dead_letter_queue_admits_only_its_source_queue(with_dlq):
    allow = with_dlq.one("aws_sqs_queue_redrive_allow_policy")
    queue = with_dlq.by_path("aws_sqs_queue", "jobs/queue")
    assert allow["queue_url"] == with_dlq.ref("aws_sqs_queue", with_dlq.by_path("aws_sqs_queue", "jobs/dlq"), "url")
    assert json.loads(allow["redrive_allow_policy"]) == {
        "redrivePermission": "byQueue", "sourceQueueArns": [with_dlq.ref("aws_sqs_queue", queue, "arn")]}


def test_both_queues_refuse_requests_without_tls(with_dlq):
    policies = with_dlq.resources("aws_sqs_queue_policy").values()
    assert len(policies) == 2
    for policy in policies:
        [statement] = json.loads(policy["policy"])["Statement"]
        assert statement["Effect"] == "Deny" and statement["Principal"] == "*"
        assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_grant_send_and_grant_consume_name_exact_actions_on_the_queue_only(with_dlq):
    arn = with_dlq.ref("aws_sqs_queue", with_dlq.by_path("aws_sqs_queue", "jobs/queue"), "arn")
    [send] = statements(with_dlq, "sender-policy")
    [consume] = statements(with_dlq, "consumer-policy")
    assert send["Action"] == ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    assert "sqs:ReceiveMessage" not in send["Action"] and "sqs:SendMessage" not in consume["Action"]
    assert consume["Action"] == ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                                 "sqs:GetQueueAttributes", "sqs:GetQueueUrl"]
    assert send["Resource"] == consume["Resource"] == arn


def test_a_queue_without_dead_letter_options_has_no_dlq_or_redrive():
    stack = project_stack()
    Queue(stack, "plain", options=QueueOptions(name="plain"))
    synth = synth_stack(stack)
    assert synth.count("aws_sqs_queue") == 1 and synth.count("aws_sqs_queue_redrive_allow_policy") == 0
    assert "redrive_policy" not in synth.one("aws_sqs_queue")


def test_kms_option_encrypts_with_the_key_and_grants_use_it_through_sqs_only():
    stack = project_stack()
    key = KmsKey(stack, "key", purpose="queues", description="queues", service_principals=("sqs",))
    queue = Queue(stack, "jobs", options=QueueOptions(name="jobs", kms=True), kms_key=key)
    queue.grant_send(Role(stack, "sender"))
    synth = synth_stack(stack)
    sqs = synth.one("aws_sqs_queue")
    assert sqs["kms_master_key_id"] == synth.ref("aws_kms_key", synth.by_path("aws_kms_key", "key/key"), "arn")
    assert "sqs_managed_sse_enabled" not in sqs
    key_statement = statements(synth, "sender-policy")[1]
    assert key_statement["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert key_statement["Condition"] == {"StringEquals": {"kms:ViaService": "sqs.ap-northeast-2.amazonaws.com"}}


@pytest.mark.parametrize("options, field, phrase", [
    (QueueOptions(name="q", dead_letter=DeadLetterOptions(max_receive_count=0)), "queues.q.dead_letter.max_receive_count",
     "1 to 1000"),
    (QueueOptions(name="q", visibility_timeout_seconds=43201), "queues.q.visibility_timeout_seconds", "0 to 43200"),
    (QueueOptions(name="q", retention_seconds=59), "queues.q.retention_seconds", "60 to 1209600"),
    (QueueOptions(name="q", receive_wait_seconds=21), "queues.q.receive_wait_seconds", "0 to 20"),
    (QueueOptions(name="q", retention_seconds=1209600, dead_letter=DeadLetterOptions(retention_seconds=86400)),
     "queues.q.dead_letter.retention_seconds", "shorter than the queue's retention"),
    (QueueOptions(name="Q_1"), "queues.Q_1.name", "lowercase"),
])
def test_values_outside_sqs_limits_are_refused_with_the_field(options, field, phrase):
    with pytest.raises(ConfigError) as caught:
        Queue(project_stack(), "q", options=options)
    assert caught.value.field == field and phrase in str(caught.value) and caught.value.fix


def test_consumer_problem_compares_visibility_with_the_function_timeout():
    assert consumer_problem(QueueOptions(name="q", visibility_timeout_seconds=300), 300) is None
    assert "below the timeout" in consumer_problem(QueueOptions(name="q", visibility_timeout_seconds=299), 300)
