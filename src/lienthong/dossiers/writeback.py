"""A result entered in the registries when it is issued (once-only: the next agency
reads it instead of asking the citizen for the paper).

A procedure's result configuration names what its result writes
(``result_document.writes``, ``catalog.results.WRITE_RECIPES``); each recipe here says
which registry write services it uses and turns the dossier's declaration into the
values written. The writes go through the data-sharing gateway as the agency that
issues the result: checked against the owner's grants **before** the step's
transaction (a refusal stops the step with a clear message, and is logged and alerted
to the owner), made **inside** it (issued together with the result, or not at all).
What was written (the new personal identification number of a newborn, the record
versions) goes into the step's history, where an interconnected group reads it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.utils.translation import gettext as _

from lienthong.catalog.results import result_document_of
from lienthong.core.errors import DomainError, InvalidInput
from lienthong.registries import gateway

if TYPE_CHECKING:
    from lienthong.directory.models import Agency
    from lienthong.dossiers.models import Dossier

__all__ = ["RECIPES", "Recipe", "WriteBackRefused", "permits_for", "write_back"]

_SEX: Final = {"Nam": "male", "Nữ": "female"}
_RELATION: Final = {
    "Chủ hộ": "head",
    "Vợ": "spouse",
    "Chồng": "spouse",
    "Con": "child",
    "Cha": "parent",
    "Mẹ": "parent",
    "Cháu": "grandchild",
    "Anh, chị, em": "sibling",
}


class WriteBackRefused(DomainError):
    code = "registry-write-refused"
    status = 403


@dataclass(frozen=True)
class Recipe:
    services: tuple[str, ...]
    apply: Callable[[Dossier, Mapping[str, gateway.WritePermit], dict[str, Any]], dict[str, Any]]
    #: The declared items it cannot do without (``date`` ones must be real dates).
    needs: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()


def _text(data: Mapping[str, Any], key: str) -> str:
    return str(data.get(key) or "").strip()


def _register_key(prefix: str, dossier: Dossier, result: Mapping[str, Any]) -> str:
    """The entry's reference: the register book's agency (numbers run per agency, book
    and year), the year and the number."""
    year = dt.date.today().year
    number = result.get("result_number") or 0
    return f"{prefix}.{dossier.handling_agency.code}.{year}.{number}"


def _birth(
    dossier: Dossier, permits: Mapping[str, gateway.WritePermit], result: dict[str, Any]
) -> dict[str, Any]:
    d = dossier.form_data
    sex = _SEX.get(_text(d, "gioi_tinh"), "")
    person = {
        "full_name": _text(d, "ho_ten"),
        "birth_date": _text(d, "ngay_sinh"),
        "sex": sex,
        "ethnicity": _text(d, "dan_toc"),
        "nationality": _text(d, "quoc_tich"),
        "birth_place": dossier.competent_unit.code,
        "father_pin": _text(d, "cha_so_dinh_danh"),
        "mother_pin": _text(d, "me_so_dinh_danh"),
        "status": "alive",
    }
    born = gateway.write(
        permits["new-citizen"],
        {k: v for k, v in person.items() if v},
        issue={"province": dossier.province.code},
    )
    entry = {
        "kind": "birth",
        "book": f"01/{dt.date.today().year}",
        "number": result.get("result_number"),
        "registered_on": dt.date.today().isoformat(),
        "registered_at": dossier.competent_unit.code,
        "pin": born.key,
        "full_name": person["full_name"],
        "event_date": person["birth_date"],
        "sex": sex,
        "father_pin": person["father_pin"],
        "father_name": _text(d, "cha_ho_ten"),
        "mother_pin": person["mother_pin"],
        "mother_name": _text(d, "me_ho_ten"),
    }
    civil = gateway.write(
        permits["civil-status-entry"],
        {k: v for k, v in entry.items() if v not in ("", None)},
        key=_register_key("KS", dossier, result),
        subject=born.key,
    )
    return {"new_pin": born.key, "written": [_ref(born), _ref(civil)]}


def _death(
    dossier: Dossier, permits: Mapping[str, gateway.WritePermit], result: dict[str, Any]
) -> dict[str, Any]:
    d = dossier.form_data
    pin = _text(d, "so_dinh_danh")
    written = []
    if pin:
        written.append(
            gateway.write(
                permits["death-update"],
                {"status": "dead", "death_date": _text(d, "ngay_chet")},
                key=pin,
            )
        )
    entry = {
        "kind": "death",
        "book": f"01/{dt.date.today().year}",
        "number": result.get("result_number"),
        "registered_on": dt.date.today().isoformat(),
        "registered_at": dossier.competent_unit.code,
        "pin": pin,
        "full_name": _text(d, "ho_ten"),
        "event_date": _text(d, "ngay_chet"),
        "sex": _SEX.get(_text(d, "gioi_tinh"), ""),
    }
    written.append(
        gateway.write(
            permits["civil-status-entry"],
            {k: v for k, v in entry.items() if v not in ("", None)},
            key=_register_key("KT", dossier, result),
            subject=pin,
        )
    )
    return {"written": [_ref(w) for w in written]}


def _residence(
    dossier: Dossier, permits: Mapping[str, gateway.WritePermit], result: dict[str, Any]
) -> dict[str, Any]:
    d = dossier.form_data
    values = {
        "permanent_unit": _text(d, "noi_dang_ky"),
        "permanent_address": _text(d, "dia_chi"),
        "relation": _RELATION.get(_text(d, "quan_he_chu_ho"), "other"),
    }
    written = gateway.write(
        permits["residence-update"],
        values,
        key=_text(d, "so_dinh_danh"),
        issue={"household_of": _text(d, "chu_ho_so_dinh_danh")},
    )
    return {"written": [_ref(written)]}


def _remove_residence(
    dossier: Dossier, permits: Mapping[str, gateway.WritePermit], result: dict[str, Any]
) -> dict[str, Any]:
    written = gateway.write(
        permits["residence-update"],
        {"permanent_unit": "", "permanent_address": ""},
        key=_text(dossier.form_data, "so_dinh_danh"),
    )
    return {"written": [_ref(written)]}


def card_until(born: dt.date) -> dt.date:
    """The last day of a child's free health-insurance card: the day before they turn
    six (72 months); born after 30 September, the 30 September of that year (Law on
    Health Insurance, article 16, as amended)."""
    sixth = (
        born.replace(year=born.year + 6)
        if (born.month, born.day) != (2, 29)
        else dt.date(born.year + 6, 3, 1)
    )
    if born.month >= 10:
        return dt.date(born.year + 6, 9, 30)
    return sixth - dt.timedelta(days=1)


def _insurance_child(
    dossier: Dossier, permits: Mapping[str, gateway.WritePermit], result: dict[str, Any]
) -> dict[str, Any]:
    d = dossier.form_data
    born = dt.date.fromisoformat(_text(d, "tre_ngay_sinh"))
    values = {
        "pin": _text(d, "tre_so_dinh_danh"),
        "full_name": _text(d, "tre_ho_ten"),
        "insured_kind": "child_under_6",
        "card_from": born.isoformat(),
        "card_to": card_until(born).isoformat(),
        "facility": _text(d, "noi_kcb"),
        "card_status": "active",
    }
    written = gateway.write(
        permits["insurance-card-issue"],
        {k: v for k, v in values.items() if v},
        subject=values["pin"],
        issue={"province": dossier.province.code},
    )
    return {"insurance_code": written.key, "written": [_ref(written)]}


def _survivor(
    dossier: Dossier, permits: Mapping[str, gateway.WritePermit], result: dict[str, Any]
) -> dict[str, Any]:
    code = _text(dossier.form_data, "ma_bhxh")
    if not code:
        return {}
    written = gateway.write(
        permits["insurance-card-stop"],
        {"card_status": "stopped"},
        key=code,
        about=_text(dossier.form_data, "so_dinh_danh"),
    )
    return {"written": [_ref(written)]}


def _ref(w: gateway.Written) -> dict[str, Any]:
    return {
        "registry": w.registry,
        "registry_name": w.registry_name,
        "key": w.key,
        "version": w.version,
    }


RECIPES: Final[Mapping[str, Recipe]] = {
    "birth": Recipe(
        ("new-citizen", "civil-status-entry"),
        _birth,
        ("ho_ten", "ngay_sinh", "gioi_tinh"),
        ("ngay_sinh",),
    ),
    "death": Recipe(("death-update", "civil-status-entry"), _death, ("ngay_chet",), ("ngay_chet",)),
    "residence": Recipe(("residence-update",), _residence, ("so_dinh_danh", "noi_dang_ky")),
    "remove-residence": Recipe(("residence-update",), _remove_residence, ("so_dinh_danh",)),
    "insurance-child": Recipe(
        ("insurance-card-issue",),
        _insurance_child,
        ("tre_so_dinh_danh", "tre_ngay_sinh"),
        ("tre_ngay_sinh",),
    ),
    "survivor": Recipe(("insurance-card-stop",), _survivor),
}


def recipes_of(dossier: Dossier) -> tuple[str, ...]:
    version = dossier.procedure_version
    return result_document_of(version.result_document, version.results).writes


def permits_for(
    dossier: Dossier, agency: Agency, actor: Any, ip: str = ""
) -> dict[str, gateway.WritePermit]:
    """Check, before the step's transaction, that ``agency`` may make every write the
    dossier's result makes; a refusal (logged, alerted) stops the step."""
    permits: dict[str, gateway.WritePermit] = {}
    caller = gateway.Caller(agency, actor, "", ip)
    subject = dossier.applicant.pin or ""
    missing = _missing(dossier)
    if missing:
        raise InvalidInput(
            _(
                "Chưa ban hành được kết quả: tờ khai điện tử của hồ sơ thiếu hoặc sai các mục "
                "cần để cập nhật cơ sở dữ liệu (%(m)s). Đề nghị người nộp bổ sung tờ khai."
            )
            % {"m": ", ".join(missing)},
            code="declaration-incomplete",
        )
    for name in recipes_of(dossier):
        for service in RECIPES[name].services:
            if service in permits:
                continue
            try:
                permits[service] = gateway.authorise_write(
                    caller,
                    service,
                    purpose=_("Cập nhật kết quả hồ sơ %(code)s: %(name)s")
                    % {"code": dossier.code, "name": dossier.procedure_version.name[:300]},
                    dossier=dossier.code,
                    on_behalf_of=subject,
                    subject=subject,
                )
            except DomainError as exc:
                raise WriteBackRefused(
                    _(
                        "Chưa ban hành được kết quả: %(agency)s chưa được cấp quyền cập nhật "
                        "kết quả vào cơ sở dữ liệu (%(reason)s). Đề nghị cơ quan chủ quản cấp "
                        "quyền rồi thực hiện lại."
                    )
                    % {"agency": agency.name, "reason": exc.detail}
                ) from exc
    return permits


def _missing(dossier: Dossier) -> list[str]:
    """The declared items the dossier's result writes need and lacks (or whose date is
    not a date)."""
    data = dossier.form_data or {}
    out = []
    for name in recipes_of(dossier):
        recipe = RECIPES[name]
        for key in recipe.needs:
            value = _text(data, key)
            if not value:
                out.append(key)
            elif key in recipe.dates:
                try:
                    dt.date.fromisoformat(value)
                except ValueError:
                    out.append(key)
    return out


def write_back(
    dossier: Dossier, permits: Mapping[str, gateway.WritePermit], result: dict[str, Any]
) -> dict[str, Any]:
    """Make the dossier's result writes (in the step's transaction); what was written,
    for the step's history."""
    out: dict[str, Any] = {}
    for name in recipes_of(dossier):
        done = RECIPES[name].apply(dossier, permits, result)
        written = [*out.get("written", []), *done.pop("written", [])]
        out.update(done)
        if written:
            out["written"] = written
    return out
