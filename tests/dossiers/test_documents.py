"""Receipts and signed results as real PDFs; signatures checked by pyHanko and by
poppler's pdfsig (an independent validator)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from lienthong.dossiers import documents, signing
from lienthong.dossiers.services import act, submit
from tests.conftest import require_tool
from tests.dossiers.conftest import ELSEWHERE, HOME, at, form, pdf_text


@pytest.fixture(autouse=True)
def pki(tmp_path, settings):
    settings.SIGNING_PKI_DIR = tmp_path / "pki"


def _returned(cast):
    d = submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        receiving_unit_code=ELSEWHERE,
        uploads=form(),
        now=at(2026, 11, 23, 9, 0),
    )
    for actor, action, kw in [
        (cast.clerk_elsewhere, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "approve", {}),
        (cast.leader, "issue_result", {}),
    ]:
        d = act(actor=actor, code=d.code, action=action, **kw)
    return d


def test_the_receipt_is_form_01_with_the_due_date_and_a_tracking_qr(cast):
    d = submit(
        actor=cast.clerk_home,
        applicant=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        channel="counter",
        uploads=form(),
        now=at(2026, 11, 23, 9, 0),
    )
    pdf = documents.receipt_pdf(d, base_url="https://dichvucong.example.gov.vn/")
    (Path("var") / "screenshots").mkdir(parents=True, exist_ok=True)
    (Path("var") / "screenshots" / "giay-tiep-nhan.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert d.code in text
    assert "09 giờ 00 phút, ngày 24/11/2026" in text  # one working day later
    assert "Giấy chứng sinh" in text
    assert "không phải nộp" in text
    assert f"ma={d.code}&khoa={d.tracking_key}" in text.replace(" ", "")  # the URL wraps


def test_the_result_is_signed_by_the_handling_agency_and_verifies(cast):
    d = _returned(cast)
    pdf = documents.result_pdf(d)
    reader = PdfFileReader(io.BytesIO(pdf))
    [embedded] = reader.embedded_signatures
    status = validate_pdf_signature(
        embedded, ValidationContext(trust_roots=[signing.trust_root_asn1()])
    )
    assert status.intact
    assert status.valid
    assert status.trusted
    assert cast.home_committee.code in status.signing_cert.subject.human_friendly
    assert "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in pdf_text(pdf)


def test_an_independent_validator_finds_the_signature_intact_and_a_tampered_copy_broken(
    cast, tmp_path
):
    require_tool("pdfsig")
    pdf = documents.result_pdf(_returned(cast))
    good = tmp_path / "ket-qua.pdf"
    good.write_bytes(pdf)
    report = subprocess.run(["pdfsig", str(good)], capture_output=True, text=True).stdout
    assert "Signature is Valid." in report
    assert "PAdES" in report or "ETSI.CAdES.detached" in report
    tampered = bytearray(pdf)
    i = tampered.index(b"/Type /Page")  # inside the signed byte range
    tampered[i + 1] = ord("X")
    bad = tmp_path / "sua.pdf"
    bad.write_bytes(bytes(tampered))
    report = subprocess.run(["pdfsig", str(bad)], capture_output=True, text=True).stdout
    assert "Signature is Valid." not in report


def test_the_payment_code_is_a_vietqr_with_amount_and_dossier(cast):
    d = submit(
        actor=cast.citizen,
        procedure_code="2.000815",
        competent_unit_code=HOME,
        uploads=form("Bản chính giấy tờ, văn bản"),
    )
    code = documents.payment_qr(d)
    assert code.amount == 2000
    assert code.payload.startswith("000201")  # EMVCo payload
    assert "54042000" in code.payload  # tag 54: amount 2000
    assert d.code.split("-")[-1] in code.payload
    assert code.svg.startswith("<svg")
