"""The canvas-sync function's handler itself (no AWS, no network: fakes for Canvas, the user service and SQS)."""

from __future__ import annotations

import json

import pytest

from systems.unisync.functions.canvas_sync.src import handler


class FakeSqs:
    def __init__(self, fail_on: str | None = None):
        self.batches: list[tuple[str, list[dict]]] = []
        self.fail_on = fail_on

    def send_message_batch(self, QueueUrl, Entries):
        self.batches.append((QueueUrl, [json.loads(e["MessageBody"]) for e in Entries]))
        failed = [{"Id": "0", "Message": "throttled"}] if QueueUrl == self.fail_on else []
        return {"Successful": [], "Failed": failed}


def deps(get, sqs):
    return handler.Dependencies(get=get, sqs=sqs, canvas_token="t0ken", canvas_base_url="https://canvas.test/api/v1",
                                user_service_url="http://user-service.dev.unisync.internal:8081",
                                assignment_queue_url="q-assign", submission_queue_url="q-submit")


def canvas(calls):
    def get(url, headers):
        calls.append((url, headers))
        if url.endswith("/internal/canvas/courses"):
            return [7]
        if "/assignments" in url:
            return [{"id": n, "name": f"hw{n}", "due_at": None, "updated_at": "2026-11-01T00:00:00Z"} for n in range(12)]
        return [{"assignment_id": 1, "user_id": 42, "workflow_state": "submitted", "submitted_at": "2026-11-02T00:00:00Z"}]
    return get


def test_courses_come_from_the_user_service_and_items_go_to_their_queues_in_batches_of_ten():
    calls, sqs = [], FakeSqs()
    result = handler.handle({}, None, deps(canvas(calls), sqs))
    assert result == {"courses": 1, "assignments": 12, "submissions": 1}
    assert calls[0] == ("http://user-service.dev.unisync.internal:8081/internal/canvas/courses", {})
    assert [(q, len(b)) for q, b in sqs.batches] == [("q-assign", 10), ("q-assign", 2), ("q-submit", 1)]
    assert sqs.batches[2][1] == [{"type": "submission", "courseId": 7, "assignmentId": 1, "userId": 42,
                                  "state": "submitted", "submittedAt": "2026-11-02T00:00:00Z"}]


def test_canvas_is_called_with_the_token_and_the_event_may_name_the_courses():
    calls = []
    handler.handle({"course_ids": [3]}, None, deps(canvas(calls), FakeSqs()))
    assert [url for url, _ in calls] == [
        "https://canvas.test/api/v1/courses/3/assignments?per_page=100",
        "https://canvas.test/api/v1/courses/3/students/submissions?student_ids[]=all&per_page=100"]
    assert all(h == {"Authorization": "Bearer t0ken"} for _, h in calls)


def test_a_refused_message_fails_the_invocation_so_it_is_retried():
    with pytest.raises(RuntimeError, match="SQS refused 1 message"):
        handler.handle({"course_ids": [3]}, None, deps(canvas([]), FakeSqs(fail_on="q-submit")))


def test_no_courses_sends_nothing():
    sqs = FakeSqs()
    assert handler.handle({"course_ids": []}, None, deps(canvas([]), sqs)) == {"courses": 0, "assignments": 0,
                                                                               "submissions": 0}
    assert sqs.batches == []
