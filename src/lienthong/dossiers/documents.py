"""PDF documents of a dossier (WeasyPrint): the receipt and appointment slip (form 01
of Circular 03/2025) with a tracking QR code, and the signed result; the VietQR
payment code."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from vietnam_qr_pay import QRPay

from lienthong.dossiers import signing
from lienthong.dossiers.constants import NPSP_STATUS


def _qr_data_uri(text: str) -> str:
    svg = segno.make(text, error="m").svg_inline(scale=3)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _render(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango costs a moment

    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()


def tracking_url(dossier: Any, base_url: str) -> str:
    path = reverse("dossiers:track")
    return f"{base_url.rstrip('/')}{path}?ma={dossier.code}&khoa={dossier.tracking_key}"


def receipt_pdf(dossier: Any, *, base_url: str) -> bytes:
    """Giấy tiếp nhận hồ sơ và hẹn trả kết quả (mẫu 01), with the QR of public tracking."""
    url = tracking_url(dossier, base_url)
    return _render(
        "dossiers/pdf/receipt.html",
        {
            "d": dossier,
            "agency": dossier.receiving_agency,
            "files": dossier.files.all(),
            "qr": _qr_data_uri(url),
            "url": url,
            "printed": timezone.localtime(),
            "npsp": NPSP_STATUS[dossier.status],
        },
    )


def result_pdf(dossier: Any) -> bytes:
    """The result document, signed (PAdES) with the handling agency's key."""
    pdf = _render(
        "dossiers/pdf/result.html",
        {
            "d": dossier,
            "issued": dossier.finished_at or timezone.now(),
            "approved": dossier.status != "refused",
        },
    )
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


def payment_qr(dossier: Any) -> PaymentCode:
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
