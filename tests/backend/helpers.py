"""Helpers of the state-backend tests: recorded calls, simulated denials and races."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders

from backend.bootstrap import BackendSpec, Clients, Mode, Report, run


@dataclass
class Calls:
    """Operation names the bootstrap's clients sent, in order, with their parameters."""

    made: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.made]

    def params(self, name: str) -> list[dict]:
        return [params for made, params in self.made if made == name]


def deny(client, operation: str, code: str = "AccessDenied", status: int = 403) -> None:
    """Make ``client`` fail ``operation`` the way AWS does when IAM denies it."""
    service = client.meta.service_model.service_id.hyphenize()

    def refuse(**_):
        response = AWSResponse("https://aws.invalid", status, HTTPHeaders(), None)
        return response, {"Error": {"Code": code, "Message": "Access Denied"}, "ResponseMetadata": {}}

    client.meta.events.register(f"before-call.{service}.{operation}", refuse)


def before(client, operation: str, action: Callable[[], None]) -> None:
    """Run ``action`` once, just before ``client`` sends ``operation`` (a concurrent run, say)."""
    done = []
    service = client.meta.service_model.service_id.hyphenize()

    def hook(**_):
        if not done:
            done.append(True)
            action()

    client.meta.events.register(f"before-call.{service}.{operation}", hook)


def bootstrap(spec: BackendSpec, clients: Clients, mode: Mode = Mode.APPLY) -> Report:
    return run(spec, clients, mode, emit=lambda line: None)


def lines(report: Report, status=None) -> list[str]:
    return [str(line) for line in report.lines if status is None or line.status is status]
