"""The declaration made on the electronic form printed as its official paper: the birth,
death and marriage declarations of Circular 04/2020/TT-BTP, the police's CT01, social
insurance's TK1-TS; any other form by the generic layout; nothing declared left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienthong.catalog import eforms
from lienthong.dossiers import documents
from lienthong.dossiers.declarations import Answers
from lienthong.dossiers.models import Dossier
from lienthong.dossiers.services import submit
from tests.dossiers.conftest import HOME, pdf_text
from tests.groups.people import FATHER, LT01
from tests.groups.test_lt01 import _birth_done, _step

pytestmark = pytest.mark.django_db


def _text(dossier: Dossier, name: str) -> str:
    pdf = documents.declaration_pdf(dossier)
    assert pdf is not None
    assert pdf.startswith(b"%PDF")
    shots = Path("var") / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    (shots / f"to-khai-{name}.pdf").write_bytes(pdf)
    return " ".join(pdf_text(pdf).split())


def test_the_three_papers_of_a_newborn_are_printed_on_their_official_forms(family):
    app = _birth_done(family)
    birth = _text(_step(app, 1).dossier, "khai-sinh")
    assert "TỜ KHAI ĐĂNG KÝ KHAI SINH" in birth
    assert "Họ, chữ đệm, tên người yêu cầu: NGUYỄN VĂN AN" in birth
    assert "Đề nghị cơ quan đăng ký khai sinh cho người dưới đây" in birth
    assert "Họ, chữ đệm, tên: NGUYỄN MINH CHÂU" in birth
    assert "ghi bằng chữ: Ngày" in birth  # the date of birth in words
    assert "Họ, chữ đệm, tên người mẹ: TRẦN THỊ MAI" in birth
    assert "Làm tại:" in birth
    assert "Chú thích" in birth
    # Items the paper has no place for follow it; unanswered ones are left out.
    assert "Thông tin khác khai trên tờ khai điện tử Số điện thoại liên hệ: 0912345678" in birth
    assert "Giấy chứng sinh" not in birth

    residence = _text(_step(app, 2).dossier, "ct01")
    assert "Mẫu CT01 ban hành kèm theo Thông tư số 66/2023/TT-BCA" in residence
    assert "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ" in residence
    assert "1. Họ, chữ đệm và tên: NGUYỄN MINH CHÂU" in residence
    child = app.results["new_pin"]
    assert " ".join(child) in residence  # one digit per box
    assert "7. Họ, chữ đệm và tên chủ hộ:" in residence
    assert "8. Mối quan hệ với chủ hộ: Con" in residence
    assert " ".join(FATHER) in residence  # the head's number, boxed
    assert "Ý KIẾN CỦA CHỦ" in residence
    assert "NGƯỜI KÊ KHAI" in residence

    card = _text(_step(app, 3).dossier, "tk1-ts")
    assert "Mẫu TK1-TS" in card
    assert "TỜ KHAI THAM GIA, ĐIỀU CHỈNH THÔNG TIN BẢO HIỂM XÃ HỘI, BẢO HIỂM Y TẾ" in card
    assert "[01]. Họ và tên (viết chữ in hoa): NGUYỄN MINH CHÂU" in card
    assert f"[12]. Nơi đăng ký khám bệnh, chữa bệnh ban đầu: {LT01['noi_kcb']}" in card
    assert "Người kê khai" in card


DEATH = {
    "nguoi_khai_ho_ten": "Nguyễn Văn An",
    "nguoi_khai_so_dinh_danh": FATHER,
    "nguoi_khai_noi_cu_tru": HOME,
    "nguoi_khai_dia_chi": "Xóm 3, thôn Đông",
    "nguoi_khai_dien_thoai": "0912345678",
    "quan_he": "Con",
    "so_dinh_danh": "037050001111",
    "ho_ten": "Nguyễn Văn Bình",
    "ngay_sinh": "1950-02-03",
    "gioi_tinh": "Nam",
    "dan_toc": "Kinh",
    "quoc_tich": "Việt Nam",
    "noi_cu_tru": "Xóm 3, thôn Đông, xã Liên Minh",
    "ngay_chet": "2026-11-20",
    "gio_chet": "08:30",
    "noi_chet": "Tại nhà",
    "nguyen_nhan": "Già yếu",
    "giay_bao_tu": "Giấy báo tử số 12 của Trạm y tế xã Liên Minh ngày 20/11/2026",
}

MARRIAGE = {
    "nguoi_khai_ho_ten": "Nguyễn Văn An",
    "nguoi_khai_so_dinh_danh": FATHER,
    "nguoi_khai_noi_cu_tru": HOME,
    "nguoi_khai_dia_chi": "Xóm 3, thôn Đông",
    "nguoi_khai_dien_thoai": "0912345678",
    "chong_ho_ten": "Nguyễn Văn An",
    "chong_ngay_sinh": "1990-05-12",
    "chong_dan_toc": "Kinh",
    "chong_quoc_tich": "Việt Nam",
    "chong_noi_cu_tru": "Xã Liên Minh, tỉnh Ninh Bình",
    "chong_giay_to": f"Số định danh cá nhân {FATHER}",
    "vo_ho_ten": "Trần Thị Mai",
    "vo_ngay_sinh": "1992-03-01",
    "vo_dan_toc": "Tày",
    "vo_quoc_tich": "Việt Nam",
    "vo_noi_cu_tru": "Xã Liên Minh, tỉnh Ninh Bình",
    "vo_giay_to": "Số định danh cá nhân 037192005678",
    "lan_ket_hon": "1",
    "cam_doan": "Đồng ý",
}


def _filed(family, code: str, data: dict[str, str]) -> Dossier:
    return submit(
        actor=family.father,
        procedure_code=code,
        competent_unit_code=HOME,
        form_data=data,
        eid_authenticated=True,
    )


def test_a_death_declaration_on_its_form(family):
    text = _text(_filed(family, "1.000656", DEATH), "khai-tu")
    assert "TỜ KHAI ĐĂNG KÝ KHAI TỬ" in text
    assert "Quan hệ với người đã chết: Con" in text
    assert "Đề nghị cơ quan đăng ký khai tử cho người có tên dưới đây" in text
    assert "Họ, chữ đệm, tên: NGUYỄN VĂN BÌNH" in text
    assert "Đã chết vào lúc: 08:30, ngày 20/11/2026" in text
    assert (
        "ghi bằng chữ: Ngày hai mươi tháng mười một năm hai nghìn không trăm hai mươi sáu" in text
    )
    assert "Nguyên nhân chết: Già yếu" in text
    assert "(Đã xác thực bằng tài khoản định danh điện tử)" in text


def test_a_marriage_declaration_has_both_sides_in_columns(family):
    text = _text(_filed(family, "1.000894", MARRIAGE), "ket-hon")
    assert "TỜ KHAI ĐĂNG KÝ KẾT HÔN" in text
    assert "Thông tin Bên nữ Bên nam" in text
    assert "Họ, chữ đệm, tên TRẦN THỊ MAI NGUYỄN VĂN AN" in text
    assert "Dân tộc Tày Kinh" in text
    assert "Chúng tôi cam đoan những lời khai trên đây là đúng sự thật" in text
    # Both sides sign; the answer to the pledge item is the pledge itself, not repeated.
    assert "Đồng ý" not in text


def _form(code: str, keys: list[str]) -> eforms.FormDefinition:
    definition, problems = eforms.parse(
        {
            "code": code,
            "title": "Tờ khai thử",
            "sections": [{"title": "Phần một", "fields": [{"key": k, "label": k} for k in keys]}],
        }
    )
    assert definition is not None, problems
    return definition


def test_what_a_layout_does_not_place_is_printed_after_it_and_sources_are_footnoted():
    form = _form("TK-KT", ["ho_ten", "them_moi", "noi_chet"])
    data = {
        "ho_ten": "Lê Thị Hoa",
        "them_moi": "Điều catalogue mới thêm",
        "noi_chet": "Tại nhà",
        "_nguon": {"ho_ten": {"registry_name": "CSDL dân cư", "version": 4}},
    }
    answers = Answers(form, data, {})
    assert str(answers["ho_ten"]) == 'Lê Thị Hoa<sup class="note">[1]</sup>'
    assert "……" in str(answers["gio_chet"])  # not declared: a dotted blank
    assert str(answers["noi_chet"]) == "Tại nhà"
    assert [label for label, _a in answers.others()] == ["them_moi"]
    assert answers.notes() == [(1, "đã lấy từ CSDL dân cư, phiên bản 4")]
    assert str(Answers(form, {"ho_ten": "<b>x</b>"}, {})["ho_ten"]) == "&lt;b&gt;x&lt;/b&gt;"
