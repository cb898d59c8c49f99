"""An SQS queue, encrypted, TLS-only, with an optional dead-letter queue: ``queue.grant_send(fn)``.

* Encryption: SSE-SQS (SQS-managed keys) by default; with ``kms_key`` the queue (and its
  dead-letter queue) use that customer-managed key, and every grant adds the key's
  ``kms:GenerateDataKey``/``kms:Decrypt`` through SQS only.
* Dead-letter queue (``options.dead_letter``): ``<project>-<name>-dlq-<env>``, the source queue's
  ``redrive_policy`` names it with ``maxReceiveCount``, and its redrive *allow* policy admits only
  that source queue (``byQueue``).
* Queue policies: each queue refuses every request without TLS (``aws:SecureTransport`` false).
  Access is granted to roles by IAM (``grant_send``, ``grant_consume``), not by the queue policy.

Construct IDs: ``queue``, ``policy``, ``dlq``, ``dlq-policy``, ``dlq-allow``.
"""

from __future__ import annotations

import json

from modules.errors import ConfigError
from modules.framework import Construct, aws
from modules.iam.grants import Grantee, sid
from modules.iam.policy import allow
from modules.messaging.options import QueueOptions, queue_problems
from modules.naming import NameKind
from modules.security.kms import KmsKey
from modules.stack import ProjectStack

SEND_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
CONSUME_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                   "sqs:GetQueueAttributes", "sqs:GetQueueUrl")


def tls_only_policy(queue_arn: str) -> str:
    """A queue policy that denies every SQS action without TLS."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyWithoutTls", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
        "Resource": queue_arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }]})


class Queue(Construct):
    """Attributes: ``options``, ``queue``, ``queue_name``, ``queue_arn``, ``queue_url``,
    ``dead_letter_queue`` / ``dlq_name`` / ``dlq_arn`` (``None`` without one), ``kms_key``."""

    def __init__(self, scope: Construct, id: str, *, options: QueueOptions, kms_key: KmsKey | None = None) -> None:
        """
        :param options: validated here (a wrong value raises ``ConfigError`` naming ``queues.<name>.<field>``).
        :param kms_key: required when ``options.kms``; defaults to none: SSE-SQS.
        """
        super().__init__(scope, id)
        stack = ProjectStack.of(self)
        naming = stack.naming
        for field, value, problem, fix in queue_problems(options):
            raise ConfigError(stack.environment, f"queues.{options.name}.{field}", value, problem, fix)
        if options.kms and kms_key is None:
            raise ValueError(f"queue {options.name}: options.kms needs a kms_key")
        self.options = options
        self.kms_key = kms_key if options.kms else None
        encryption = ({"kms_master_key_id": self.kms_key.key_arn, "kms_data_key_reuse_period_seconds": 300}
                      if self.kms_key else {"sqs_managed_sse_enabled": True})

        self.dead_letter_queue = None
        self.dlq_name: str | None = None
        self.dlq_arn: str | None = None
        redrive = None
        if options.dead_letter is not None:
            self.dlq_name = naming(options.name, "dlq", kind=NameKind.SQS_QUEUE)
            self.dead_letter_queue = aws.sqs_queue.SqsQueue(
                self, "dlq", name=self.dlq_name, message_retention_seconds=options.dead_letter.retention_seconds,
                tags=naming.tag(options.name, "dlq"), **encryption,
            )
            self.dlq_arn = self.dead_letter_queue.arn
            aws.sqs_queue_policy.SqsQueuePolicy(self, "dlq-policy", queue_url=self.dead_letter_queue.url,
                                                policy=tls_only_policy(self.dlq_arn))
            redrive = json.dumps({"deadLetterTargetArn": self.dlq_arn,
                                  "maxReceiveCount": options.dead_letter.max_receive_count})

        self.queue_name = naming(options.name, kind=NameKind.SQS_QUEUE)
        self.queue = aws.sqs_queue.SqsQueue(
            self, "queue", name=self.queue_name, visibility_timeout_seconds=options.visibility_timeout_seconds,
            message_retention_seconds=options.retention_seconds, delay_seconds=options.delay_seconds,
            receive_wait_time_seconds=options.receive_wait_seconds, redrive_policy=redrive,
            tags=naming.tag(options.name), **encryption,
        )
        self.queue_arn: str = self.queue.arn
        self.queue_url: str = self.queue.url
        aws.sqs_queue_policy.SqsQueuePolicy(self, "policy", queue_url=self.queue_url,
                                            policy=tls_only_policy(self.queue_arn))
        if self.dead_letter_queue is not None:
            # Only this queue may use the dead-letter queue as its target.
            aws.sqs_queue_redrive_allow_policy.SqsQueueRedriveAllowPolicy(
                self, "dlq-allow", queue_url=self.dead_letter_queue.url,
                redrive_allow_policy=json.dumps({"redrivePermission": "byQueue",
                                                 "sourceQueueArns": [self.queue_arn]}),
            )

    @property
    def visibility_timeout_seconds(self) -> int:
        return self.options.visibility_timeout_seconds

    def grant_send(self, grantee: Grantee) -> None:
        """Let ``grantee`` send messages to the queue (and use its key through SQS)."""
        self._grant(grantee, "send", SEND_ACTIONS, ("kms:GenerateDataKey", "kms:Decrypt"))

    def grant_consume(self, grantee: Grantee) -> None:
        """Let ``grantee`` receive, delete and extend the visibility of the queue's messages."""
        self._grant(grantee, "consume", CONSUME_ACTIONS, ("kms:Decrypt",))

    def grant_send_to_dead_letter(self, grantee: Grantee) -> None:
        """Let ``grantee`` send to the dead-letter queue (e.g. a function's async on-failure destination)."""
        if self.dead_letter_queue is None:
            raise ValueError(f"queue {self.options.name} has no dead-letter queue")
        self._grant(grantee, "send", SEND_ACTIONS, ("kms:GenerateDataKey", "kms:Decrypt"), dead_letter=True)

    def _grant(self, grantee: Grantee, verb: str, actions: tuple[str, ...], key_actions: tuple[str, ...],
               *, dead_letter: bool = False) -> None:
        name = f"{self.options.name}-dlq" if dead_letter else self.options.name
        statements = [allow(sid(name, verb), list(actions), self.dlq_arn if dead_letter else self.queue_arn)]
        if self.kms_key is not None:
            statements.append(allow(
                sid(name, verb, "key"), list(key_actions), self.kms_key.key_arn,
                condition={"StringEquals": {"kms:ViaService": f"sqs.{self.kms_key.region}.amazonaws.com"}},
            ))
        grantee.add_to_role_policy(*statements)
