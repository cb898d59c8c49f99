"""UniSync's ``canvas-sync`` function and its message flows (document 002): the function in the private
subnets with its dead-letter queue, the calls between services (and from the function) as
security-group rules, each queue's senders and consumers as grants (or a queue event source when
the function consumes).

Built into the stack's scope (construct IDs ``fn-canvas-sync``, ``queue-canvas-sync-failures``,
``canvas-sync-<queue>`` are Terraform addresses): ``add_messaging(stack, settings)`` sets
``stack.canvas_sync`` and ``stack.failures``; the queues (``stack.queues``) exist before the services.
"""

from __future__ import annotations

from modules.messaging.options import QueueOptions
from modules.messaging.queue import Queue
from modules.serverless.event_sources import QueueEventSource, ScheduleSource
from modules.serverless.function import Function
from systems.unisync.settings import FUNCTION

FAILURES_QUEUE = QueueOptions(name="canvas-sync-failures", retention_seconds=1209600, max_message_age_seconds=86400)
"""Where a failed asynchronous run of canvas-sync lands after its retries (the function's DLQ)."""


def variable(name: str, suffix: str) -> str:
    """``assignment-events`` + ``QUEUE_URL`` -> ``ASSIGNMENT_EVENTS_QUEUE_URL``."""
    return f"{name.replace('-', '_').upper()}_{suffix}"


def add_messaging(stack, settings) -> None:
    by_name = {s.name: s for s in settings.services}
    # -- the function -------------------------------------------------------------------------
    stack.failures = Queue(stack, "queue-canvas-sync-failures", options=FAILURES_QUEUE)
    user = by_name["user-service"]
    stack.canvas_sync = Function(
        stack, "fn-canvas-sync", options=settings.canvas_sync, vpc=stack.vpc, dead_letter_queue=stack.failures,
        environment={
            "USER_SERVICE_URL": stack.service_url(user),
            "CANVAS_API_BASE_URL": settings.canvas_api_base_url,
            "CANVAS_TOKEN_SECRET_ARN": stack.secrets.secret_arns["canvas"],
            **{variable(f.queue, "QUEUE_URL"): stack.queues[f.queue].queue_url
               for f in settings.flows if FUNCTION in f.senders},
        },
    )
    stack.secrets.grant_read(stack.canvas_sync, "canvas")
    if settings.canvas_sync.runtime != "python3.11":
        stack.notes.append(f"function canvas-sync: {settings.canvas_sync.runtime} — the document's python3.11 was "
                           "deprecated on 2026-06-30 (no security patches; creation blocked after): the newest Python "
                           "the pinned provider accepts")
    if settings.canvas_sync_schedule is not None:
        ScheduleSource(stack, "canvas-sync-schedule", function=stack.canvas_sync,
                       options=settings.canvas_sync_schedule)

    # -- who calls whom, who sends and consumes what ------------------------------------------
    for caller, callees in settings.calls.items():
        group = stack.canvas_sync.security_group if caller == FUNCTION else stack.service_groups[caller]
        for callee in callees:
            group.allow_to(stack.service_groups[callee], by_name[callee].port, f"From {caller}")
    party = {FUNCTION: stack.canvas_sync, **stack.services}
    for flow in settings.flows:
        for sender in flow.senders:
            stack.queues[flow.queue].grant_send(party[sender])
        for consumer in flow.consumers:
            if consumer == FUNCTION:  # Lambda polls the queue for the function (and grants consume)
                QueueEventSource(stack, f"canvas-sync-{flow.queue}", function=stack.canvas_sync,
                                 queue=stack.queues[flow.queue])
            else:
                stack.queues[flow.queue].grant_consume(party[consumer])
