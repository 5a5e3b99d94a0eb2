"""Prefilling an electronic form from the registries, with the applicant's consent.

The applicant asks for it on the filing page ("Đồng ý, điền sẵn"); the platform then
reads, through the data-sharing gateway, the fields the form names — about the
applicant, or about the person whose number they typed in another field (the deceased
of a death registration) — for the agency that will decide the dossier, under that
agency's grant, on the applicant's behalf. Every read is logged like any other and
appears in the person's "Ai đã xem dữ liệu của tôi". What came from a registry is kept
with its source (registry, record version) and shown on the dossier as "đã lấy từ
CSDL …"; a field the form locks keeps the registry's value whatever is posted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.utils.translation import gettext as _

from lienthong.catalog import eforms
from lienthong.catalog import selectors as catalog
from lienthong.core.errors import DomainError, NotFound, PermissionDenied
from lienthong.core.identifiers import IdentifierError, normalize_pin
from lienthong.dossiers import routing
from lienthong.dossiers.constants import SOURCE_KEY
from lienthong.geo import selectors as geo
from lienthong.registries import gateway
from lienthong.registries import selectors as registries

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.catalog.eforms import FormDefinition, FormField, Prefill
    from lienthong.catalog.models import ProcedureVersion

__all__ = ["SOURCE_KEY", "Prefilled", "locked_values", "prefill", "sources_kept"]

#: The system name the reads are logged under (the platform's filing pages).
CLIENT_ID: Final = "to-khai-dien-tu"


@dataclass
class Prefilled:
    """Values read for the form, each with its source, and what could not be read."""

    values: dict[str, str] = field(default_factory=dict)
    #: ``{key: {"registry", "registry_name", "version", "request"}}``
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Vietnamese messages: a registry unavailable, no grant, no record.
    problems: list[str] = field(default_factory=list)

    def as_session(self) -> dict[str, Any]:
        return {"values": self.values, "sources": self.sources, "problems": self.problems}

    @classmethod
    def from_session(cls, raw: Any) -> Prefilled:
        if not isinstance(raw, dict):
            return cls()
        return cls(
            dict(raw.get("values") or {}),
            dict(raw.get("sources") or {}),
            list(raw.get("problems") or []),
        )


def prefill(
    *,
    actor: User,
    version: ProcedureVersion,
    commune_code: str,
    typed: dict[str, str] | None = None,
    ip: str = "",
    form: FormDefinition | None = None,
    title: str = "",
) -> Prefilled:
    """Read the form's prefilled fields for ``actor``'s dossier of ``version`` decided
    in ``commune_code``; ``typed`` holds the numbers typed in the form's ``pin`` fields
    (a field prefilled ``of`` one of them is read about that person). ``form`` and
    ``title``: another form than the version's (an interconnected group's, read by the
    agency that decides its first procedure)."""
    form = form or catalog.form_of(version)
    out = Prefilled()
    if form is None or not form.prefilled:
        return out
    try:
        unit = geo.current_unit(commune_code, level="commune")
    except NotFound:
        out.problems.append(_("Hãy chọn xã, phường nơi giải quyết trước."))
        return out
    if not actor.pin:  # the reads are made on the applicant's behalf: who they are counts
        out.problems.append(_("Tài khoản chưa có số định danh cá nhân (đăng nhập bằng VNeID)."))
        return out
    agency = routing.competent_agency(version, unit)
    typed = typed or {}
    wanted: dict[tuple[str, str], list[tuple[FormField, Prefill]]] = defaultdict(list)
    strangers: set[str] = set()
    for f, source in form.prefilled:
        who = actor.pin if not source.of else typed.get(source.of, "")
        try:
            who = normalize_pin(who) if who else ""
        except IdentifierError:
            who = ""
        # Another person's data only for their family (a death declared by a relative).
        if who and who != actor.pin and not registries.are_family(actor.pin, who):
            strangers.add(who)
            continue
        if who:
            wanted[(source.service, who)].append((f, source))
    for who in sorted(strangers):
        out.problems.append(
            _(
                "Chỉ điền sẵn được thông tin của người cùng hộ hoặc cha, mẹ, vợ, chồng, con "
                "của người nộp; số %(pin)s: hãy tự khai."
            )
            % {"pin": who}
        )
    caller = gateway.Caller(agency, None, CLIENT_ID, ip)
    purpose = _("Điền sẵn tờ khai «%(p)s» theo đề nghị của người nộp") % {
        "p": (title or version.name)[:200]
    }
    for (service, who), fields in wanted.items():
        try:
            answer = gateway.consult(
                caller, service, who, purpose=purpose, on_behalf_of=actor.pin or ""
            )
        except gateway.RegistryUnavailableError as exc:
            out.problems.append(str(exc.detail))
            continue
        except PermissionDenied:
            out.problems.append(
                _(
                    "%(agency)s chưa được cấp quyền lấy dữ liệu này từ cơ sở dữ liệu; hãy tự "
                    "khai các mục còn trống."
                )
                % {"agency": agency.name}
            )
            continue
        except DomainError as exc:
            out.problems.append(str(exc.detail))
            continue
        if not answer.records:
            out.problems.append(
                _("Cơ sở dữ liệu không có thông tin của số định danh %(pin)s.") % {"pin": who}
            )
            continue
        record, meta = answer.records[0], answer.meta[0] if answer.meta else None
        name = gateway.get_registry(answer.registry).name
        for f, source in fields:
            value = record.get(source.field)
            if value in (None, ""):
                continue
            shown = source.shown(value)
            if (wrong := eforms.check_value(f, shown)) is not None:
                # Not the applicant's to fix in the registry, nor to be trapped by: the
                # item stays open for them to declare, and they are told why.
                out.problems.append(
                    _("Dữ liệu từ %(registry)s không dùng được: %(problem)s Hãy tự khai mục này.")
                    % {"registry": name, "problem": wrong[1]}
                )
                continue
            out.values[f.key] = shown
            out.sources[f.key] = {
                "about": who,
                "of_key": source.of,
                "registry": answer.registry,
                "registry_name": name,
                "version": meta.version if meta else None,
                "request": str(answer.request),
            }
    return out


def locked_values(version: ProcedureVersion, prefilled: Prefilled) -> dict[str, str]:
    """The prefilled values of the fields the form locks (kept whatever is posted)."""
    form = catalog.form_of(version)
    if form is None:
        return {}
    return {
        f.key: prefilled.values[f.key]
        for f in form.fields
        if f.locked and f.key in prefilled.values
    }


def sources_kept(prefilled: Prefilled, declared: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The sources of the values still as the registry gave them (a value the applicant
    changed is theirs, not the registry's)."""
    return {
        k: s
        for k, s in prefilled.sources.items()
        if str(declared.get(k, "")) == prefilled.values.get(k) and _still_about(s, declared)
    }


def _still_about(source: dict[str, Any], declared: dict[str, Any]) -> bool:
    """A value read about a person whose number the applicant then changed is no longer
    the registry's (the source names whom it was read about)."""
    about = str(source.get("of_key") or "")
    return not about or str(declared.get(about, "")) == str(source.get("about", ""))
