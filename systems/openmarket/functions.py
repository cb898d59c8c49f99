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
from systems.openmarket.settings import DATA_FUNCTIONS

REPORTS_PREFIX = "reports/"
"""Where ``report-generator`` writes its reports in the uploads bucket (outside the image prefix,
so a report never triggers ``image-processor``)."""
FOURTEEN_DAYS = 14 * 24 * 3600


def data_environment(stack) -> dict[str, str]:
    """What ``report-generator`` and ``data-sync`` are told about Aurora and Redis (no secret values:
    the ARNs of the secrets they read at run time)."""
    db, cache = stack.database, stack.cache
    return {"DATABASE_HOST": db.endpoint_address, "DATABASE_READER_HOST": db.reader_endpoint_address,
            "DATABASE_PORT": str(db.port), "DATABASE_SECRET_ARN": db.master_user_secret_arn,
            "REDIS_HOST": cache.primary_endpoint_address, "REDIS_PORT": str(cache.port), "REDIS_TLS": "true",
            "REDIS_AUTH_SECRET_ARN": cache.auth_token_secret_arn}


def add_functions(stack, settings) -> None:
    """The four functions, each with its trigger; ``report-generator`` and ``data-sync`` in the private
    subnets, admitted by Aurora (3306) and Redis (6379) by group and reading their secrets."""
    options = {f.name: f for f in settings.functions}
    data = data_environment(stack)
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
            stack, "fn-report-generator", options=options["report-generator"], dead_letter_queue=dlq, vpc=stack.vpc,
            environment={"UPLOADS_BUCKET": uploads.uploads_bucket_name, "REPORTS_PREFIX": REPORTS_PREFIX, **data}),
        "data-sync": Function(
            stack, "fn-data-sync", options=options["data-sync"], dead_letter_queue=dlq, vpc=stack.vpc,
            environment=data),
    }
    fn = stack.functions
    for name in DATA_FUNCTIONS:
        stack.database.allow_default_port_from(fn[name].security_group, f"MySQL from {name}")
        stack.cache.allow_default_port_from(fn[name].security_group, f"Redis from {name}")
        stack.database.grant_read_master_secret(fn[name])
        stack.cache.grant_read_auth_token(fn[name])
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
