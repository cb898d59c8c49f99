"""Application Auto Scaling: scalable targets are taggable."""

from __future__ import annotations

import json

from rehearsal.emulator.core import LAYER_LOCK, Patch, Replace, constant, store

RESPONSE = "moto.applicationautoscaling.responses:ApplicationAutoScalingResponse"
TAGS: dict[str, dict[str, str]] = store()  # scalable target ARN -> tags


def _register_scalable_target(register):
    def register_scalable_target(self):
        answer = register(self)
        arn = json.loads(answer)["ScalableTargetARN"]
        with LAYER_LOCK:
            TAGS.setdefault(arn, {}).update(self._get_param("Tags") or {})
        return answer

    return register_scalable_target


def list_tags_for_resource(self):
    arn = self._get_param("ResourceARN")
    with LAYER_LOCK:
        return json.dumps({"Tags": dict(TAGS.get(arn, {}))})


def tag_resource(self):
    with LAYER_LOCK:
        TAGS.setdefault(self._get_param("ResourceARN"), {}).update(self._get_param("Tags") or {})
    return "{}"


def untag_resource(self):
    with LAYER_LOCK:
        tags = TAGS.setdefault(self._get_param("ResourceARN"), {})
        for key in self._get_param("TagKeys") or []:
            tags.pop(key, None)
    return "{}"


def _probe_tags(session) -> bool:
    client = session.client("application-autoscaling")
    arn = client.register_scalable_target(
        ServiceNamespace="dynamodb", ResourceId="table/probe", ScalableDimension="dynamodb:table:ReadCapacityUnits",
        MinCapacity=1, MaxCapacity=2, Tags={"Probe": "yes"})["ScalableTargetARN"]
    try:
        return client.list_tags_for_resource(ResourceARN=arn)["Tags"] != {"Probe": "yes"}
    except Exception:
        return True


SCALING_TAGS = Patch(
    name="application-autoscaling-tags",
    moto="Application Auto Scaling ignores the Tags of RegisterScalableTarget and does not implement "
         "ListTagsForResource, TagResource or UntagResource (500 'not been implemented')",
    aws="scalable targets are taggable at registration and through the tagging API; the provider reads "
        "the tags back after every create",
    reference="https://docs.aws.amazon.com/autoscaling/application/APIReference/API_ListTagsForResource.html",
    probe=_probe_tags,
    replaces=(
        Replace(RESPONSE, "register_scalable_target", _register_scalable_target),
        Replace(RESPONSE, "list_tags_for_resource", constant(list_tags_for_resource)),
        Replace(RESPONSE, "tag_resource", constant(tag_resource)),
        Replace(RESPONSE, "untag_resource", constant(untag_resource)),
    ),
)
