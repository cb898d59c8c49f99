"""The emulator compatibility layer, kept honest.

For every patch and fake: plain moto must still show the gap it corrects (when a moto upgrade fixes
it, ``test_moto_still_has_the_gap`` fails: delete the patch), and the rehearsal's emulator must not.
"""

from __future__ import annotations

import pytest
from rehearsal.emulator import FAKES, PATCHES, Emulator, ProbeSession, reset

ITEMS = [*PATCHES, *FAKES]
IDS = [item.name for item in ITEMS]


@pytest.fixture(scope="module", params=[False, True], ids=["plain-moto", "rehearsal-emulator"])
def server(request):
    with Emulator(compatible=request.param) as url:
        yield request.param, url


@pytest.mark.emulator
@pytest.mark.parametrize("item", ITEMS, ids=IDS)
def test_moto_still_has_the_gap_and_the_layer_closes_it(server, item):
    compatible, url = server
    reset(url)
    gap = item.probe(ProbeSession(url))
    if compatible:
        assert gap is False, f"{item.name}: the compatibility layer does not correct: {item.moto}"
    else:
        assert gap is True, (f"{item.name}: plain moto no longer shows the gap ({item.moto}) — the moto upgrade "
                             "fixed it: delete this correction from rehearsal/emulator/ and its registry")


@pytest.mark.parametrize("item", ITEMS, ids=IDS)
def test_each_correction_says_what_moto_does_what_aws_does_and_where_aws_says_so(item):
    assert len(item.moto) > 30 and len(item.aws) > 30
    assert item.reference.startswith("https://docs.aws.amazon.com/"), item.reference


def test_names_are_unique():
    assert len(set(IDS)) == len(IDS)
