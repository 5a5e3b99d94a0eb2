"""One procedure as plain data: validation shared by the seed loader, the spreadsheet
import and the edit form. Every problem is reported with the field it concerns."""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.utils.translation import gettext as _

from lienthong.catalog.constants import (
    AGENCY_KINDS,
    DEPARTMENTS,
    LIFE_EVENTS,
    REGISTRIES,
    Channel,
    Level,
    ServiceLevel,
)
from lienthong.catalog.eforms import parse, to_json
from lienthong.catalog.results import check_result_document

CODE_RE: Final = re.compile(r"[0-9]\.[0-9]{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2})?")


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    message: str


@dataclass
class ComponentData:
    name: str
    originals: int = 1
    copies: int = 0
    required: bool = True
    condition: str = ""
    form: str = ""
    data_registry: str = ""
    data_fields: list[str] = field(default_factory=list)
    data_note: str = ""


@dataclass
class ProcedureData:
    code: str
    name: str
    field: str
    levels: list[str]
    competent_agency: str
    agency_kind: str
    department: str
    channels: list[str]
    service_level: str
    processing_days: Decimal
    processing_note: str
    pauses_on_supplement: bool
    fees: list[dict[str, Any]]
    legal_bases: list[dict[str, Any]]
    results: list[str]
    requirements: list[str]
    steps: list[str]
    boundary_free: bool
    business_related: bool
    life_events: list[str]
    essential_06: bool
    sources: list[str]
    components: list[ComponentData]
    #: The procedure's own path (states and steps; checked by the dossier engine).
    workflow: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: The result paper's layout (``catalog.results``).
    result_document: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: The electronic form (``catalog.eforms``).
    form: dict[str, Any] = dataclasses.field(default_factory=dict)

    def version_fields(self) -> dict[str, Any]:
        """The values stored on a ProcedureVersion (everything but code and components)."""
        return {
            k: getattr(self, k)
            for k in (
                "name",
                "field",
                "levels",
                "competent_agency",
                "agency_kind",
                "department",
                "channels",
                "service_level",
                "processing_days",
                "processing_note",
                "pauses_on_supplement",
                "fees",
                "legal_bases",
                "results",
                "requirements",
                "steps",
                "boundary_free",
                "business_related",
                "life_events",
                "essential_06",
                "sources",
                "workflow",
                "result_document",
                "form",
            )
        }


class InvalidProcedure(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


def _text(raw: dict[str, Any], key: str, problems: list[Problem], *, required: bool = True) -> str:
    value = raw.get(key)
    text = " ".join(str(value).split()) if value not in (None, "") else ""
    if required and not text:
        problems.append(Problem(key, "required", _("Trường này không được để trống.")))
    return text


def _texts(raw: dict[str, Any], key: str) -> list[str]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = re.split(r"\n|;", value)
    return [" ".join(str(v).split()) for v in value if str(v).strip()]


def _choices(
    raw: dict[str, Any], key: str, allowed: Any, problems: list[Problem], *, required: bool = True
) -> list[str]:
    values = _texts(raw, key)
    bad = [v for v in values if v not in allowed]
    if bad:
        problems.append(
            Problem(key, "unknown_value", _("Giá trị không hợp lệ: %(v)s.") % {"v": ", ".join(bad)})
        )
    if required and not values:
        problems.append(Problem(key, "required", _("Chọn ít nhất một giá trị.")))
    return [v for v in values if v in allowed]


def _bool(raw: dict[str, Any], key: str, default: bool = False) -> bool:
    value = raw.get(key, default)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "x", "có", "co", "yes"}
    return bool(value)


def parse_procedure(raw: dict[str, Any]) -> ProcedureData:
    """Validate and normalise one procedure given as a mapping (the README's format).

    Raises InvalidProcedure listing every problem found, with the field it is about.
    """
    problems: list[Problem] = []
    code = _text(raw, "code", problems)
    if code and not CODE_RE.fullmatch(code):
        problems.append(
            Problem("code", "code_format", _("Mã thủ tục phải có dạng 1.001193 (số.sáu chữ số)."))
        )
    name = _text(raw, "name", problems)
    field_name = _text(raw, "field", problems)
    levels = _choices(raw, "levels", Level.values, problems)
    competent_agency = _text(raw, "competent_agency", problems)
    agency_kind = _text(raw, "agency_kind", problems)
    if agency_kind and agency_kind not in AGENCY_KINDS:
        problems.append(
            Problem(
                "agency_kind",
                "unknown_value",
                _("Loại cơ quan không hợp lệ: %(v)s.") % {"v": agency_kind},
            )
        )
    department = _text(raw, "department", problems, required=False)
    if department and department not in DEPARTMENTS:
        problems.append(
            Problem(
                "department",
                "unknown_value",
                _("Sở, ngành không hợp lệ: %(v)s.") % {"v": department},
            )
        )
    if agency_kind == "department" and not department:
        problems.append(Problem("department", "required", _("Cần ghi sở, ngành giải quyết.")))
    channels = _choices(raw, "channels", Channel.values, problems)
    service_level = _text(raw, "service_level", problems)
    if service_level and service_level not in ServiceLevel.values:
        problems.append(
            Problem("service_level", "unknown_value", _("Mức độ phải là full, partial hoặc none."))
        )
    if (
        service_level in (ServiceLevel.FULL, ServiceLevel.PARTIAL)
        and Channel.ONLINE not in channels
    ):
        problems.append(
            Problem(
                "channels",
                "online_missing",
                _("Dịch vụ trực tuyến phải có cách thức nộp trực tuyến."),
            )
        )
    try:
        days = Decimal(str(raw.get("processing_days", "")).replace(",", ".")).quantize(
            Decimal("0.1")
        )
        if days < 0 or days > 9999:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        days = Decimal(0)
        problems.append(
            Problem(
                "processing_days",
                "invalid_days",
                _("Thời hạn phải là số ngày làm việc, ví dụ 3 hoặc 0,5."),
            )
        )
    fees = _fees(raw.get("fees") or [], problems)
    life_events = _choices(raw, "life_events", LIFE_EVENTS, problems, required=False)
    components = _components(raw.get("components") or [], problems)
    workflow = _workflow(raw.get("workflow"), problems)
    result_document = _result_document(raw.get("result_document"), problems)
    form = _form(raw.get("form"), problems)
    if problems:
        raise InvalidProcedure(problems)
    return ProcedureData(
        code=code,
        name=name,
        field=field_name,
        levels=levels,
        competent_agency=competent_agency,
        agency_kind=agency_kind,
        department=department,
        channels=channels,
        service_level=service_level,
        processing_days=days,
        processing_note=_text(raw, "processing_note", problems, required=False),
        pauses_on_supplement=_bool(raw, "pauses_on_supplement", True),
        fees=fees,
        legal_bases=_legal_bases(raw.get("legal_bases") or []),
        results=_texts(raw, "results"),
        requirements=_texts(raw, "requirements"),
        steps=_texts(raw, "steps"),
        boundary_free=_bool(raw, "boundary_free"),
        business_related=_bool(raw, "business_related"),
        life_events=life_events,
        essential_06=_bool(raw, "essential_06"),
        sources=_texts(raw, "sources"),
        components=components,
        workflow=workflow,
        result_document=result_document,
        form=form,
    )


def _json_cell(value: Any) -> Any:
    """A configuration as given: an object, or its JSON text from a spreadsheet cell
    (None when that text is not JSON)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _workflow(value: Any, problems: list[Problem]) -> dict[str, Any]:
    """The procedure's own path: an object (or its JSON text, from a spreadsheet cell)
    with ``states`` and ``steps``; their meaning is checked by the dossier engine."""
    if value in (None, "", {}):
        return {}
    value = _json_cell(value)
    if not isinstance(value, dict) or not set(value) <= {"states", "steps", "also_from"}:
        problems.append(
            Problem(
                "workflow",
                "invalid_workflow",
                _("Quy trình riêng phải là đối tượng JSON có «states» và «steps»."),
            )
        )
        return {}
    return value


def _form(value: Any, problems: list[Problem]) -> dict[str, Any]:
    """The electronic form: an object (or its JSON text, from a spreadsheet cell) that
    ``catalog.eforms.parse`` accepts, stored in its exported form."""
    if value in (None, "", {}):
        return {}
    value = _json_cell(value)
    definition, found = parse(value) if value is not None else (None, ["not JSON"])
    if definition is None:
        problems.append(
            Problem(
                "form",
                "invalid_form",
                _("Tờ khai điện tử không hợp lệ: %(p)s") % {"p": "; ".join(found[:20])},
            )
        )
        return {}
    return to_json(definition)


def _result_document(value: Any, problems: list[Problem]) -> dict[str, Any]:
    """The result paper's layout: an object (or its JSON text, from a spreadsheet cell)
    checked against the registry of ``catalog.results``."""
    if value in (None, "", {}):
        return {}
    value = _json_cell(value)
    found = check_result_document(value) if isinstance(value, dict) else ["not an object"]
    if found:
        problems.append(
            Problem(
                "result_document",
                "invalid_result_document",
                _("Mẫu giấy tờ kết quả không hợp lệ: %(p)s") % {"p": "; ".join(found)},
            )
        )
        return {}
    return dict(value)


def _fees(items: Any, problems: list[Problem]) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        amount = item.get("amount")
        if amount is not None:
            try:
                amount = int(amount)
                if amount < 0:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append(
                    Problem(
                        f"fees[{i}].amount",
                        "invalid_amount",
                        _("Số tiền phải là số nguyên không âm (đồng)."),
                    )
                )
                amount = None
        out.append(
            {
                "name": " ".join(str(item.get("name", "")).split()) or _("Lệ phí"),
                "amount": amount,
                "rule": " ".join(str(item.get("rule") or "").split()),
            }
        )
    return out


def _legal_bases(items: Any) -> list[dict[str, Any]]:
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            out.append({"number": "", "title": item, "issued": ""})
        else:
            out.append(
                {
                    "number": str(item.get("number") or ""),
                    "title": str(item.get("title") or ""),
                    "issued": str(item.get("issued") or ""),
                }
            )
    return out


def _components(items: Any, problems: list[Problem]) -> list[ComponentData]:
    out = []
    for i, item in enumerate(items if isinstance(items, list) else []):
        name = " ".join(str(item.get("name") or "").split())
        if not name:
            problems.append(
                Problem(f"components[{i}].name", "required", _("Thành phần hồ sơ thiếu tên."))
            )
            continue
        source = item.get("data_source") or {}
        registry = str(source.get("registry") or "")
        if registry and registry not in REGISTRIES:
            problems.append(
                Problem(
                    f"components[{i}].data_source",
                    "unknown_registry",
                    _("Nguồn dữ liệu không hợp lệ: %(v)s.") % {"v": registry},
                )
            )
        try:
            originals = int(item.get("originals", 1) or 0)
            copies = int(item.get("copies", 0) or 0)
        except (TypeError, ValueError):
            problems.append(
                Problem(
                    f"components[{i}].originals", "invalid_count", _("Số bản phải là số nguyên.")
                )
            )
            originals, copies = 1, 0
        out.append(
            ComponentData(
                name=name,
                originals=originals,
                copies=copies,
                required=_bool(item, "required", True),
                condition=" ".join(str(item.get("condition") or "").split()),
                form=" ".join(str(item.get("form") or "").split()),
                data_registry=registry,
                data_fields=[str(f) for f in source.get("fields") or []],
                data_note=" ".join(str(source.get("note") or "").split()),
            )
        )
    return out
