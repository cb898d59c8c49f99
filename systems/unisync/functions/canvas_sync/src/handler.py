"""canvas-sync: copy the assignments and submissions of linked Canvas courses onto UniSync's queues.

Invoked by a schedule (or by hand with ``{"course_ids": [...]}``). For each course it reads the
Canvas REST API (``GET <CANVAS_API_BASE_URL>/courses/<id>/assignments`` and ``.../students/submissions``,
the base URL being the API's, ``https://canvas.instructure.com/api/v1``) with
the API token from Secrets Manager, and sends one message per item to ``assignment-events`` and
``submission-events`` (``SendMessageBatch``, 10 at a time). Without ``course_ids`` in the event it
asks the user service which courses users have linked (``GET <USER_SERVICE_URL>/internal/canvas/courses``).

Environment: ``USER_SERVICE_URL``, ``CANVAS_API_BASE_URL``, ``CANVAS_TOKEN_SECRET_ARN``,
``ASSIGNMENT_EVENTS_QUEUE_URL``, ``SUBMISSION_EVENTS_QUEUE_URL``. The document's handler is
``src.handler.lambda_handler`` in a zip built with ``pip install -r requirements.txt -t build/``
(x86_64 wheels); this code needs only the standard library and boto3 (part of the runtime).
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any, Callable, Iterable

BATCH = 10  # SendMessageBatch takes at most 10 entries
TIMEOUT_SECONDS = 20

HttpGet = Callable[[str, dict], Any]
"""``get(url, headers) -> parsed JSON``."""


def http_get(url: str, headers: dict) -> Any:
    request = urllib.request.Request(url, headers={"Accept": "application/json", **headers})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (https/http only)
        return json.loads(response.read().decode())


@dataclass
class Dependencies:
    """What the handler talks to; tests give fakes."""

    get: HttpGet
    sqs: Any
    canvas_token: str
    canvas_base_url: str
    user_service_url: str
    assignment_queue_url: str
    submission_queue_url: str

    @classmethod
    def from_environment(cls) -> "Dependencies":
        import boto3  # in the Lambda runtime

        token = boto3.client("secretsmanager").get_secret_value(
            SecretId=os.environ["CANVAS_TOKEN_SECRET_ARN"])["SecretString"]
        return cls(get=http_get, sqs=boto3.client("sqs"), canvas_token=token,
                   canvas_base_url=os.environ["CANVAS_API_BASE_URL"].rstrip("/"),
                   user_service_url=os.environ["USER_SERVICE_URL"].rstrip("/"),
                   assignment_queue_url=os.environ["ASSIGNMENT_EVENTS_QUEUE_URL"],
                   submission_queue_url=os.environ["SUBMISSION_EVENTS_QUEUE_URL"])


def assignment_message(course_id: int, assignment: dict) -> dict:
    return {"type": "assignment", "courseId": course_id, "assignmentId": assignment["id"],
            "name": assignment.get("name"), "dueAt": assignment.get("due_at"),
            "updatedAt": assignment.get("updated_at")}


def submission_message(course_id: int, submission: dict) -> dict:
    return {"type": "submission", "courseId": course_id, "assignmentId": submission["assignment_id"],
            "userId": submission["user_id"], "state": submission.get("workflow_state"),
            "submittedAt": submission.get("submitted_at")}


def send_all(sqs: Any, queue_url: str, messages: Iterable[dict]) -> int:
    """Send ``messages`` in batches of 10; raise if SQS refused any (the invocation is retried)."""
    messages, sent = list(messages), 0
    for start in range(0, len(messages), BATCH):
        batch = messages[start:start + BATCH]
        result = sqs.send_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "MessageBody": json.dumps(m, sort_keys=True)} for i, m in enumerate(batch)])
        if result.get("Failed"):
            raise RuntimeError(f"SQS refused {len(result['Failed'])} message(s): {result['Failed'][0].get('Message')}")
        sent += len(batch)
    return sent


def sync(event: dict, deps: Dependencies) -> dict:
    auth = {"Authorization": f"Bearer {deps.canvas_token}"}
    course_ids = event.get("course_ids")
    if course_ids is None:
        course_ids = deps.get(f"{deps.user_service_url}/internal/canvas/courses", {})
    counts = {"courses": 0, "assignments": 0, "submissions": 0}
    for course_id in course_ids:
        course = urllib.parse.quote(str(course_id))
        assignments = deps.get(f"{deps.canvas_base_url}/courses/{course}/assignments?per_page=100", auth)
        submissions = deps.get(f"{deps.canvas_base_url}/courses/{course}/students/submissions"
                               "?student_ids[]=all&per_page=100", auth)
        counts["assignments"] += send_all(deps.sqs, deps.assignment_queue_url,
                                          (assignment_message(course_id, a) for a in assignments))
        counts["submissions"] += send_all(deps.sqs, deps.submission_queue_url,
                                          (submission_message(course_id, s) for s in submissions))
        counts["courses"] += 1
    return counts


def handle(event: dict, context: Any, deps: Dependencies | None = None) -> dict:
    """The work of one invocation (``lambda_handler`` calls it; tests give fakes as ``deps``)."""
    return sync(event or {}, deps or Dependencies.from_environment())


def lambda_handler(event: dict, context: Any) -> dict:
    """The document's entry point (``--handler src.handler.lambda_handler``)."""
    return handle(event, context)
