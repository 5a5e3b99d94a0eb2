"""The seven forms of Circular 03/2025: receipt (01, see test_documents), supplement
request, refusal, apology with a new date, stop notice, control slip, register."""

from __future__ import annotations

import pytest

from lienthong.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from lienthong.dossiers import documents
from lienthong.dossiers.services import act, extend, submit
from tests.dossiers.conftest import ELSEWHERE, HOME, at, form
from tests.dossiers.conftest import pdf_text as text


@pytest.fixture
def received(cast):
    d = submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        receiving_unit_code=ELSEWHERE,
        uploads=form(),
        now=at(2026, 11, 23, 9, 0),
    )
    return act(
        actor=cast.clerk_elsewhere, code=d.code, action="receive", now=at(2026, 11, 23, 9, 0)
    )


def test_supplement_request_refusal_and_control_slip(cast, received):
    d = act(
        actor=cast.specialist,
        code=received.code,
        action="request_supplement",
        note="Bổ sung giấy chứng sinh bản gốc",
    )
    assert [n for n, _t in documents.available_forms(d)] == [2, 6]
    two = text(documents.form_pdf(d, 2))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in two
    assert "Bổ sung giấy chứng sinh bản gốc" in two
    six = text(documents.form_pdf(d, 6))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in six
    assert "Yêu cầu bổ sung" in six
    assert "Tiếp nhận" in six
    with pytest.raises(KeyError):
        documents.form_pdf(d, 5)


def test_an_apology_moves_the_due_date_and_prints_form_04(cast, received):
    with pytest.raises(PermissionDenied):
        extend(
            actor=cast.specialist,
            code=received.code,
            new_due=at(2026, 11, 26, 17, 0),
            reason="Chờ xác minh",
        )
    with pytest.raises(InvalidInput):
        extend(
            actor=cast.leader,
            code=received.code,
            new_due=at(2026, 11, 23, 10, 0),
            reason="Chờ xác minh",
        )
    d = extend(
        actor=cast.leader,
        code=received.code,
        new_due=at(2026, 11, 26, 17, 0),
        reason="phải xác minh thông tin với nơi đăng ký cũ",
    )
    assert d.due_at == at(2026, 11, 26, 17, 0)
    four = text(documents.form_pdf(d, 4))
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN" in four
    assert "17:00 ngày 26/11/2026" in four
    assert "09:00 24/11/2026" in four


def test_a_stopped_dossier_prints_form_05_and_cannot_be_extended(cast, received):
    d = act(actor=cast.leader, code=received.code, action="cancel", note="Người nộp đề nghị dừng")
    assert "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ" in text(documents.form_pdf(d, 5))
    with pytest.raises(IllegalTransition):
        extend(actor=cast.leader, code=d.code, new_due=at(2026, 12, 1, 9, 0), reason="x")


def test_a_refusal_prints_form_03(cast):
    d = submit(
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    d = act(
        actor=cast.clerk_home, code=d.code, action="refuse_intake", note="Không thuộc thẩm quyền"
    )
    assert "Không thuộc thẩm quyền" in text(documents.form_pdf(d, 3))


def test_the_register_lists_the_agencys_dossiers(client, cast, received):
    client.force_login(cast.clerk_elsewhere)
    response = client.get(
        "/can-bo/ho-so/so-theo-doi.pdf", {"tu": "2026-11-01", "den": "2026-11-30"}
    )
    assert response["Content-Type"] == "application/pdf"
    register = text(response.content)
    assert "SỔ THEO DÕI HỒ SƠ" in register
    assert received.code in register
    client.force_login(cast.citizen)
    assert client.get("/can-bo/ho-so/so-theo-doi.pdf").status_code == 404
    assert client.get(f"/ho-so/{received.code}/mau/2.pdf").status_code == 404  # not yet
