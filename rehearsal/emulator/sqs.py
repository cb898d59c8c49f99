"""SQS: SetQueueAttributes keeps the policy; RedriveAllowPolicy is readable; RedrivePolicy is compact JSON.

Two of the patches replace ``Queue.attributes``: the registry installs the redrive allow policy's first,
the compact redrive policy's over it (and undoes them in reverse)."""

from __future__ import annotations

import json

from rehearsal.emulator.core import Patch, Replace, constant

QUEUE = "moto.sqs.models:Queue"


def _set_attributes_keeping_the_policy(set_attributes):
    def _set_attributes(self, attributes, now=None):
        kept = getattr(self, "policy", None)
        set_attributes(self, attributes, now)
        if "Policy" not in attributes:
            self.policy = kept  # moto clears it on every SetQueueAttributes that does not name it

    return _set_attributes


def _probe_policy_kept(session) -> bool:
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
    probe=_probe_policy_kept,
    replaces=(Replace(QUEUE, "_set_attributes", _set_attributes_keeping_the_policy),),
)


def _attributes_with_redrive_allow(attributes):
    def with_redrive_allow(self):
        result = attributes.fget(self)
        if not result.get("RedriveAllowPolicy"):  # never set, or removed by setting it to ""
            result.pop("RedriveAllowPolicy", None)
        return result

    return property(with_redrive_allow)


def _probe_redrive_allow_policy(session) -> bool:
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
    probe=_probe_redrive_allow_policy,
    replaces=(
        Replace(QUEUE, "BASE_ATTRIBUTES", lambda names: [*names, "RedriveAllowPolicy"]),
        Replace(QUEUE, "redrive_allow_policy", constant(None)),
        Replace(QUEUE, "attributes", _attributes_with_redrive_allow),
    ),
)


def _compact_redrive_policy(attributes):
    def compact(self):
        result = attributes.fget(self)
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    return property(compact)


def _probe_compact_redrive_policy(session) -> bool:
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
    probe=_probe_compact_redrive_policy,
    replaces=(Replace(QUEUE, "attributes", _compact_redrive_policy),),
)
