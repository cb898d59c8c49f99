"""The pieces of the fault rehearsal on their own (no Terraform, no server): the fault plan as WSGI
middleware, and the recovery steps read from Terraform's ``-json`` messages. The faults with the real
Terraform are tests/rehearsal/test_faults.py (``make rehearse``)."""

from __future__ import annotations

import io
import json

import pytest

from rehearsal.faults import Fault, FaultPlan, operation_of
from rehearsal.recovery import already_existing, import_steps, unlock_hint


def call(plan: FaultPlan, target: str = "", query: str = "", body: bytes = b"{}") -> tuple[str, dict, bytes]:
    reached = []

    def app(environ, start_response):
        reached.append(operation_of(environ))
        start_response("200 OK", [("Content-Type", "application/json")])
        return [b'{"ok": true}']

    answer: dict = {}

    def start_response(status, headers):
        answer.update(status=status, headers=dict(headers))

    environ = {"HTTP_X_AMZ_TARGET": target, "QUERY_STRING": query, "CONTENT_LENGTH": str(len(body)),
               "wsgi.input": io.BytesIO(body)}
    payload = b"".join(plan(app)(environ, start_response))
    return answer["status"], answer["headers"], payload if not reached else b"reached"


def test_the_first_calls_are_throttled_then_the_api_answers():
    plan = FaultPlan(Fault("PutParameter", "throttle", times=2))
    first = call(plan, "AmazonSSM.PutParameter")
    assert first[0] == "400 Bad Request" and first[1]["x-amzn-ErrorType"] == "ThrottlingException"
    assert json.loads(first[2]) == {"__type": "ThrottlingException", "message": "Rate exceeded"}
    assert call(plan, "AmazonSSM.PutParameter")[0] == "400 Bad Request"
    assert call(plan, "AmazonSSM.PutParameter") == ("200 OK", {"Content-Type": "application/json"}, b"reached")
    assert plan.injected == {("PutParameter", "throttle"): 2} and plan.calls["PutParameter"] == 3


def test_unavailable_is_a_503_and_other_operations_pass():
    plan = FaultPlan(Fault("CreateLogGroup", "unavailable", times=1))
    assert call(plan, "Logs_20140328.DescribeLogGroups")[2] == b"reached"
    status, headers, _ = call(plan, "Logs_20140328.CreateLogGroup")
    assert status == "503 Service Unavailable" and headers["x-amzn-ErrorType"] == "ServiceUnavailable"


def test_the_query_protocols_action_is_matched_too():
    plan = FaultPlan(Fault("CreateQueue", "throttle", times=1))
    assert call(plan, query="Action=CreateQueue&QueueName=q")[0] == "400 Bad Request"


def test_an_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError, match="fault kind 'flaky'"):
        Fault("PutParameter", "flaky")


def diagnostic(address: str, summary: str) -> dict:
    return {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": summary, "detail": "",
                                                 "address": address}}


MESSAGES = [
    diagnostic("aws_ssm_parameter.p0", "creating SSM Parameter (/faults/p0): ... ParameterAlreadyExists: The "
                                       "parameter already exists."),
    diagnostic("aws_cloudwatch_log_group.g1", "creating CloudWatch Logs Log Group (/faults/g1): ... "
                                              "ResourceAlreadyExistsException: The specified log group already exists"),
    diagnostic("aws_security_group.sg", "creating Security Group (web): InvalidGroup.Duplicate: already exists"),
    diagnostic("aws_ssm_parameter.p2", "creating SSM Parameter (/faults/p2): ThrottlingException: Rate exceeded"),
    {"type": "apply_complete", "hook": {"action": "create"}},
]
DOCUMENT = {"resource": {
    "aws_ssm_parameter": {"p0": {"name": "/faults/p0"}, "p2": {"name": "/faults/p2"}},
    "aws_cloudwatch_log_group": {"g1": {"name": "/faults/g 1"}},
    "aws_security_group": {"sg": {"name": "web"}},
}}


def test_resources_that_already_exist_are_read_from_the_diagnostics():
    assert already_existing(MESSAGES) == ["aws_ssm_parameter.p0", "aws_cloudwatch_log_group.g1",
                                          "aws_security_group.sg"]


def test_each_gets_its_exact_import_step_with_the_id_from_the_configuration():
    assert import_steps(MESSAGES, DOCUMENT, "out/stacks/dev") == [
        "cd out/stacks/dev && terraform import -input=false aws_ssm_parameter.p0 /faults/p0",
        "cd out/stacks/dev && terraform import -input=false aws_cloudwatch_log_group.g1 '/faults/g 1'",
        "cd out/stacks/dev && terraform import -input=false aws_security_group.sg <ID> (the ID of aws_security_group: "
        "see the provider's import documentation)",
    ]


def test_the_unlock_hint_names_the_lock_and_the_step():
    output = "Error: Error acquiring the state lock\n\nLock Info:\n  ID:        abc-123\n  Path: b/k\n"
    assert unlock_hint(output, "w") == ("fix, once the run holding lock abc-123 is known to be gone: cd w && "
                                        "terraform init -input=false && terraform force-unlock -force abc-123")
    assert unlock_hint("Error: Invalid resource", "w") is None
