"""Importing an interconnected group: members that wait for one another in a loop would
keep every application in progress for ever, so such a group is refused, with the
members of the loop named; a member waiting for one listed after it is fine."""

from __future__ import annotations

import copy
import json

import pytest

from lienthong.catalog import search
from lienthong.catalog.loaders import DATA, load_procedures
from lienthong.catalog.models import GroupMember, ProcedureGroup
from lienthong.catalog.services import save_group

pytestmark = pytest.mark.django_db

BIRTH, RESIDENCE, CARD = "1.001193", "1.004222", "1.000241"


@pytest.fixture
def seeded(db):
    search.forget()
    load_procedures()
    yield
    search.forget()


def _lt01(code: str, **after: list[int]) -> dict:
    """LT-01 of the seed under another code, its members' ``after`` replaced (by order:
    ``m2=[3]``: the member of order 2 waits for the one of order 3)."""
    raw = next(
        g
        for g in json.loads((DATA / "groups.json").read_text(encoding="utf-8"))
        if g["code"] == "LT-01"
    )
    raw = copy.deepcopy(raw)
    raw["code"] = code
    for m in raw["members"]:
        if f"m{m['order']}" in after:
            m["after"] = after[f"m{m['order']}"]
    return raw


def test_two_members_waiting_for_each_other_are_refused_and_named(seeded):
    with pytest.raises(ValueError, match="wait for one another") as refused:
        save_group(_lt01("LT-91", m2=[3], m3=[2]))
    message = str(refused.value)
    assert f"{RESIDENCE} (order 2) → {CARD} (order 3) → {RESIDENCE} (order 2)" in message
    assert BIRTH not in message  # the birth is not in the loop
    assert not ProcedureGroup.objects.filter(code="LT-91").exists()


def test_a_longer_loop_through_the_first_member_is_refused(seeded):
    with pytest.raises(ValueError, match="wait for one another") as refused:
        save_group(_lt01("LT-92", m1=[3], m2=[1], m3=[2]))
    message = str(refused.value)
    for code in (BIRTH, RESIDENCE, CARD):
        assert code in message
    assert not ProcedureGroup.objects.filter(code="LT-92").exists()


def test_a_loop_is_refused_even_without_a_form(seeded):
    raw = _lt01("LT-93", m2=[3], m3=[2])
    del raw["form"]
    with pytest.raises(ValueError, match="wait for one another"):
        save_group(raw)


def test_a_member_cannot_wait_for_itself_or_a_missing_one(seeded):
    with pytest.raises(ValueError, match=r"members\[1\]\.after: orders of other members"):
        save_group(_lt01("LT-94", m2=[2]))
    with pytest.raises(ValueError, match=r"members\[2\]\.after: orders of other members"):
        save_group(_lt01("LT-94", m3=[7]))


def test_a_member_may_wait_for_one_listed_after_it(seeded):
    group = save_group(_lt01("LT-95", m2=[3], m3=[1]))
    after = dict(GroupMember.objects.filter(group=group).values_list("order", "after"))
    assert after == {1: [], 2: [3], 3: [1]}


def test_the_seed_groups_have_no_loop(seeded):
    # Loading the seed reports a bad group as a problem instead of saving it.
    assert set(ProcedureGroup.objects.values_list("code", flat=True)) >= {"LT-01", "LT-02"}
