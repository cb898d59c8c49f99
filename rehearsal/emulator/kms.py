"""KMS: a key keeps its rotation period."""

from __future__ import annotations

import json

from rehearsal.emulator.core import Patch, Replace

RESPONSE = "moto.kms.responses:KmsResponse"


def _enable_key_rotation(enable):
    def enable_key_rotation(self):
        answer = enable(self)
        key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
        key.rehearsal_rotation_period_in_days = self._get_param("RotationPeriodInDays") or 365
        return answer

    return enable_key_rotation


def _get_key_rotation_status(status):
    def get_key_rotation_status(self):
        answer = json.loads(status(self))
        key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
        if answer.get("KeyRotationEnabled"):
            answer["RotationPeriodInDays"] = getattr(key, "rehearsal_rotation_period_in_days", 365)
        return json.dumps(answer)

    return get_key_rotation_status


def _probe_rotation_period(session) -> bool:
    client = session.client("kms")
    key = client.create_key()["KeyMetadata"]["KeyId"]
    client.enable_key_rotation(KeyId=key, RotationPeriodInDays=180)
    return client.get_key_rotation_status(KeyId=key).get("RotationPeriodInDays") != 180


KMS_ROTATION_PERIOD = Patch(
    name="kms-rotation-period",
    moto="EnableKeyRotation ignores RotationPeriodInDays and GetKeyRotationStatus never returns it",
    aws="EnableKeyRotation takes RotationPeriodInDays (90-2560, default 365) and GetKeyRotationStatus "
        "returns it while rotation is enabled",
    reference="https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyRotationStatus.html",
    probe=_probe_rotation_period,
    replaces=(
        Replace(RESPONSE, "enable_key_rotation", _enable_key_rotation),
        Replace(RESPONSE, "get_key_rotation_status", _get_key_rotation_status),
    ),
)
