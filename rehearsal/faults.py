"""Faults injected into the emulator, to rehearse what AWS does on a bad day.

A :class:`FaultPlan` is a WSGI middleware for :class:`rehearsal.emulator.Emulator` (``wrap=plan``):
each :class:`Fault` names an API operation (``PutParameter``, ``CreateLogGroup``, matched on the
``X-Amz-Target`` header of the JSON protocols or the ``Action`` of the query protocol) and what happens
to its first ``times`` calls:

* ``throttle``: ``400 ThrottlingException: Rate exceeded``, as AWS answers a caller over its rate;
* ``unavailable``: ``503 ServiceUnavailable``, as a service that is briefly down;
* ``slow``: the call is answered normally after ``delay`` seconds (a slow API), which makes "kill it
  halfway" a deterministic point of an apply.

The SDK in the provider retries throttling and 5xx answers with backoff (``max_retries``, 25 by default
in hashicorp/aws 5.x); :attr:`FaultPlan.injected` counts what was injected, so a test can prove the
faults really happened. Calls after the first ``times`` reach the emulator unchanged.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from urllib.parse import parse_qs

KINDS = ("throttle", "unavailable", "slow")


@dataclass(frozen=True)
class Fault:
    operation: str
    """The API operation, e.g. ``PutParameter``, ``CreateLogGroup``, ``DeleteParameter``."""
    kind: str = "throttle"
    times: int = 1
    """How many of the first calls get the fault (``slow``: how many are slowed)."""
    delay: float = 0.0
    """``slow`` only: seconds before the answer."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"fault kind {self.kind!r}: use one of {', '.join(KINDS)}")


def operation_of(environ: dict) -> str:
    """The operation of a request: ``X-Amz-Target`` (``AmazonSSM.PutParameter``) or the query ``Action``."""
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rpartition(".")[2]
    return parse_qs(environ.get("QUERY_STRING", "")).get("Action", [""])[0]


class FaultPlan:
    """The faults of one emulator, and the count of those injected (``injected[("PutParameter",
    "throttle")]``). Use it as ``Emulator(wrap=plan)``."""

    def __init__(self, *faults: Fault) -> None:
        self.faults = faults
        self.injected: Counter = Counter()
        self.calls: Counter = Counter()
        self._lock = threading.Lock()

    def __call__(self, app):
        def middleware(environ, start_response):
            operation = operation_of(environ)
            fault = self._take(operation)
            if fault is None:
                return app(environ, start_response)
            if fault.kind == "slow":
                time.sleep(fault.delay)
                return app(environ, start_response)
            length = int(environ.get("CONTENT_LENGTH") or 0)
            if length:
                environ["wsgi.input"].read(length)  # the request is refused whole, as AWS would
            code, status = (("ThrottlingException", "400 Bad Request") if fault.kind == "throttle"
                            else ("ServiceUnavailable", "503 Service Unavailable"))
            message = "Rate exceeded" if fault.kind == "throttle" else "Service is unavailable, try again"
            payload = json.dumps({"__type": code, "message": message}).encode()
            start_response(status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code),
                                    ("x-amzn-RequestId", str(uuid.uuid4())), ("Content-Length", str(len(payload)))])
            return [payload]

        return middleware

    def _take(self, operation: str) -> Fault | None:
        with self._lock:
            self.calls[operation] += 1
            for fault in self.faults:
                if fault.operation == operation and self.injected[(operation, fault.kind)] < fault.times:
                    self.injected[(operation, fault.kind)] += 1
                    return fault
        return None
