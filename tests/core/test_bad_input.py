"""Hostile input against every write endpoint (issue 13, item 6).

The API's operations are read from its OpenAPI document, so an endpoint added later is
covered without being listed here: for every string field of every request body, every
hostile value below is a 422 naming the field, never a 500, and no row of the platform's
tables changes; numbers that no column or JSON reader represents likewise; every path and
query parameter of every operation (reads too) refuses NUL. The pages' forms are found
the same way, in every app's ``forms`` module.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import pkgutil
import re
import unicodedata
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.apps import apps

import lienthong
from lienthong.api import api
from lienthong.core.text import (
    LineField,
    UnsafeText,
    clean_filename,
    clean_json,
    clean_name,
    clean_text,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

#: name → (the text, the code it is refused with)
HOSTILE_TEXT: dict[str, tuple[str, str]] = {
    "nul": ("Nguyễn\x00Văn An", "text_control_character"),
    "nul_alone": ("\x00", "text_control_character"),
    "lone_high_surrogate": ("Nguyễn \ud800", "text_invalid_unicode"),
    "lone_low_surrogate": ("\udc00An", "text_invalid_unicode"),
    "c0_bell": ("a\x07b", "text_control_character"),
    "c0_escape": ("\x1b[31mđỏ", "text_control_character"),
    "delete": ("a\x7fb", "text_control_character"),
    "c1_csi": ("a\x9bb", "text_control_character"),
    "rtl_override": ("\u202eNguyễn Văn An", "text_bidi_control"),
    "ltr_embedding": ("abc\u202a", "text_bidi_control"),
    "rtl_isolate": ("hoadon\u2067fdp.exe", "text_bidi_control"),
    "zero_width_space_only": ("\u200b", "text_empty"),
    "zero_width_joiner_only": ("\u200d\u200d", "text_empty"),
    "bom_only": ("\ufeff", "text_empty"),
    "invisible_mix": (" \u200b\ufeff\u200d\u00ad\u2060 ", "text_empty"),
}
#: Raw JSON number literals (Python's json reads NaN and Infinity; 1e999 is infinite).
HOSTILE_NUMBERS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e400", "9" * 30]
NFD_NAME = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
WRITE_METHODS = ("post", "put", "patch", "delete")
OUR_APPS = (
    "core",
    "geo",
    "directory",
    "accounts",
    "catalog",
    "registries",
    "dossiers",
    "groups",
    "feedback",
)


# --------------------------------------------------------------------------- the rules


@pytest.mark.parametrize(("name", "case"), HOSTILE_TEXT.items())
def test_each_hostile_text_is_refused_with_its_code(name, case):
    text, code = case
    for multiline in (False, True):
        with pytest.raises(UnsafeText) as caught:
            clean_text(text, multiline=multiline)
        assert caught.value.code == code
        assert caught.value.reason  # a Vietnamese sentence


def test_text_is_nfc_trimmed_and_keeps_what_people_write():
    assert clean_text(NFD_NAME) == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", clean_text(NFD_NAME))
    assert clean_text("  \u200bCông dân\ufeff ") == "Công dân"
    assert clean_text("dòng 1\r\ndòng 2\rdòng 3\tcột", multiline=True) == (
        "dòng 1\ndòng 2\ndòng 3\tcột"
    )
    assert clean_text("") == clean_text("   ") == ""
    # Joiners inside a text are writing (emoji sequences, some scripts), not disguise.
    assert clean_text("gia đình 👨\u200d👩\u200d👧") == "gia đình 👨\u200d👩\u200d👧"
    for text in ("a\nb", "a\tb", "a\u2028b"):
        with pytest.raises(UnsafeText) as caught:
            clean_text(text)
        assert caught.value.code in {"text_line_break", "text_control_character"}
    with pytest.raises(UnsafeText) as caught:
        clean_text("", required=True)
    assert caught.value.code == "text_empty"
    with pytest.raises(UnsafeText) as caught:
        clean_text("\u0301\u0301")  # accents on nothing
    assert caught.value.code == "text_empty"
    with pytest.raises(UnsafeText) as caught:
        clean_text("abcdef", max_length=5)
    assert caught.value.code == "text_too_long"


def test_names_and_file_names():
    assert clean_name(f"  {NFD_NAME}  ") == "Nguyễn Thị Ánh"
    assert clean_name("Trần   Thị\u00a0Bình") == "Trần Thị Bình"
    assert clean_filename("C:\\Users\\an\\to-khai.pdf") == "to-khai.pdf"
    assert clean_filename("../../etc/passwd") == "passwd"
    assert clean_filename(unicodedata.normalize("NFD", "giấy tờ.pdf")) == "giấy tờ.pdf"
    long = clean_filename("ả" * 400 + ".pdf")
    assert len(long) == 255
    assert long.endswith(".pdf")
    for bad in ("hoadon\u202efdp.exe", "a\x00.pdf", "..", "\u200b"):
        with pytest.raises(UnsafeText):
            clean_filename(bad)


def test_a_service_refusal_names_the_field():
    from lienthong.core.errors import InvalidInput
    from lienthong.core.text import clean_param

    assert clean_param("note", NFD_NAME, multiline=True) == "Nguyễn Thị Ánh"
    with pytest.raises(InvalidInput) as caught:
        clean_param("note", "Lý do\x00", multiline=True)
    [param] = caught.value.invalid_params
    assert (param.name, param.code) == ("note", "text_control_character")
    assert "U+0000" in str(param.reason)


def test_json_values_are_checked_deeply_with_their_path():
    assert clean_json({"ho_ten": NFD_NAME, "n": [1, 2.5, None, True]}) == {
        "ho_ten": "Nguyễn Thị Ánh",
        "n": [1, 2.5, None, True],
    }
    cases = [
        ({"a": [1, {"b": float("nan")}]}, "number_not_finite", ("a", 1, "b")),
        ({"a": float("inf")}, "number_not_finite", ("a",)),
        ({"a": 2**53}, "number_too_large", ("a",)),
        ({"a": "x\x00"}, "text_control_character", ("a",)),
        ({"a\x00": 1}, "text_control_character", ("a\x00",)),
        ({"\u200b": 1}, "text_empty", ("\u200b",)),
        ({"a": ["\ud800"]}, "text_invalid_unicode", ("a", 0)),
    ]
    for value, code, path in cases:
        with pytest.raises(UnsafeText) as caught:
            clean_json(value)
        assert (caught.value.code, caught.value.path) == (code, path)
    deep: Any = 1
    for _ in range(40):
        deep = [deep]
    with pytest.raises(UnsafeText) as caught:
        clean_json({"a": deep})
    assert caught.value.code == "json_too_deep"


# --------------------------------------------------------------------------- the API


@functools.cache
def _openapi() -> dict[str, Any]:
    return api.get_openapi_schema()


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _branches(schema: dict[str, Any], doc: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema, doc)
    if "anyOf" in schema:
        return [_resolve(s, doc) for s in schema["anyOf"] if s.get("type") != "null"]
    return [schema]


def _example(schema: dict[str, Any], doc: dict[str, Any]) -> Any:
    """A value the schema accepts (its types and bounds; the endpoint may still refuse it)."""
    schema = _branches(schema, doc)[0]
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: _example(sub, doc) for name, sub in props.items()}
    if kind == "array":
        return [_example(schema["items"], doc)]
    if kind == "string":
        return {"date": "2026-02-13", "date-time": "2026-02-13T08:00:00+07:00"}.get(
            schema.get("format", ""), "a"
        )
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


DATES = ("date", "date-time")


def _leaves(schema: dict[str, Any], doc: dict[str, Any], path: tuple = ()) -> Iterator[tuple]:
    """(path, kind) of every string, number and free object in a request body."""
    for branch in _branches(schema, doc):
        kind = branch.get("type")
        if kind == "object" and "properties" in branch:
            for name, sub in branch["properties"].items():
                yield from _leaves(sub, doc, (*path, name))
        elif kind == "object":
            yield path, "object"
        elif kind == "array":
            yield from _leaves(branch["items"], doc, (*path, 0))
        elif kind == "string" and "pattern" in branch:
            yield path, "pattern"  # refused by its pattern, whatever the character
        elif kind == "string" and branch.get("format") in DATES:
            yield path, "date"  # refused as not a date, whatever the character
        elif kind in ("string", "integer", "number"):
            yield path, kind


def _write_operations() -> list[tuple[str, str, dict[str, Any]]]:
    doc = _openapi()
    return [
        (method, path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in WRITE_METHODS
    ]


def _all_operations() -> list[tuple[str, str, dict[str, Any]]]:
    doc = _openapi()
    return [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items()]


def _body_schema(op: dict[str, Any]) -> dict[str, Any] | None:
    content = op.get("requestBody", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _body_cases() -> Iterator[Any]:
    doc = _openapi()
    for method, path, op in _write_operations():
        schema = _body_schema(op)
        if schema is None:
            continue
        for leaf, kind in _leaves(schema, doc):
            yield pytest.param(method, path, leaf, kind, id=f"{method} {path} {_dotted(leaf)}")


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path)


def _set(body: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        body = body[key]
    body[path[-1]] = value


def _url(path: str, op: dict[str, Any], override: dict[str, str] | None = None) -> str:
    for param in op.get("parameters", []):
        if param["in"] == "path":
            schema = param.get("schema", {})
            example = str(schema.get("minimum", 1)) if schema.get("type") == "integer" else "x"
            value = (override or {}).get(param["name"], example)
            path = path.replace("{" + param["name"] + "}", value)
    return path


def _headers(op: dict[str, Any]) -> dict[str, str]:
    return {
        "HTTP_" + p["name"].upper().replace("-", "_"): "x"
        for p in op.get("parameters", [])
        if p["in"] == "header"
    }


#: Logs of use, not data a request changes: a search is kept (scrubbed) whatever it asks,
#: unless its text is unsafe (tests/catalog/test_search_log.py).
USE_LOGS = {"catalog.SearchQuery"}


def _rows() -> dict[str, int]:
    return {
        m._meta.label: m._default_manager.count()
        for m in apps.get_models()
        if m._meta.app_label in OUR_APPS and m._meta.managed and m._meta.label not in USE_LOGS
    }


@pytest.fixture
def person_client(client):
    client.force_login(UserFactory(pin="037090001299", username="037090001299"))
    return client


PLACEHOLDER = "@@hostile@@"


def _post_raw(client, method: str, url: str, body: Any, raw: str, headers: dict[str, str]):
    """``body`` as JSON with the placeholder string replaced by the raw literal ``raw``."""
    text = json.dumps(body).replace(json.dumps(PLACEHOLDER), raw)
    return getattr(client, method)(url, text, content_type="application/json", **headers)


def _named(response, field: str) -> dict[str, Any]:
    assert response.status_code == 422, (field, response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    params = {p["name"]: p for p in response.json()["invalid_params"]}
    assert field in params, (field, params)
    return params[field]


def test_the_write_endpoints_are_found():
    found = {f"{m.upper()} {p}" for m, p, _ in _write_operations()}
    assert {
        "POST /api/v1/dossiers",
        "POST /api/v1/dossiers/{code}/actions/{action}",
        "POST /api/v1/payments/callback",
        "POST /api/v1/agencies/{code}/officials",
        "POST /api/v1/geo/convert",
    } <= found
    assert len(list(_body_cases())) >= 20


@pytest.mark.parametrize(("method", "path", "leaf", "kind"), list(_body_cases()))
def test_every_body_field_refuses_hostile_input(person_client, method, path, leaf, kind):
    doc = _openapi()
    op = doc["paths"][path][method]
    base = _example(_body_schema(op), doc)
    url = _url(path, op)
    headers = _headers(op)
    field = _dotted(leaf)
    before = _rows()
    if kind in ("string", "pattern", "date"):
        cases = [
            (json.dumps(text), code if kind == "string" else None)
            for text, code in HOSTILE_TEXT.values()
        ]
        cases += [(raw, "string_type" if kind != "date" else None) for raw in ("NaN", "1e999")]
    elif kind in ("integer", "number"):
        cases = [(raw, None) for raw in HOSTILE_NUMBERS]
    else:  # a free JSON object: hostile values and keys inside it
        cases = []
        for raw in HOSTILE_NUMBERS[:-1]:
            cases.append(('{"so_tien": ' + raw + "}", "number_not_finite"))
        cases.append(('{"so_tien": 9007199254740993}', "number_too_large"))
        cases.append(('{"a": [{"b": 1e999}]}', "number_not_finite"))
        for text, code in HOSTILE_TEXT.values():
            cases.append(('{"ho_ten": ' + json.dumps(text) + "}", code))
        cases.append(('{"\\u0000": 1}', "text_control_character"))
        cases.append(('{"\\ud800": 1}', "text_invalid_unicode"))
    for raw, code in cases:
        body = json.loads(json.dumps(base))
        _set(body, leaf, PLACEHOLDER)
        response = _post_raw(person_client, method, url, body, raw, headers)
        if kind == "object":
            named = [
                p for p in response.json().get("invalid_params", []) if p["name"].startswith(field)
            ]
            assert response.status_code == 422, (raw, response.content[:300])
            assert named, (raw, response.json())
            assert named[0]["code"] == code, (raw, named)
            assert "\x00" not in named[0]["name"]
        else:
            param = _named(response, field)
            if code is not None:
                assert param["code"] == code, (raw, param)
        assert param_is_safe(response)
    assert _rows() == before


def _form_cases() -> Iterator[Any]:
    """Each text field of each multipart/form-data operation (files aside)."""
    for method, path, op in _write_operations():
        content = op.get("requestBody", {}).get("content", {})
        schema = content.get("multipart/form-data", {}).get("schema")
        for name, prop in (schema or {}).get("properties", {}).items():
            if prop.get("type") == "string" and prop.get("format") != "binary":
                yield pytest.param(method, path, name, id=f"{method} {path} {name}")


def test_the_multipart_operations_are_found():
    assert len(list(_form_cases())) >= 7


@pytest.mark.parametrize(("method", "path", "name"), list(_form_cases()))
def test_every_form_part_refuses_hostile_input(person_client, method, path, name):
    doc = _openapi()
    op = doc["paths"][path][method]
    schema = op["requestBody"]["content"]["multipart/form-data"]["schema"]
    base = {"procedure": "1.001193", "competent_unit": "13786", "form_data": "{}"}
    base = {k: v for k, v in base.items() if k in schema["properties"]}
    before = _rows()
    # A multipart body is bytes: a lone surrogate cannot be sent in one, the rest can.
    texts = {k: v for k, v in HOSTILE_TEXT.items() if "surrogate" not in k}
    for text, code in texts.values():
        if schema["properties"][name].get("contentMediaType") == "application/json":
            value, field = json.dumps({"ho_ten": text}), name
        else:
            value, field = text, name
        response = getattr(person_client, method)(_url(path, op), {**base, name: value})
        param = [
            p
            for p in response.json().get("invalid_params", [])
            if p["name"] == field or p["name"].startswith(field + ".")
        ]
        assert response.status_code == 422, (name, text, response.content[:300])
        assert param, (name, text, response.json())
        assert param[0]["code"] == code, (name, text, param)
        assert param_is_safe(response)
    assert _rows() == before


def param_is_safe(response) -> bool:
    """A problem never carries back a control, bidirectional or lone-surrogate character."""
    text = response.content.decode()
    return not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]", text)


def test_a_body_that_is_not_json_or_not_utf8_is_a_422_naming_the_body(person_client):
    for method, path, op in _write_operations():
        if _body_schema(op) is None:
            continue
        url = _url(path, op)
        for raw in (b'{"a": ', b'{"summary": "\xff\xfe"}', b"\xed\xa0\x80", b"[" * 5000):
            response = getattr(person_client, method)(
                url, raw, content_type="application/json", **_headers(op)
            )
            param = _named(response, "body")
            assert param["code"] == "json_invalid"
            assert param["reason"] == "Nội dung JSON không hợp lệ."


def _params(kind: str) -> Iterator[Any]:
    doc = _openapi()
    for method, path, op in _all_operations():
        for param in op.get("parameters", []):
            if param["in"] not in ("path", "query"):
                continue
            schema = _branches(param.get("schema", {}), doc)[0]
            if schema.get("type") == kind and "enum" not in schema and "format" not in schema:
                yield pytest.param(
                    method, path, param["name"], param["in"], id=f"{method} {path} {param['name']}"
                )


def _request(client, method: str, path: str, *, where: str = "", name: str = "", value=None):
    """The operation called with values its schema accepts, ``name`` (in the path or the
    query) set to ``value``."""
    doc = _openapi()
    op = doc["paths"][path][method]
    query = {
        p["name"]: _example(p["schema"], doc)
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    if where == "query":
        query[name] = value
    url = _url(path, op, {name: quote(value)} if where == "path" else None)
    if method == "get":
        return client.get(url, query, **_headers(op))
    if query:
        url += "?" + urlencode(query)
    schema = _body_schema(op)
    body = json.dumps(_example(schema, doc) if schema else {})
    return getattr(client, method)(url, body, content_type="application/json", **_headers(op))


@pytest.mark.parametrize(("method", "path", "name", "where"), list(_params("string")))
def test_every_path_and_query_parameter_refuses_nul(person_client, method, path, name, where):
    before = _rows()
    for value in ("\x00", "x\x00y"):
        response = _request(person_client, method, path, where=where, name=name, value=value)
        assert _named(response, name)["code"] == "text_control_character"
    # The three characters "%00" are only text.
    response = _request(person_client, method, path, where=where, name=name, value="%2500")
    assert response.status_code < 500
    assert _rows() == before


@pytest.mark.parametrize(("method", "path", "name", "where"), list(_params("string")))
def test_other_hostile_parameters_are_never_a_500(person_client, method, path, name, where):
    before = _rows()
    for text, _code in HOSTILE_TEXT.values():
        if any("\ud800" <= c <= "\udfff" for c in text):
            continue  # a URL carries UTF-8 only: see the percent-encoded case below
        response = _request(person_client, method, path, where=where, name=name, value=text)
        assert response.status_code < 500, (text, response.content[:300])
        assert param_is_safe(response)
    assert _rows() == before


@pytest.mark.parametrize("url", ["/api/v1/procedures", "/api/v1/agencies", "/api/v1/geo/units"])
def test_a_lone_surrogate_percent_encoded_in_a_search_is_no_500(person_client, url):
    # Its UTF-8 bytes are not UTF-8: Django reads U+FFFD, which finds nothing.
    for raw in ("%ED%A0%80", "%ED%B0%80abc", "%C0%80", "%FF"):
        response = person_client.get(f"{url}?q={raw}")
        assert response.status_code == 200, response.content[:300]


@pytest.mark.parametrize(("method", "path", "name", "where"), list(_params("integer")))
def test_integer_parameters_refuse_unrepresentable_numbers(
    person_client, method, path, name, where
):
    for value in ("9" * 30, "1e999", "NaN", "Infinity", "-Infinity"):
        response = _request(person_client, method, path, where=where, name=name, value=value)
        if where == "path" and not value.isdigit():
            assert response.status_code in (404, 422)  # not a number: no path matches
            continue
        assert name in {p["name"] for p in _problem_params(response)}, (value, response.content)


def _problem_params(response) -> list[dict[str, str]]:
    assert response.status_code == 422, response.content[:300]
    return response.json()["invalid_params"]


def _app_modules(kind: str) -> Iterator[Any]:
    for module in pkgutil.iter_modules(lienthong.__path__):
        if not module.ispkg:
            continue
        try:
            yield importlib.import_module(f"lienthong.{module.name}.{kind}")
        except ModuleNotFoundError:
            continue


def test_a_name_typed_in_nfd_is_stored_nfc_through_the_api(client):
    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment, User
    from tests.accounts.conftest import make_province
    from tests.factories import AgencyFactory

    province = make_province("98", "Tỉnh Thử Nghiệm Một")
    agency = AgencyFactory(code="000.00.01.H98", kind="people_committee", province=province)
    admin = UserFactory(official=True)
    RoleAssignment.objects.create(user=admin, agency=agency, role=Role.AGENCY_ADMIN)
    client.force_login(admin)
    response = client.post(
        f"/api/v1/agencies/{agency.code}/officials",
        {"pin": "037190001234", "full_name": f" {NFD_NAME}\u200b ", "roles": ["clerk"]},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    stored = User.objects.get(pin="037190001234").full_name
    assert stored == "Nguyễn Thị Ánh"
    assert unicodedata.is_normalized("NFC", stored)
    assert response.json()["name"] == "Nguyễn Thị Ánh"


# --------------------------------------------------------------------------- the pages


def _forms() -> Iterator[Any]:
    for module in _app_modules("forms"):
        for cls in vars(module).values():
            if (
                inspect.isclass(cls)
                and issubclass(cls, forms.Form)
                and cls.__module__ == module.__name__
            ):
                for name, field in cls.base_fields.items():
                    yield pytest.param(cls, name, field, id=f"{cls.__name__}.{name}")


def _secret(field: forms.Field) -> bool:
    return isinstance(field.widget, forms.PasswordInput)


@pytest.mark.parametrize(("form_class", "name", "field"), list(_forms()))
def test_every_form_field_refuses_hostile_input(form_class, name, field):
    """A text field of a page is a LineField (NameField, TextField): it refuses what the
    API refuses, with the same code; choices and e-mail addresses refuse it as not one of
    theirs. A password is compared, never stored or shown: only NUL is refused there."""
    if isinstance(field, forms.CharField) and not _secret(field):
        assert isinstance(field, LineField | forms.EmailField), (
            f"{form_class.__name__}.{name}: use LineField, NameField or TextField"
        )
    for text, code in HOSTILE_TEXT.values():
        if _secret(field) and "\x00" not in text:
            continue
        value: Any = [text] if isinstance(field, forms.MultipleChoiceField) else text
        form = form_class(data={name: value})
        assert name in form.errors, (text, form.errors)
        if isinstance(field, LineField):
            assert form.errors.as_data()[name][0].code == code


def test_form_numbers_and_names():
    from lienthong.accounts.forms import OfficialForm
    from lienthong.dossiers.forms import RatingForm

    for raw in ("1e999", "NaN", "Infinity", "9" * 400):
        assert "score" in RatingForm(data={"score": raw}).errors
    form = OfficialForm(
        data={"pin": "037190001234", "full_name": f"  {NFD_NAME} ", "roles": ["clerk"]}
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["full_name"] == "Nguyễn Thị Ánh"
    comment = RatingForm(data={"score": "5", "comment": "Tốt\r\nlắm"})
    assert comment.is_valid()
    assert comment.cleaned_data["comment"] == "Tốt\nlắm"


# --------------------------------------------------------------------------- NUL on pages

NUL_GUARD = "lienthong.core.text.RefuseNulMiddleware"
#: Pages whose path or query reached PostgreSQL with the NUL (each was a 500 there).
PAGES_GET = [
    ("/thu-tuc/%00/", {}),
    ("/thu-tuc/nhom/%00/", {}),
    ("/can-bo/thu-tuc/", {"q": "a\x00"}),
    ("/can-bo/thu-tuc/%00/", {}),
    ("/co-quan/", {"q": "\x00", "tinh": "\x00"}),
    ("/dia-gioi/", {"q": "Nam\x00Định"}),
    ("/dia-gioi/don-vi/%00/", {}),
    ("/ho-so/%00/", {}),
    ("/ho-so/nop/%00/", {}),
    ("/can-bo/ho-so/tiep-nhan/", {"thu-tuc": "\x00"}),
    ("/tra-cuu/", {"ma": "\x00", "khoa": "x"}),
]
PAGES_POST = [
    ("/can-bo/ho-so/tiep-nhan/", {"thu-tuc": "1.001193", "cccd": "\x00", "xa": "13786"}),
    ("/ho-so/nop/1.001193/", {"tinh": "37", "xa": "13786", "noi-dung": "Khai sinh\x00"}),
    ("/ho-so/X/thao-tac/refuse/", {"note": "Thiếu giấy tờ\x00"}),
    ("/dang-nhap/", {"username": "an\x00", "password": "x"}),
]


@pytest.fixture
def nul_guard(settings):
    """The middleware where settings.py is to install it (first, after SecurityMiddleware)."""
    if NUL_GUARD not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [settings.MIDDLEWARE[0], NUL_GUARD, *settings.MIDDLEWARE[1:]]


def test_nul_in_a_page_path_query_or_form_is_a_400_naming_it(client, nul_guard):
    client.force_login(UserFactory(admin=True, pin="037090001288", username="037090001288"))
    before = _rows()
    for url, query in PAGES_GET:
        response = client.get(url, query)
        assert response.status_code == 400, (url, response.status_code)
        assert "U+0000" in response.content.decode()
    for url, data in PAGES_POST:
        response = client.post(url, data)
        assert response.status_code == 400, (url, response.status_code)
        named = next(k for k, v in data.items() if "\x00" in v)
        assert f"«{named}»" in response.content.decode()
        # The refusal is a page like any other: its policy and, for a personal form, no-store.
        assert "script-src 'self'" in response["Content-Security-Policy"]
    assert _rows() == before
    # Harmless look-alikes pass: "%00" typed as text, U+2400 SYMBOL FOR NULL.
    assert client.get("/co-quan/", {"q": "%00 \u2400"}).status_code == 200


def test_the_api_behind_the_guard_still_names_the_parameter(person_client, nul_guard):
    response = person_client.get("/api/v1/agencies", {"q": "\x00"})
    assert _named(response, "q")["code"] == "text_control_character"


def test_a_session_cookie_with_nul_is_dropped_not_a_500(client, nul_guard):
    client.cookies["sessionid"] = "abcdefghij\x00"
    response = client.get("/thu-tuc/")
    assert response.status_code == 200


def test_the_nul_guard_is_installed(settings):
    # Right after the body's size is checked (it reads the form), before anything else that
    # reads the request; after the headers' middlewares, so its refusals carry them.
    middleware = settings.MIDDLEWARE
    guard = middleware.index(NUL_GUARD)
    assert middleware[guard - 1] == "lienthong.core.limits.BodySizeLimit"
    assert middleware.index("lienthong.core.headers.ContentSecurityPolicyMiddleware") < guard
    assert middleware.index("lienthong.core.headers.NoStoreMiddleware") < guard
    assert guard < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
