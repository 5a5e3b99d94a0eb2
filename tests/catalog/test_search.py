"""Citizens find procedures with or without diacritics, and despite typos."""

from __future__ import annotations

import pytest

from lienthong.catalog.selectors import search_procedures

pytestmark = pytest.mark.usefixtures("catalog")


def first(q: str, **filters: object) -> str:
    results = search_procedures(q, **filters)
    return results[0].procedure.code if results else ""


@pytest.mark.parametrize(
    "q",
    [
        "đăng ký khai sinh",
        "dang ky khai sinh",
        "khai sinh",
        "khai sin",
        "dang ki khai sinh",
        "KHAI SINH",
        "giay chung sinh",
        "1.001193",
        "khai",
    ],
)
def test_khai_sinh_comes_first(q):
    assert first(q) == "1.001193"


@pytest.mark.parametrize(
    ("q", "code"),
    [
        ("ket hon", "1.000894"),
        ("kêt hôn", "1.000894"),
        ("chung thuc ban sao", "2.000815"),
        ("chứng thưc", "2.000815"),
        ("thanh lap cong ty tnhh", "2.001610"),
        ("cong ty", "2.001610"),
    ],
)
def test_other_queries_rank_the_relevant_procedure_first(q, code):
    assert first(q) == code


def test_nothing_relevant_returns_nothing():
    assert search_procedures("xyzzy qwerty") == []


def test_filters_narrow_the_results():
    assert [v.procedure.code for v in search_procedures("", field="Chứng thực")] == ["2.000815"]
    assert [v.procedure.code for v in search_procedures("", level="province")] == ["2.001610"]
    assert [v.procedure.code for v in search_procedures("", life_event="ket-hon")] == ["1.000894"]
    assert {v.procedure.code for v in search_procedures("", service_level="partial")} == {
        "2.000815"
    }
    assert len(search_procedures("")) == 4
