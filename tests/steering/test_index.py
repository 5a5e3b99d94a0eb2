"""The Decision 766 arithmetic on hand-computed examples (STANDARDS.md §1: N/A on a
zero denominator, two decimals, "full at X %", the bands), and the shipped definition."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lienthong.steering import index
from lienthong.steering.index import (
    ConfigError,
    band_of,
    definition,
    load,
    points,
    rate,
    score,
    total,
)

D = Decimal


def test_the_shipped_index_has_five_groups_adding_up_to_100():
    ix = definition()
    assert [(g.code, g.points) for g in ix.groups] == [
        ("1", 18),
        ("2", 20),
        ("3", 22),
        ("4", 22),
        ("5", 18),
    ]
    assert ix.indicator("5.4").points == 6  # the one sub-score of group 5 the sources give
    assert ix.indicator("3.3").full_at == 50
    assert all(i.formula and i.source for i in ix.indicators)


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [(7, 9, D("77.78")), (2, 3, D("66.67")), (1, 8, D("12.50")), (1, 200, D("0.50")), (0, 0, None)],
)
def test_a_rate_is_two_decimals_half_up_and_na_without_cases(num, den, expected):
    assert rate(num, den) == expected


def test_points_are_full_from_the_threshold_and_proportional_below():
    ix = definition()
    assert points(ix.indicator("3.3"), D("40.00")) == D("4.80")  # 40 × 6 ÷ 50
    assert points(ix.indicator("3.3"), D("55.00")) == 6  # full at 50 %
    assert points(ix.indicator("3.1"), D("77.78")) == D("3.89")  # 77.78 × 4 ÷ 80
    assert points(ix.indicator("2.1"), D("95.50")) == D("19.10")  # 95.5 × 20 ÷ 100
    assert points(ix.indicator("2.1"), None) is None  # N/A
    assert points(ix.indicator("2.2"), D("80")) is None  # shown, not scored


def test_a_total_leaves_out_what_does_not_apply_and_gets_its_band():
    ix = definition()
    scores = [
        score(ix.indicator("2.1"), 191, 200),  # 95.50 % → 19.10 of 20
        score(ix.indicator("3.3"), 40, 100),  # 40.00 % → 4.80 of 6
        score(ix.indicator("4.1"), 0, 0),  # N/A
    ]
    assert total(ix, scores) == D("91.92")  # 23.90 × 100 ÷ 26
    assert band_of(ix, total(ix, scores)).code == "excellent"
    assert total(ix, scores, group="2") == D("19.10")
    assert total(ix, scores, group="3") == D("17.60")  # 4.80 × 22 ÷ 6
    assert total(ix, scores, group="4") is None  # nothing applies: N/A
    zero = index.Index(ix.source, ix.groups, ix.bands, "zero")
    assert total(zero, scores) == D("23.90")


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (D("100"), "excellent"),
        (D("90.00"), "excellent"),
        (D("89.99"), "good"),
        (D("49.99"), "weak"),
        (D("0"), "weak"),
    ],
)
def test_bands(value, band):
    assert band_of(definition(), value).code == band


def test_a_definition_that_does_not_add_up_is_refused_by_name():
    raw = {
        "groups": [
            {"code": "1", "name": "A", "points": 100, "indicators": [{"code": "1.1", "points": 90}]}
        ],
        "bands": [{"from": 0, "code": "weak", "label": "Yếu"}],
    }
    with pytest.raises(ConfigError, match="group 1"):
        load(raw)
    raw["groups"][0]["indicators"][0].update(points=100, full_at=120)
    with pytest.raises(ConfigError, match="full_at"):
        load(raw)
