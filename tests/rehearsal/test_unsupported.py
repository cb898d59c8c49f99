"""The reviewed list of resource types the emulator cannot create (rehearsal/unsupported.toml).

Like the checkov accepted list: an entry that no longer holds fails — its type is in no synthesized
stack, or the emulator now answers its probe (then rehearse the type instead of excusing it).
"""

from __future__ import annotations

import json

import pytest

from environments import ENVIRONMENT_NAMES
from rehearsal import runner
from rehearsal.emulator import Emulator
from rehearsal.runner import Unsupported
from tests.conftest import synthesized


@pytest.fixture(scope="module")
def emulator():
    with Emulator() as url:
        yield url


@pytest.fixture(scope="module")
def stack_types() -> set[str]:
    from tests.shared_synth import committed_output

    return runner.resource_types(json.loads(path.read_text())
                                 for path in (committed_output() / "stacks").glob("*/cdk.tf.json"))


def test_the_committed_list_has_no_stale_entry(emulator, stack_types):
    entries = runner.load_unsupported()
    assert runner.stale_unsupported(entries, emulator, stack_types) == []
    for entry in entries:
        assert entry.type.startswith("aws_") and len(entry.reason) > 30, entry


def test_an_entry_the_emulator_now_answers_is_stale(emulator, stack_types):
    entry = Unsupported("aws_s3_bucket", "pretend moto lacked S3", "s3", "list_buckets")
    (stale,) = runner.stale_unsupported([entry], emulator, stack_types)
    assert stale.startswith("aws_s3_bucket: the emulator now answers s3.list_buckets — remove the entry")


def test_an_entry_no_stack_uses_is_stale(emulator, stack_types):
    entry = Unsupported("aws_cloudfront_response_headers_policy", "moto has no response headers policies",
                        "cloudfront", "list_response_headers_policies")
    assert entry.type not in stack_types  # the default stacks have no CDN
    assert runner.stale_unsupported([entry], emulator, stack_types) == [
        "aws_cloudfront_response_headers_policy: no synthesized stack uses it — remove the entry"]


def test_an_entry_whose_gap_remains_is_kept(emulator, stack_types):
    # moto 5.2.5 has no CloudFront response headers policies (a stack with storage.cdn=True uses them)
    entry = Unsupported("aws_cloudfront_response_headers_policy", "moto has no response headers policies",
                        "cloudfront", "list_response_headers_policies")
    assert runner.stale_unsupported([entry], emulator, stack_types | {entry.type}) == []


def test_entries_load_with_their_probe(tmp_path):
    path = tmp_path / "unsupported.toml"
    path.write_text('[[unsupported]]\ntype = "aws_x"\nreason = "why"\nservice = "s3"\noperation = "get_bucket_acl"\n'
                    'parameters = { Bucket = "b" }\n')
    assert runner.load_unsupported(path) == [Unsupported("aws_x", "why", "s3", "get_bucket_acl", {"Bucket": "b"})]
