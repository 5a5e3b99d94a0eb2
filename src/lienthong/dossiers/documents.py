"""PDF documents of a dossier (WeasyPrint): the receipt and appointment slip (form 01
of Circular 03/2025) with a tracking QR code, and the signed result; the VietQR
payment code."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from vietnam_qr_pay import QRPay

from lienthong.core.pdf import render_pdf
from lienthong.dossiers import declarations, results, signing
from lienthong.dossiers.table import npsp_status

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from lienthong.directory.models import Agency
    from lienthong.dossiers.models import Dossier, DossierEvent


def _qr_data_uri(text: str) -> str:
    svg = segno.make(text, error="m").svg_inline(scale=3)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _render(template: str, context: dict[str, Any]) -> bytes:
    return render_pdf(template, context)


def tracking_url(dossier: Dossier, base_url: str) -> str:
    path = reverse("dossiers:track")
    return f"{base_url.rstrip('/')}{path}?ma={dossier.code}&khoa={dossier.tracking_key}"


def _days_given(dossier: Dossier) -> float:
    """The working days the dossier was given: its procedure's, or those of the group it
    was filed for (the clock's start to its due date, a supplement's time left out)."""
    from lienthong.core.workcalendar import get_calendar

    if dossier.clock_start is None or dossier.due_at is None:
        return float(dossier.procedure_version.processing_days)
    hours = get_calendar().working_hours_between(dossier.clock_start, dossier.due_at)
    return round(max(hours - float(dossier.supplement_hours), 0.0) / 8, 1)


def receipt_pdf(dossier: Dossier, *, base_url: str) -> bytes:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01), with the QR of public tracking."""
    url = tracking_url(dossier, base_url)
    received = dossier.events.filter(action="receive").select_related("actor").first()
    return _render(
        "dossiers/pdf/receipt.html",
        {
            "d": dossier,
            # The clerk who received it signs the slip (their name under the signature).
            "receiver": received.actor if received is not None else None,
            "agency": dossier.receiving_agency,
            "files": dossier.files.all(),
            "qr": _qr_data_uri(url),
            "url": url,
            "printed": timezone.localtime(),
            "npsp": npsp_status(dossier),
            "days": _days_given(dossier),
        },
    )


def result_pdf(dossier: Dossier, *, draft: bool = False) -> bytes:
    """The result paper in its legal layout (``dossiers.results``), signed (PAdES) with
    the handling agency's key; ``draft``: the leader's preview, unsigned and marked."""
    paper = results.paper_of(dossier, draft=draft)
    pdf = _render(paper.template, {"d": dossier, "p": paper})
    if draft:
        return pdf
    agency = dossier.handling_agency
    return signing.sign_pdf(
        pdf,
        agency_code=agency.code,
        agency_name=agency.name,
        reason=f"Kết quả giải quyết hồ sơ {dossier.code}",
    )


@dataclass(frozen=True)
class PaymentCode:
    payload: str
    svg: str
    amount: int
    purpose: str


def payment_qr(dossier: Dossier) -> PaymentCode:
    """A VietQR code for the dossier's fees (amount and dossier code in the purpose)."""
    purpose = f"LP {dossier.code}"[:50]
    payload = QRPay.init_viet_qr(
        bank_bin=settings.PAYMENT_BANK_BIN,
        bank_number=settings.PAYMENT_ACCOUNT_NUMBER,
        amount=str(dossier.fee_total),
        purpose=purpose,
    ).build()
    return PaymentCode(
        payload, segno.make(payload, error="m").svg_inline(scale=4), dossier.fee_total, purpose
    )


#: The forms of Circular 03/2025/TT-VPCP a dossier can print, with the history step each
#: one documents (None: always available).
FORMS: dict[int, tuple[StrOrPromise, str | None]] = {
    2: (gettext_lazy("Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ"), "request_supplement"),
    3: (gettext_lazy("Phiếu từ chối tiếp nhận giải quyết hồ sơ"), "refuse_intake"),
    4: (
        gettext_lazy("Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết hồ sơ"),
        "extend",
    ),
    5: (gettext_lazy("Thông báo dừng giải quyết hồ sơ"), "cancel"),
    6: (gettext_lazy("Phiếu kiểm soát quá trình giải quyết hồ sơ"), None),
}


def declaration_pdf(dossier: Dossier) -> bytes | None:
    """The declaration made on the electronic form, printed as the procedure's
    declaration paper: its official layout when the platform has one (``declarations``),
    else the generic one; prefilled answers with their registry. None when the dossier
    has none."""
    from lienthong.catalog import selectors as catalog
    from lienthong.dossiers.selectors import declared_answers

    form = catalog.form_of(dossier.procedure_version)
    with translation.override("vi"):  # the legal paper, in Vietnamese
        answers = declared_answers(dossier)
        if form is None or answers is None:
            return None
        unit = dossier.competent_unit
        return _render(
            declarations.template_of(form),
            {
                "d": dossier,
                "form": form,
                "v": answers,
                "sections": answers.sections,
                "others": answers.others,
                "notes": answers.notes,
                "day": timezone.localtime(dossier.submitted_at).date(),
                "place": unit.name if unit else "",
            },
        )


def available_forms(dossier: Dossier) -> list[tuple[int, StrOrPromise]]:
    actions = set(dossier.events.values_list("action", flat=True))
    if "refuse" in actions:
        actions.add("refuse_intake")  # form 03 also notifies a refusal to decide
    return [(n, title) for n, (title, step) in FORMS.items() if step is None or step in actions]


def form_pdf(dossier: Dossier, number: int) -> bytes:
    """Form ``number`` (02–06) of Circular 03/2025 for ``dossier``."""
    from lienthong.dossiers.selectors import history_rows

    label, step = FORMS[number]
    with translation.override("vi"):  # the form is the legal paper, in Vietnamese
        title = str(label)
    event = None
    if step is not None:
        steps = [step, "refuse"] if step == "refuse_intake" else [step]
        event = dossier.events.filter(action__in=steps).order_by("-id").first()
        if event is None:
            raise KeyError(number)
    return _render(
        "dossiers/pdf/form.html",
        {
            "d": dossier,
            "agency": dossier.receiving_agency if number in (2, 3, 6) else dossier.handling_agency,
            "number": number,
            "title": title,
            "event": event,
            "history": history_rows(dossier) if number == 6 else [],
            "components": [c.name for c in dossier.procedure_version.components.all()],
            "today": timezone.localdate(),
            "new_due": _when(event, "new_due"),
            "old_due": _when(event, "old_due"),
        },
    )


def _when(event: DossierEvent | None, key: str) -> dt.datetime | None:
    value = (event.data or {}).get(key) if event is not None else None
    return timezone.localtime(dt.datetime.fromisoformat(value)) if value else None


def register_pdf(agency: Agency, dossiers: list[Dossier], *, start: dt.date, end: dt.date) -> bytes:
    """Sổ theo dõi hồ sơ (form 07): the dossiers an agency received in a period."""
    return _render(
        "dossiers/pdf/register.html",
        {
            "agency": agency,
            "dossiers": dossiers,
            "start": start,
            "end": end,
            "today": timezone.localdate(),
        },
    )
