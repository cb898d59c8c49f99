"""OpenMarket's four functions and what triggers each (document 003): an object created under the
uploads bucket's image prefix, an ``order.created`` event on the environment's bus, two schedules.

Built into the stack's scope (the construct IDs ``fn-<name>``, ``function-dlq``, ``order-created``, ...
are Terraform addresses): ``add_functions(stack, settings)`` sets ``stack.functions``,
``stack.dead_letter_queue`` and ``stack.event_bus``.
"""

from __future__ import annotations

from modules.messaging.event_bus import EventBus
from modules.messaging.options import QueueOptions
from modules.messaging.queue import Queue
from modules.serverless.event_sources import BucketNotifications, EventRuleSource, ObjectCreatedTrigger, ScheduleSource
from modules.serverless.function import Function

REPORTS_PREFIX = "reports/"
"""Where ``report-generator`` writes its reports in the uploads bucket (outside the image prefix,
so a report never triggers ``image-processor``)."""
FOURTEEN_DAYS = 14 * 24 * 3600


def add_functions(stack, settings) -> None:
    """The four functions, outside the VPC (the data tier admits only the nodes), each with its trigger."""
    options = {f.name: f for f in settings.functions}
    uploads = stack.buckets
    # Every trigger invokes asynchronously: an event that still fails after Lambda's retries
    # lands here (kept 14 days) instead of being dropped.
    stack.dead_letter_queue = Queue(stack, "function-dlq", options=QueueOptions(
        name="function-dlq", retention_seconds=FOURTEEN_DAYS))
    dlq = stack.dead_letter_queue
    stack.functions = {
        "image-processor": Function(
            stack, "fn-image-processor", options=options["image-processor"], dead_letter_queue=dlq,
            environment={"UPLOADS_BUCKET": uploads.uploads_bucket_name,
                         "IMAGE_PREFIX": settings.uploads.image_prefix}),
        "order-notification": Function(
            stack, "fn-order-notification", options=options["order-notification"], dead_letter_queue=dlq),
        "report-generator": Function(
            stack, "fn-report-generator", options=options["report-generator"], dead_letter_queue=dlq,
            environment={"UPLOADS_BUCKET": uploads.uploads_bucket_name, "REPORTS_PREFIX": REPORTS_PREFIX}),
        "data-sync": Function(
            stack, "fn-data-sync", options=options["data-sync"], dead_letter_queue=dlq),
    }
    fn = stack.functions
    runtimes = sorted({o.runtime for o in settings.functions})
    if all(r.startswith("nodejs") and r != "nodejs18.x" for r in runtimes):
        stack.notes.append(f"functions: {', '.join(runtimes)} — the document's Node.js 18 is deprecated and AWS "
                          "no longer lets you create functions on it")
    uploads.grant_read_write(fn["image-processor"])
    uploads.grant_read_write(fn["report-generator"])
    BucketNotifications(stack, "uploads-notifications", bucket=uploads.uploads, triggers=[
        ObjectCreatedTrigger(fn["image-processor"], prefix=settings.uploads.image_prefix)])
    stack.event_bus = EventBus(stack, "event-bus")
    EventRuleSource(
        stack, "order-created", function=fn["order-notification"], event_bus=stack.event_bus, name="order-created",
        event_pattern={"source": [settings.order_event_source],
                       "detail-type": [settings.order_created_detail_type]},
        description=f"{settings.order_created_detail_type} from {settings.order_event_source} -> order-notification",
    )
    ScheduleSource(stack, "report-schedule", function=fn["report-generator"], options=settings.report_schedule)
    ScheduleSource(stack, "data-sync-schedule", function=fn["data-sync"], options=settings.data_sync_schedule)
