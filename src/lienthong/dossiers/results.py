"""Result papers: what a layout of the catalogue's registry (``catalog.results``) is
filled with — the applicant's declaration, the register number, the signer — and the
words the legal forms write (dates in words, the issuer's abbreviation). Rendered by
``documents.result_pdf`` with ``dossiers/pdf/results/<layout>.html``."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone

from lienthong.catalog.results import GENERIC, ResultDocument, result_document_of
from lienthong.dossiers.constants import Status

if TYPE_CHECKING:
    from lienthong.directory.models import Agency
    from lienthong.dossiers.models import Dossier

__all__ = [
    "REFUSAL_BOOK",
    "Paper",
    "date_in_words",
    "issuer_abbreviation",
    "paper_of",
    "reference",
    "register_book",
    "signature_heading",
]

#: The book a refusal notice is numbered in (Decree 30/2020: outgoing documents).
REFUSAL_BOOK: Final = "Sổ đăng ký văn bản đi"

_UNITS: Final = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")


def _below_thousand(n: int, *, full: bool) -> str:
    """0–999 in words as civil-status papers write them; ``full`` keeps "không trăm"
    and "lẻ" inside a larger number (2026: "hai nghìn không trăm hai mươi sáu")."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_UNITS[hundreds], "trăm"]
    if tens > 1:
        words += [_UNITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 5:
            words.append("lăm")
        elif units == 4:
            words.append("tư")
        elif units:
            words.append(_UNITS[units])
    elif tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(_UNITS[units])
    elif units:
        if words:
            words.append("lẻ")
        words.append(_UNITS[units])
    return " ".join(words)


def number_in_words(n: int) -> str:
    """A day, month or year (0–9999) in Vietnamese words."""
    if not 0 <= n <= 9999:
        raise ValueError(n)
    if n == 0:
        return "không"
    thousands, rest = divmod(n, 1000)
    if not thousands:
        return _below_thousand(rest, full=False)
    words = f"{_UNITS[thousands]} nghìn"
    return f"{words} {_below_thousand(rest, full=True)}" if rest else words


def date_in_words(day: dt.date) -> str:
    """ "Ngày mười lăm tháng ba năm hai nghìn không trăm hai mươi sáu" (the line the
    civil-status forms print under a date of birth or death)."""
    month = "tư" if day.month == 4 else number_in_words(day.month)  # "tháng tư"
    words = f"ngày {number_in_words(day.day)} tháng {month} năm {number_in_words(day.year)}"
    return words[0].upper() + words[1:]


def _without_place(name: str) -> str:
    """ "Sở Xây dựng tỉnh Ninh Bình" → "Sở Xây dựng"."""
    return re.split(r"\s+(?:tỉnh|thành phố|xã|phường|đặc khu)\s", name, maxsplit=1)[0]


_KIND_ABBREVIATIONS: Final = {
    "people_committee": "UBND",
    "service_centre": "TTPVHCC",
    "police": "CA",
    "social_insurance": "BHXH",
}


def issuer_abbreviation(agency: Agency) -> str:
    """The issuer part of a document symbol (Decree 30/2020, appendix I): UBND for a
    People's Committee, the initials of a department's name (Sở Xây dựng → SXD)."""
    if agency.kind in _KIND_ABBREVIATIONS:
        return _KIND_ABBREVIATIONS[agency.kind]
    name = _without_place(agency.name)
    initials = "".join(w[0] for w in name.split() if w[:1].isalpha())
    folded = unicodedata.normalize("NFC", initials.upper())
    return folded[:10] or "CQ"


def register_book(document: ResultDocument, *, refused: bool) -> str:
    """The register book a paper is numbered in (a refusal: outgoing documents)."""
    return REFUSAL_BOOK if refused else document.layout.book


def reference(
    number: int, year: int, document: ResultDocument, *, refused: bool, issuer: str
) -> str:
    """The number as the paper prints it: "12, Quyển số: 01/2026" for a civil-status
    paper (one book a year), "12/GPXD-UBND" for others, "12/TB-UBND" for a refusal.
    In Vietnamese whatever the signer's page language: these are the paper's words."""
    if refused or document.layout.key == GENERIC:
        symbol = "TB" if refused else document.symbol
        return f"{number}/{symbol}-{issuer}"
    return f"{number}, Quyển số: 01/{year}"


@dataclass(frozen=True)
class Paper:
    """Everything a result layout prints."""

    document: ResultDocument
    refused: bool
    #: The declaration, each date also in words (``<key>_chu``).
    data: dict[str, Any]
    number: str
    place_and_date: str
    signer_name: str
    signer_title: str
    draft: bool
    #: The date of registration (dd/mm/yyyy) and the heading above a generic signature.
    registered: str = ""
    heading: str = ""
    #: A refusal's reason (the leader's note).
    reason: str = ""

    @property
    def template(self) -> str:
        layout = GENERIC if self.refused else self.document.layout.key
        return f"dossiers/pdf/results/{layout}.html"


def _declared(dossier: Dossier, document: ResultDocument) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for item in document.fields:
        value = str((dossier.form_data or {}).get(item.key, "") or "").strip()
        data[item.key] = value
        if item.kind == "date" and value:
            try:
                data[f"{item.key}_chu"] = date_in_words(dt.date.fromisoformat(value))
                data[item.key] = dt.date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                data[f"{item.key}_chu"] = ""
    return data


def paper_of(dossier: Dossier, *, draft: bool = False) -> Paper:
    """The result paper of ``dossier`` as issued, or as it will be (``draft``: the
    leader's preview before signing — no number yet, the signer to be)."""
    version = dossier.procedure_version
    document = result_document_of(version.result_document, version.results)
    issued = timezone.localtime(dossier.finished_at or timezone.now())
    place = dossier.handling_agency.unit.name if dossier.handling_agency.unit else ""
    signer = dossier.signed_by
    refusal = _refusal(dossier)
    return Paper(
        document=document,
        refused=refusal is not None,
        reason=refusal or "",
        registered=f"{issued:%d/%m/%Y}",
        heading=signature_heading(dossier.handling_agency),
        data=_declared(dossier, document),
        number="" if draft else dossier.result_reference,
        place_and_date=f"{place}, ngày {issued:%d} tháng {issued:%m} năm {issued:%Y}",
        signer_name=signer.get_full_name() if signer and not draft else "",
        signer_title="" if draft else dossier.signer_title,
        draft=draft,
    )


_AFTER_DECISION: Final = frozenset({Status.REFUSED, Status.RESULT_ISSUED, Status.RETURNED})


def _refusal(dossier: Dossier) -> str | None:
    """The reason of the refusal to decide, or None when it was not refused: decided
    as the engine numbers it — the paper was issued from the refused state (whatever a
    procedure calls its refusing step), the reason is the note of the step into it."""
    if dossier.status not in _AFTER_DECISION:
        return None
    if (
        dossier.status != Status.REFUSED
        and not dossier.events.filter(action="issue_result", from_status=Status.REFUSED).exists()
    ):
        return None
    event = dossier.events.filter(to_status=Status.REFUSED).order_by("-id").first()
    return event.note if event is not None else ""


def signature_heading(agency: Agency) -> str:
    """The line above a generic paper's signature: on behalf of a People's Committee
    ("TM. ỦY BAN NHÂN DÂN"), otherwise the agency's name without its place."""
    if agency.kind == "people_committee":
        return "TM. ỦY BAN NHÂN DÂN"
    name = _without_place(agency.name)
    return name.upper()
