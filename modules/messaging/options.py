"""Options of the messaging constructs (SQS queues), beside them; no framework import."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# SQS's limits.
VISIBILITY_TIMEOUT_SECONDS = (0, 43200)
RETENTION_SECONDS = (60, 1209600)
DELAY_SECONDS = (0, 900)
RECEIVE_WAIT_SECONDS = (0, 20)
MAX_RECEIVE_COUNT = (1, 1000)
_QUEUE_NAME = re.compile(r"^[a-z](?:[a-z0-9-]*[a-z0-9])?$")


@dataclass(frozen=True, kw_only=True)
class DeadLetterOptions:
    """The dead-letter queue of a queue: where a message goes after ``max_receive_count`` failed receives."""

    max_receive_count: int = 3
    """Receives of a message before SQS moves it to the dead-letter queue (1-1000). Defaults to 3."""
    retention_seconds: int = 1209600
    """How long the dead-letter queue keeps a message (60 s - 14 days). Defaults to 14 days, the
    longest: time to inspect and redrive."""


@dataclass(frozen=True, kw_only=True)
class QueueOptions:
    """One standard SQS queue."""

    name: str
    """Short name, e.g. ``order-events``; the queue is ``<project>-<name>-<env>``."""
    visibility_timeout_seconds: int = 30
    """How long a received message stays hidden from other consumers (0-43200 s). When a function
    consumes the queue it must be at least the function's timeout (AWS recommends 6x).
    Defaults to SQS's 30."""
    retention_seconds: int = 345600
    """How long SQS keeps an unreceived message (60 s - 14 days). Defaults to SQS's 4 days."""
    delay_seconds: int = 0
    """Delay before a new message can be received (0-900 s). Defaults to none."""
    receive_wait_seconds: int = 20
    """Long polling: how long a receive waits for a message (0-20 s). Defaults to 20 (fewer,
    cheaper empty receives)."""
    kms: bool = False
    """Encrypt with the environment's customer-managed key (KMS requests are billed; senders and
    consumers need the key through SQS). Defaults to off: SSE-SQS, SQS-managed encryption."""
    dead_letter: DeadLetterOptions | None = None
    """A dead-letter queue ``<project>-<name>-dlq-<env>``. Defaults to none: a message that keeps
    failing is retried until ``retention_seconds`` and then lost."""
    max_message_age_seconds: int = 900
    """Age of the oldest message above which its alarm fires (consumers stalled). Defaults to 15 minutes."""


def queue_problems(options: QueueOptions) -> list[tuple[str, object, str, str]]:
    """Every ``(field, value, problem, fix)`` of ``options`` (field relative to the options)."""
    o, found = options, []

    def within(field: str, value: int, limits: tuple[int, int], what: str, fix: str) -> None:
        if not limits[0] <= value <= limits[1]:
            found.append((field, value, f"SQS accepts {what} of {limits[0]} to {limits[1]}", fix))

    if o.name.endswith(".fifo"):
        found.append(("name", o.name, "'.fifo' marks a FIFO queue; this construct builds standard queues, and "
                      "SQS refuses a standard queue named '*.fifo'", f"drop the suffix: '{o.name.removesuffix('.fifo')}'"))
    elif not _QUEUE_NAME.match(o.name) or len(o.name) > 60:
        found.append(("name", o.name, "use lowercase letters, digits and inner hyphens (at most 60)",
                      "e.g. 'order-events'"))
    within("visibility_timeout_seconds", o.visibility_timeout_seconds, VISIBILITY_TIMEOUT_SECONDS,
           "a visibility timeout", "choose 0 to 43200 seconds (12 hours)")
    within("retention_seconds", o.retention_seconds, RETENTION_SECONDS, "a retention",
           "choose 60 to 1209600 seconds (14 days)")
    within("delay_seconds", o.delay_seconds, DELAY_SECONDS, "a delay", "choose 0 to 900 seconds")
    within("receive_wait_seconds", o.receive_wait_seconds, RECEIVE_WAIT_SECONDS, "a receive wait",
           "choose 0 to 20 seconds")
    if o.dead_letter is not None:
        within("dead_letter.max_receive_count", o.dead_letter.max_receive_count, MAX_RECEIVE_COUNT,
               "a max receive count", "choose 1 to 1000 (e.g. 3)")
        within("dead_letter.retention_seconds", o.dead_letter.retention_seconds, RETENTION_SECONDS,
               "a retention", "choose 60 to 1209600 seconds (14 days)")
        if o.dead_letter.retention_seconds < o.retention_seconds:
            found.append(("dead_letter.retention_seconds", o.dead_letter.retention_seconds,
                          f"shorter than the queue's retention ({o.retention_seconds} s): SQS keeps a message's "
                          "original enqueue time, so it could expire in the dead-letter queue at once",
                          "make it at least the queue's retention (14 days is the longest)"))
    if o.max_message_age_seconds < 60:
        found.append(("max_message_age_seconds", o.max_message_age_seconds, "below the metric's 1-minute period",
                      "choose 60 seconds or more"))
    return found


def consumer_problem(options: QueueOptions, function_timeout_seconds: int) -> str | None:
    """Why a function with this timeout must not consume the queue; ``None`` if it may (AWS refuses an
    SQS event source mapping whose queue's visibility timeout is below the function's timeout, and
    recommends 6x the timeout)."""
    if options.visibility_timeout_seconds < function_timeout_seconds:
        return (f"below the timeout of its consuming function ({function_timeout_seconds} s): a message still "
                "being processed would be received again, and Lambda refuses the event source mapping")
    return None


RECOMMENDED_VISIBILITY_FACTOR = 6
"""AWS's recommendation for a queue a function consumes: visibility timeout = 6 x the function's timeout."""
