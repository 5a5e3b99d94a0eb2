"""Electronic forms as data: the seeded definitions, their checks, the applicant's
answers checked with a message per field, and the spreadsheet round trip."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from lienthong.catalog import eforms
from lienthong.catalog.files import COLUMNS, record_cells, row_to_record
from lienthong.catalog.loaders import DATA, seed_records
from lienthong.catalog.records import parse_procedure
from lienthong.catalog.results import LAYOUTS, result_document_of

TODAY = dt.date(2026, 12, 7)

FORM = {
    "code": "TK",
    "title": "Tờ khai thử",
    "sections": [
        {
            "title": "Người khai",
            "fields": [
                {"key": "so", "label": "Số định danh", "kind": "pin"},
                {
                    "key": "ten",
                    "label": "Họ tên",
                    "prefill": {"service": "person", "field": "full_name", "of": "so"},
                },
                {"key": "sinh", "label": "Ngày sinh", "kind": "date"},
                {"key": "nam", "label": "Năm", "kind": "year", "required": False},
                {"key": "dt", "label": "Điện thoại", "kind": "phone", "required": False},
                {"key": "thu", "label": "Thư", "kind": "email", "required": False},
                {
                    "key": "lan",
                    "label": "Lần",
                    "kind": "number",
                    "min": 1,
                    "max": 5,
                    "required": False,
                },
                {"key": "co", "label": "Có cha", "kind": "choice", "choices": ["Có", "Không"]},
                {"key": "cha", "label": "Tên cha", "show_if": {"field": "co", "in": ["Có"]}},
                {"key": "ghi", "label": "Ghi chú", "kind": "textarea", "required": False},
            ],
        }
    ],
}

GOOD = {"so": "037090001234", "ten": "An", "sinh": "1990-05-12", "co": "Có", "cha": "Bình"}


def _seeded() -> dict[str, dict]:
    return {
        p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (DATA / "forms").glob("*.json")
    }


def test_every_seeded_form_is_valid_and_round_trips():
    seeded = _seeded()
    # Birth, death, marriage, permanent residence and its removal, the under-6 card,
    # the survivor benefits: the procedures of the two interconnected groups and more.
    assert {
        "1.001193",
        "1.000656",
        "1.000894",
        "1.004222",
        "1.003197",
        "1.000241",
        "2.000821",
    } <= set(seeded)
    for code, raw in seeded.items():
        definition, problems = eforms.parse(raw)
        assert problems == [], code
        assert eforms.parse(eforms.to_json(definition))[0] == definition
    with_forms = {r["code"]: r for r in seed_records() if r.get("form")}
    assert set(seeded) <= set(with_forms)


def test_a_civil_status_form_keeps_the_keys_its_result_paper_is_filled_from():
    definition, _p = eforms.parse(_seeded()["1.001193"])
    paper = LAYOUTS["giay_khai_sinh"]
    assert {f.key for f in paper.fields} <= {f.key for f in definition.fields}


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"sections": []}, "form.sections"),
        ({"bogus": 1}, "form.bogus"),
        ({"title": ""}, "form.title"),
    ],
)
def test_a_bad_definition_names_the_place_of_each_problem(change, where):
    definition, problems = eforms.parse({**FORM, **change})
    assert definition is None
    assert any(p.startswith(where) for p in problems), problems


@pytest.mark.parametrize(
    ("field", "where"),
    [
        ({"key": "x", "label": "X", "kind": "colour"}, "sections[0].fields[10].kind"),
        ({"key": "so", "label": "Trùng"}, "sections[0].fields[10].key"),
        ({"key": "Hoa", "label": "Chữ hoa"}, "sections[0].fields[10].key"),
        (
            {"key": "x", "label": "X", "kind": "choice", "choices": ["một"]},
            "sections[0].fields[10].choices",
        ),
        ({"key": "x", "label": "X", "locked": True}, "sections[0].fields[10].locked"),
        (
            {"key": "x", "label": "X", "show_if": {"field": "khong_co", "in": ["a"]}},
            "x.show_if.field",
        ),
        (
            {
                "key": "x",
                "label": "X",
                "prefill": {"service": "person", "field": "full_name", "of": "ten"},
            },
            "x.prefill.of",
        ),
        (
            {"key": "x", "label": "X", "prefill": {"service": "bank", "field": "balance"}},
            "sections[0].fields[10].prefill",
        ),
    ],
)
def test_a_bad_field_is_refused_with_its_place(field, where):
    raw = json.loads(json.dumps(FORM))
    raw["sections"][0]["fields"].append(field)
    definition, problems = eforms.parse(raw)
    assert definition is None
    assert any(p.startswith(where) for p in problems), problems


def _clean(data):
    definition, _p = eforms.parse(FORM)
    return eforms.clean(definition, data, today=TODAY)


def test_good_answers_are_kept_cleaned():
    cleaned, problems = _clean({**GOOD, "dt": "0912 345 678", "lan": "02", "extra": "kept"})
    assert problems == []
    assert cleaned["dt"] == "0912345678"
    assert cleaned["lan"] == "2"
    assert cleaned["extra"] == "kept"


@pytest.mark.parametrize(
    ("change", "key", "code"),
    [
        ({"ten": ""}, "ten", "required"),
        ({"sinh": "2027-01-01"}, "sinh", "invalid_date"),
        ({"sinh": "12/05/1990"}, "sinh", "invalid_date"),
        ({"nam": "١٩٩٥"}, "nam", "invalid_year"),
        ({"so": "12345"}, "so", "pin_format"),
        ({"dt": "12345"}, "dt", "invalid_phone"),
        ({"thu": "an@"}, "thu", "invalid_email"),
        ({"lan": "9"}, "lan", "out_of_range"),
        ({"co": "Có thể"}, "co", "not_a_choice"),
        ({"ten": "An\x00"}, "ten", None),
        ({"cha": ""}, "cha", "required"),
    ],
)
def test_each_wrong_answer_names_its_field_in_vietnamese(change, key, code):
    _cleaned, problems = _clean({**GOOD, **change})
    found = {p.name: p for p in problems}
    assert f"form_data.{key}" in found, problems
    if code:
        assert found[f"form_data.{key}"].code == code
    assert str(found[f"form_data.{key}"].reason)  # a message for a person


def test_an_item_a_condition_hides_is_neither_asked_for_nor_kept():
    cleaned, problems = _clean({**GOOD, "co": "Không", "cha": "Bình"})
    assert problems == []
    assert "cha" not in cleaned


@pytest.mark.django_db
def test_a_commune_item_takes_only_a_commune_in_force():
    from tests.geo.conftest import ensure_geo_data

    ensure_geo_data()
    raw = {
        "code": "",
        "title": "T",
        "sections": [{"title": "", "fields": [{"key": "xa", "label": "Xã", "kind": "commune"}]}],
    }
    definition, _p = eforms.parse(raw)
    assert eforms.clean(definition, {"xa": "13786"}, today=TODAY)[1] == []
    for bad in ("99999", "1378", "Liên Minh"):
        (problem,) = eforms.clean(definition, {"xa": bad}, today=TODAY)[1]
        assert problem.code == "invalid_commune"


def test_a_result_layout_implies_a_form_of_its_people():
    definition = eforms.form_from_layout(result_document_of({"layout": "giay_khai_sinh"}, []))
    assert definition is not None
    assert definition.derived
    assert [s.title for s in definition.sections] == [
        "Người được khai sinh",
        "Mẹ",
        "Cha (nếu có)",
        "Người đi khai sinh",
    ]
    assert eforms.form_from_layout(result_document_of({}, ["Giấy phép"])) is None


@pytest.mark.django_db
def test_a_form_travels_through_the_catalogue_spreadsheet():
    from lienthong.catalog.models import ProcedureVersion
    from lienthong.catalog.services import publish_seed

    raw = next(r for r in seed_records() if r["code"] == "1.004222")
    data = parse_procedure(raw)
    assert data.form == eforms.to_json(eforms.parse(raw["form"])[0])
    publish_seed(data, decision_number="Kiểm thử")
    version = ProcedureVersion.objects.get(procedure__code="1.004222", status="published")
    cells = dict(zip([k for k, _h in COLUMNS], record_cells(version), strict=True))
    assert json.loads(cells["form"]) == version.form
    again = parse_procedure(row_to_record(cells))
    assert again.form == version.form
    bad = dict(raw, form='{"title": "x"}')
    with pytest.raises(Exception, match="Tờ khai điện tử không hợp lệ"):
        parse_procedure(bad)


def test_a_condition_compares_the_answer_as_stored():
    # "Có " with a trailing space, or decomposed, is "Có": the father's items are asked.
    for answer in ("Có ", "Co\u0301"):
        _cleaned, problems = _clean({**GOOD, "co": answer, "cha": ""})
        assert "form_data.cha" in {p.name for p in problems}


def test_a_condition_names_an_item_before_it():
    raw = json.loads(json.dumps(FORM))
    fields = raw["sections"][0]["fields"]
    fields.insert(0, fields.pop(8))  # "cha" before "co", which shows it
    _definition, problems = eforms.parse(raw)
    assert any(p.startswith("cha.show_if.field") for p in problems)


def test_a_dates_and_a_years_bounds_are_years():
    definition, problems = eforms.parse(
        {
            "code": "T",
            "title": "Tờ khai",
            "sections": [
                {
                    "fields": [
                        {"key": "sinh", "label": "Ngày sinh của trẻ", "kind": "date", "min": 2020},
                        {"key": "nam", "label": "Năm sinh", "kind": "year", "max": 2008},
                    ]
                }
            ],
        }
    )
    assert definition is not None, problems
    _c, wrong = eforms.clean(definition, {"sinh": "2019-12-31", "nam": "2009"}, today=TODAY)
    assert {p.name: p.code for p in wrong} == {
        "form_data.sinh": "out_of_range",
        "form_data.nam": "out_of_range",
    }
    assert "không trước 2020" in str(wrong[0].reason)
    assert "không sau 2008" in str(wrong[1].reason)
    _c, right = eforms.clean(definition, {"sinh": "2020-01-01", "nam": "2008"}, today=TODAY)
    assert right == []
