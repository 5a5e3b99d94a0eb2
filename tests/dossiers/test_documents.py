"""Receipts and signed results as real PDFs; signatures checked by pyHanko and by
poppler's pdfsig (an independent validator)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from lienthong.accounts.models import RoleAssignment
from lienthong.catalog.models import ProcedureVersion
from lienthong.catalog.records import parse_procedure
from lienthong.catalog.results import GENERIC, LAYOUTS
from lienthong.catalog.services import publish_seed
from lienthong.core.errors import InvalidInput
from lienthong.dossiers import documents, signing
from lienthong.dossiers.intake import Upload
from lienthong.dossiers.models import Dossier
from lienthong.dossiers.results import date_in_words
from lienthong.dossiers.services import act, submit
from tests.catalog.conftest import KET_HON
from tests.conftest import require_tool
from tests.dossiers.conftest import (
    ELSEWHERE,
    HOME,
    advance,
    at,
    file_online,
    form,
    pdf,
    pdf_text,
)


@pytest.fixture(autouse=True)
def pki(tmp_path, settings):
    settings.SIGNING_PKI_DIR = tmp_path / "pki"


#: A birth declared on the filing page (the fields of the Giấy khai sinh layout).
BIRTH = {
    "ho_ten": "Nguyễn Minh Khang",
    "gioi_tinh": "Nam",
    "ngay_sinh": "2026-11-15",
    "noi_sinh": "Bệnh viện Sản Nhi tỉnh Ninh Bình",
    "que_quan": "Xã Liên Minh, tỉnh Ninh Bình",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "me_ho_ten": "Trần Thị Lan",
    "me_nam_sinh": "1995",
    "me_dan_toc": "Kinh",
    "me_quoc_tich": "Việt Nam",
    "me_noi_cu_tru": "Xóm 3, xã Liên Minh, tỉnh Ninh Bình",
    "cha_ho_ten": "Nguyễn Văn An",
    "cha_nam_sinh": "1990",
    "cha_dan_toc": "Kinh",
    "cha_quoc_tich": "Việt Nam",
    "cha_noi_cu_tru": "Xóm 3, xã Liên Minh, tỉnh Ninh Bình",
    "quan_he": "cha",
}


def _decided(
    cast,
    *,
    code="1.001193",
    component="Tờ khai đăng ký khai sinh",
    form_data=None,
    last="issue_result",
    refuse="",
):
    d = submit(
        actor=cast.citizen,
        procedure_code=code,
        competent_unit_code=HOME,
        receiving_unit_code=ELSEWHERE,
        uploads=form(component),
        form_data=BIRTH if form_data is None else form_data,
        now=at(2026, 11, 23, 9, 0),
    )
    steps = [
        (cast.clerk_elsewhere, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "refuse", {"note": refuse}) if refuse else (cast.leader, "approve", {}),
        (cast.leader, "issue_result", {}),
    ]
    for actor, action, kw in steps:
        d = act(actor=actor, code=d.code, action=action, **kw)
        if action == last:
            break
    return d


def _returned(cast):
    return _decided(cast)


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
    # The clerk who received it is named under the signature; the slip is one page.
    assert cast.clerk_home.get_full_name() in text
    assert len(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"]) == 1


def test_a_receipt_with_many_papers_and_a_long_request_fits_one_page(cast):
    d = submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        uploads=form()
        + [Upload(f"Giấy tờ kèm theo số {i}", pdf(f"kem-{i}.pdf")) for i in range(6)],
        summary="Đề nghị cấp thêm bản sao Giấy khai sinh cho gia đình. " * 6,
    )
    pdf_bytes = documents.receipt_pdf(d, base_url="https://dichvucong.example.gov.vn/")
    assert len(PdfFileReader(io.BytesIO(pdf_bytes)).root["/Pages"]["/Kids"]) == 1
    assert "(chờ cán bộ tiếp nhận)" in pdf_text(pdf_bytes)


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


def test_birth_registration_issues_a_giay_khai_sinh_numbered_in_the_register(cast):
    RoleAssignment.objects.filter(user=cast.leader).update(position="Phó Chủ tịch")
    d = _returned(cast)
    assert d.result_number == 1
    assert d.signed_by == cast.leader
    pdf = documents.result_pdf(d)
    (Path("var") / "screenshots").mkdir(parents=True, exist_ok=True)
    (Path("var") / "screenshots" / "giay-khai-sinh.pdf").write_bytes(pdf)
    text = " ".join(pdf_text(pdf).split())
    assert "GIẤY KHAI SINH" in text
    assert "Số: 1, Quyển số: 01/2026" in text
    assert "Họ, chữ đệm, tên: NGUYỄN MINH KHANG" in text
    assert "Ngày, tháng, năm sinh: 15/11/2026" in text
    assert "Ngày mười lăm tháng mười một năm hai nghìn không trăm hai mươi sáu" in text
    assert "Họ, chữ đệm, tên người mẹ: TRẦN THỊ LAN" in text
    assert f"Nơi đăng ký khai sinh: {cast.home_committee.name}" in text
    assert "NGƯỜI KÝ GIẤY KHAI SINH" in text
    assert "(Đã ký số)" in text
    assert cast.leader.get_full_name() in text
    assert "Phó Chủ tịch" in text
    assert len(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Kids"]) == 1  # one page
    # The next birth at the same committee is number 2; a marriage starts its own book.
    assert _returned(cast).result_number == 2


def test_a_marriage_is_numbered_in_its_own_book(cast):
    publish_seed(parse_procedure(KET_HON), decision_number="Dữ liệu kiểm thử")
    _returned(cast)
    couple = {
        "chong_ho_ten": "Nguyễn Văn Bình",
        "chong_ngay_sinh": "1996-02-01",
        "chong_dan_toc": "Kinh",
        "chong_quoc_tich": "Việt Nam",
        "chong_noi_cu_tru": "Xã Liên Minh",
        "chong_giay_to": "Căn cước 037096001111",
        "vo_ho_ten": "Lê Thị Hoa",
        "vo_ngay_sinh": "1998-07-30",
        "vo_dan_toc": "Tày",
        "vo_quoc_tich": "Việt Nam",
        "vo_noi_cu_tru": "Xã Hiển Khánh",
        "vo_giay_to": "Căn cước 037198002222",
    }
    d = _decided(cast, code="1.000894", component="Tờ khai đăng ký kết hôn", form_data=couple)
    assert d.result_number == 1
    text = " ".join(pdf_text(documents.result_pdf(d)).split())
    assert "GIẤY CHỨNG NHẬN KẾT HÔN" in text
    assert "NGUYỄN VĂN BÌNH" in text
    assert "LÊ THỊ HOA" in text


def test_a_refusal_is_a_numbered_notice_with_the_reason(cast):
    d = _decided(cast, refuse="Trẻ đã được đăng ký khai sinh tại xã khác")
    text = " ".join(pdf_text(documents.result_pdf(d)).split())
    assert "THÔNG BÁO" in text
    assert "Trẻ đã được đăng ký khai sinh tại xã khác" in text
    assert "Số: 1/TB-UBND" in text
    assert "GIẤY KHAI SINH" not in text


def test_the_generic_paper_carries_number_symbol_and_signer(cast):
    d = _decided(cast, code="2.000815", component="Bản chính giấy tờ, văn bản", form_data={})
    text = " ".join(pdf_text(documents.result_pdf(d)).split())
    assert "Số: 1/KQ-UBND" in text
    assert "BẢN SAO CÓ CHỨNG THỰC" in text
    assert "TM. ỦY BAN NHÂN DÂN" in text
    assert cast.leader.get_full_name() in text


def test_the_leader_previews_the_exact_paper_before_signing(cast):
    d = _decided(cast, last="submit_for_signature")
    draft = documents.result_pdf(d, draft=True)
    assert not PdfFileReader(io.BytesIO(draft)).embedded_signatures
    text = " ".join(pdf_text(draft).split())
    assert "BẢN XEM TRƯỚC ĐỂ PHÊ DUYỆT — CHƯA KÝ SỐ, CHƯA CÓ GIÁ TRỊ" in text
    assert "NGUYỄN MINH KHANG" in text
    assert "Số: ……" in text
    assert d.result_number is None  # a preview takes no number


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"ho_ten": ""}, "form_data.ho_ten", "required"),
        ({"ngay_sinh": "2099-01-01"}, "form_data.ngay_sinh", "invalid_date"),
        ({"ngay_sinh": "15/11/2026"}, "form_data.ngay_sinh", "invalid_date"),
        ({"me_nam_sinh": "95"}, "form_data.me_nam_sinh", "invalid_year"),
        ({"me_nam_sinh": "¹⁹⁹⁵"}, "form_data.me_nam_sinh", "invalid_year"),  # was a 500
        ({"me_nam_sinh": "١٩٩٥"}, "form_data.me_nam_sinh", "invalid_year"),
        ({"ngay_sinh": "20261115"}, "form_data.ngay_sinh", "invalid_date"),
        ({"ngay_sinh": "2026-W46-7"}, "form_data.ngay_sinh", "invalid_date"),
        ({"gioi_tinh": "Không rõ"}, "form_data.gioi_tinh", "not_a_choice"),
    ],
)
def test_a_wrong_declaration_is_refused_naming_the_field(cast, changes, field, code):
    with pytest.raises(InvalidInput) as refused:
        submit(
            actor=cast.citizen,
            procedure_code="1.001193",
            competent_unit_code=HOME,
            uploads=form(),
            form_data={**BIRTH, **changes},
        )
    assert (field, code) in {(p.name, p.code) for p in refused.value.invalid_params}
    assert not Dossier.objects.exists()


def test_dates_in_words_as_civil_status_papers_write_them():
    assert date_in_words(dt.date(2026, 11, 15)) == (
        "Ngày mười lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"
    )
    assert date_in_words(dt.date(2005, 1, 21)) == (
        "Ngày hai mươi mốt tháng một năm hai nghìn không trăm lẻ năm"
    )
    assert date_in_words(dt.date(1990, 4, 24)) == (
        "Ngày hai mươi tư tháng tư năm một nghìn chín trăm chín mươi"
    )
    assert date_in_words(dt.date(2010, 12, 10)) == (
        "Ngày mười tháng mười hai năm hai nghìn không trăm mười"
    )


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


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_of_the_registry_is_issued_with_its_declaration(cast, layout):
    """A procedure configured with any layout issues that paper, filled and numbered."""
    paper = LAYOUTS[layout]
    ProcedureVersion.objects.filter(procedure__code="1.001193").update(
        result_document={"layout": layout}
    )
    values = {"date": "2001-02-03", "year": "1990"}
    declared = {
        f.key: f.choices[0] if f.kind == "choice" else values.get(f.kind, f"Giá trị {f.key}")
        for f in paper.fields
    }
    d = advance(cast, file_online(cast, form_data=declared), "issue_result")
    text = " ".join(pdf_text(documents.result_pdf(d)).split())
    # The generic paper is titled after the procedure's first result.
    title = "GIẤY KHAI SINH" if layout == GENERIC else paper.title.upper()
    assert title in text
    assert f"Số: {d.result_reference}" in text
    for f in paper.fields:
        if f.kind == "text" and f.key not in ("quan_he",):
            assert declared[f.key].upper() in text.upper(), f.key
    if paper.fields and any(f.kind == "date" for f in paper.fields):
        assert "02/2001" in text


def test_the_position_is_set_when_an_official_is_added_and_printed_under_the_signature(cast):
    from lienthong.accounts.services import add_official
    from lienthong.core.models import AuditEntry
    from tests.factories import UserFactory

    admin = UserFactory(admin=True)
    add_official(
        actor=admin,
        agency=cast.home_committee,
        pin=cast.leader.pin,
        full_name=cast.leader.get_full_name(),
        roles=["leader"],
        position="Chủ tịch",
    )
    assert AuditEntry.objects.filter(action="role.position_changed").exists()
    d = _returned(cast)
    assert d.signer_title == "Chủ tịch"
    assert "Chủ tịch" in pdf_text(documents.result_pdf(d))
