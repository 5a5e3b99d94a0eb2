"""What a dossier keeps of the text it is sent: NFC, without controls (issue 13, item 6).

tests/core/test_bad_input.py sends every hostile value to every field; here a real
submission goes through, and what is stored is checked.
"""

from __future__ import annotations

import base64
import json
import unicodedata

import pytest

from lienthong.dossiers.models import Dossier, DossierEvent
from tests.dossiers.conftest import ELSEWHERE, HOME, PDF

NFD = unicodedata.normalize("NFD", "Đăng ký khai sinh cho cháu Nguyễn Thị Ánh")


def _body(**over):
    return {
        "procedure": "2.000815",
        "competent_unit": HOME,
        "receiving_unit": ELSEWHERE,
        "files": [
            {
                "component": "Bản chính giấy tờ, văn bản",
                "name": unicodedata.normalize("NFD", "bản chính.pdf"),
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
        **over,
    }


@pytest.fixture
def citizen_client(client, cast):
    client.force_login(cast.citizen)
    return client


def test_a_submission_in_nfd_is_stored_in_nfc(citizen_client):
    response = citizen_client.post(
        "/api/v1/dossiers",
        _body(
            summary=f"  {NFD}\r\ndòng hai\u200b ",
            on_behalf_of=unicodedata.normalize("NFD", "Nguyễn Văn Bình"),
            form_data={"ho_ten": unicodedata.normalize("NFD", "Nguyễn Thị Ánh"), "so_ban": 2},
        ),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="nfc-1",
    )
    assert response.status_code == 201, response.content
    dossier = Dossier.objects.get(code=response.json()["code"])
    assert dossier.summary == unicodedata.normalize("NFC", NFD) + "\ndòng hai"
    assert dossier.on_behalf_of == "Nguyễn Văn Bình"
    assert dossier.form_data == {"ho_ten": "Nguyễn Thị Ánh", "so_ban": 2}
    for text in (dossier.summary, dossier.on_behalf_of, dossier.form_data["ho_ten"]):
        assert unicodedata.is_normalized("NFC", text)
    assert dossier.files.get().original_name == "bản chính.pdf"


@pytest.mark.parametrize(
    ("over", "field", "code"),
    [
        ({"summary": "Khai sinh\x00"}, "summary", "text_control_character"),
        ({"summary": "\u202eKhai sinh"}, "summary", "text_bidi_control"),
        ({"on_behalf_of": "\u200b\u200d"}, "on_behalf_of", "text_empty"),
        ({"form_data": {"ho_ten": "A\x00"}}, "form_data.ho_ten", "text_control_character"),
        ({"form_data": {"con": [{"tuoi": "\ud800"}]}}, "form_data.con.0.tuoi", None),
    ],
)
def test_a_refused_text_files_nothing(citizen_client, over, field, code):
    response = citizen_client.post(
        "/api/v1/dossiers",
        _body(**over),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="bad-1",
    )
    assert response.status_code == 422, response.content
    params = {p["name"]: p["code"] for p in response.json()["invalid_params"]}
    assert field in params
    assert code is None or params[field] == code
    assert not Dossier.objects.exists()


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_number_json_cannot_represent_in_form_data_is_refused(citizen_client, raw):
    body = {"procedure": "2.000815", "competent_unit": HOME, "form_data": {"so_tien": "@"}}
    text = json.dumps(body).replace('"@"', raw)
    response = citizen_client.post(
        "/api/v1/dossiers", text, content_type="application/json", HTTP_IDEMPOTENCY_KEY="n-1"
    )
    assert response.status_code == 422
    assert response.json()["invalid_params"] == [
        {
            "name": "form_data.so_tien",
            "code": "number_not_finite",
            "reason": "Số không hợp lệ (NaN, Infinity hoặc vượt quá giới hạn).",
        }
    ]
    assert not Dossier.objects.exists()


def test_a_note_is_cleaned_before_the_step_is_recorded(client, cast):
    client.force_login(cast.citizen)
    code = client.post(
        "/api/v1/dossiers",
        _body(),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="note-1",
    ).json()["code"]
    client.force_login(cast.clerk_elsewhere)
    url = f"/api/v1/dossiers/{code}/actions/refuse_intake"
    for note in ("Thiếu\x00 giấy tờ", "\u2066Thiếu giấy tờ", "\ufeff"):
        response = client.post(url, {"note": note}, content_type="application/json")
        assert response.status_code == 422
        assert response.json()["invalid_params"][0]["name"] == "note"
    response = client.post(
        url,
        {"note": unicodedata.normalize("NFD", " Thiếu tờ khai ")},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    event = DossierEvent.objects.filter(dossier__code=code, action="refuse_intake").get()
    assert event.note == "Thiếu tờ khai"
