"""The stacks' S3 backend block, with and without the native lock file."""

from __future__ import annotations

from environments import load
from tests.support import synth_settings, with_changes


def test_backend_locks_through_dynamodb_only_by_default(dev):
    backend = dev.doc["terraform"]["backend"]["s3"]
    assert backend["dynamodb_table"] == "codemate-terraform-locks"
    assert "use_lockfile" not in backend


def test_native_state_lock_adds_the_lock_file_beside_dynamodb():
    # GIVEN dev in the middle of the migration WHEN synthesized
    backend = synth_settings(with_changes(load("dev"), native_state_lock=True)).doc["terraform"]["backend"]["s3"]
    # THEN Terraform takes both locks
    assert backend["use_lockfile"] is True
    assert backend["dynamodb_table"] == "codemate-terraform-locks"
    assert "use_legacy_workflow" not in backend
