"""docs/serverless.md's example is executed as written (examples are tested code)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.support import project_stack, synth_stack

DOC = Path(__file__).resolve().parents[3] / "docs" / "serverless.md"


def test_the_function_and_queue_example_synthesizes_what_the_doc_says():
    # GIVEN the first python block of the doc and a bare ProjectStack named `stack`
    [example, *_] = re.findall(r"```python\n(.*?)\n```", DOC.read_text(), flags=re.S)
    stack = project_stack()
    # WHEN it runs
    exec(compile(example, str(DOC), "exec"), {"stack": stack})
    synth = synth_stack(stack)
    # THEN two queues and a DLQ, the function with its log group, and a role that may only do what was granted
    assert sorted(q["name"] for q in synth.resources("aws_sqs_queue").values()) == [
        "shop-jobs-dev", "shop-jobs-dlq-dev", "shop-results-dev"]
    assert synth.one("aws_lambda_function")["function_name"] == "shop-worker-dev"
    assert synth.one("aws_cloudwatch_log_group")["name"] == "/aws/lambda/shop-worker-dev"
    statements = json.loads(synth.by_path("aws_iam_role_policy", "fn-worker/policy")["policy"])["Statement"]
    assert [s["Sid"] for s in statements] == ["WriteLogs", "JobsConsume", "ResultsSend"]
    assert synth.one("aws_lambda_event_source_mapping")["function_response_types"] == ["ReportBatchItemFailures"]
