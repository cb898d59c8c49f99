"""Alerts reach people: every system's alarm topic gets one e-mail subscription per address of
``monitoring.alarm_emails`` (document 003's seven alarms "to SNS e-mail", and the same for every
system); with none, the synth summary says that nobody is told."""

from __future__ import annotations

from dataclasses import replace

import pytest

from environments import load
from systems import SYSTEMS
from tests.support import synth_stack, test_app

WITH_ALARMS = [s for s in SYSTEMS if "monitoring" in s.settings_class().__dataclass_fields__]
ADDRESSES = ("ops@example.com", "oncall@example.co.kr")


def test_every_system_with_a_workload_has_an_alarm_topic_to_subscribe():
    assert sorted(s.name for s in WITH_ALARMS) == sorted(s.name for s in SYSTEMS if s.name != "account")


@pytest.mark.parametrize("system", WITH_ALARMS, ids=[s.name for s in WITH_ALARMS])
def test_each_address_is_subscribed_to_the_systems_alarm_topic(system):
    settings = load(system.environments[0], system)
    stack = system.build(test_app(), replace(settings, monitoring=replace(settings.monitoring, alarm_emails=ADDRESSES)))
    synth = synth_stack(stack)
    topic = synth.ref("aws_sns_topic", synth.one("aws_sns_topic"), "arn")
    subscriptions = sorted((s["endpoint"], s["protocol"], s["topic_arn"])
                           for s in synth.resources("aws_sns_topic_subscription").values())
    assert subscriptions == sorted((a, "email", topic) for a in ADDRESSES)
    assert not [n for n in stack.notes if n.startswith("alarms:")]


@pytest.mark.parametrize("system", WITH_ALARMS, ids=[s.name for s in WITH_ALARMS])
def test_without_addresses_the_summary_says_nobody_is_told(system):
    settings = load(system.environments[0], system)
    assert settings.monitoring.alarm_emails == ()  # the committed environments name nobody yet
    built = system.build(test_app(), settings)
    assert [n for n in built.notes if n.startswith("alarms:")] == [
        f"alarms: topic {system.name}-alarms-{system.environments[0]} has no subscriber: nobody is told; "
        "set monitoring.alarm_emails"]
