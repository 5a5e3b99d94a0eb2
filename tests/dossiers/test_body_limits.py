"""Request bodies: the documented 10 MB file goes through the API; bigger bodies are a
413 with a clear message, never a 500, and nothing is filed (issue 13, item 5)."""

from __future__ import annotations

import base64

import pytest

from lienthong.dossiers.models import Dossier
from tests.dossiers.conftest import ELSEWHERE, HOME, PDF

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _pdf(size: int) -> bytes:
    return PDF + b"%" + b"x" * (size - len(PDF) - 1)


def _body(*files: bytes) -> dict:
    return {
        "procedure": "2.000815",
        "competent_unit": HOME,
        "receiving_unit": ELSEWHERE,
        "channel": "online",
        "files": [
            {
                "component": "Bản chính giấy tờ, văn bản",
                "name": f"ban-chinh-{i}.pdf",
                "content_base64": base64.b64encode(f).decode(),
            }
            for i, f in enumerate(files)
        ],
    }


def test_a_file_of_the_documented_size_goes_through_the_api(client, cast):
    client.force_login(cast.citizen)
    ten_mb = _pdf(10 * 1024 * 1024)
    answer = client.post("/api/v1/dossiers", _body(ten_mb), content_type="application/json")
    assert answer.status_code == 201, answer.content[:300]
    stored = Dossier.objects.get(code=answer.json()["code"]).files.get(from_registry="")
    assert stored.size == len(ten_mb)


def test_a_body_over_the_limit_is_a_413_problem_and_files_nothing(client, cast):
    client.force_login(cast.citizen)
    answer = client.post(
        "/api/v1/dossiers",
        _body(_pdf(6 * 1024 * 1024), _pdf(6 * 1024 * 1024)),
        content_type="application/json",
    )
    assert answer.status_code == 413
    assert answer["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "body-too-large"
    assert "15 MB" in problem["detail"]
    # Refused before anything reads it, yet with the headers every answer has.
    assert "default-src 'self'" in answer["Content-Security-Policy"]
    assert not Dossier.objects.exists()


def test_a_form_body_over_the_limit_is_a_413_page(client, cast, settings):
    settings.MAX_MULTIPART_BODY_BYTES = 1024 * 1024
    client.force_login(cast.citizen)
    answer = client.post("/ho-so/nop/1.001193/", {"summary": "x" * 2 * 1024 * 1024})
    assert answer.status_code == 413
    page = answer.content.decode()
    assert "Dữ liệu gửi lên quá lớn" in page
    assert "lớn hơn 1 MB" in page
    assert "script-src 'self'" in answer["Content-Security-Policy"]
    assert not Dossier.objects.exists()


def _multipart(*files: bytes, **fields) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {
        "procedure": "2.000815",
        "competent_unit": HOME,
        "receiving_unit": ELSEWHERE,
        "form_data": '{"ghi_chu": "Bản sao cần chứng thực"}',
        "components": ["Bản chính giấy tờ, văn bản"] * len(files),
        "files": [
            SimpleUploadedFile(f"ban-chinh-{i}.pdf", f, content_type="application/pdf")
            for i, f in enumerate(files)
        ],
    }
    data.update(fields)
    return data


def test_several_large_files_go_through_the_multipart_api(client, cast):
    # Two files of 9 MB: 24 MB in JSON base64, over its limit; streamed as parts, they pass.
    client.force_login(cast.citizen)
    nine_mb = _pdf(9 * 1024 * 1024)
    answer = client.post(
        "/api/v1/dossiers/multipart",
        _multipart(nine_mb, nine_mb[:-1] + b"y"),
        HTTP_IDEMPOTENCY_KEY="multi-1",
    )
    assert answer.status_code == 201, answer.content[:300]
    dossier = Dossier.objects.get(code=answer.json()["code"])
    stored = dossier.files.filter(from_registry="").order_by("id")
    assert [f.size for f in stored] == [len(nine_mb)] * 2
    assert {f.component_name for f in stored} == {"Bản chính giấy tờ, văn bản"}
    assert dossier.form_data == {"ghi_chu": "Bản sao cần chứng thực"}
    # The same key again: the same dossier, nothing filed twice.
    again = client.post(
        "/api/v1/dossiers/multipart",
        _multipart(nine_mb, nine_mb[:-1] + b"y"),
        HTTP_IDEMPOTENCY_KEY="multi-1",
    )
    assert again.status_code == 201
    assert again.json()["code"] == dossier.code
    assert Dossier.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "where", "code"),
    [
        ({"components": []}, "components", "components_mismatch"),
        ({"form_data": "[1, 2]"}, "form_data", None),
        ({"form_data": '{"a": NaN}'}, "form_data", None),
        ({"form_data": "{không phải json"}, "form_data", None),
        ({"summary": "Khai sinh\u202e"}, "summary", "text_bidi_control"),
    ],
)
def test_a_bad_multipart_field_is_a_422_naming_it(client, cast, fields, where, code):
    client.force_login(cast.citizen)
    answer = client.post("/api/v1/dossiers/multipart", _multipart(_pdf(2048), **fields))
    assert answer.status_code == 422, answer.content[:300]
    named = [p for p in answer.json()["invalid_params"] if where in p["name"]]
    assert named, answer.json()
    if code:
        assert named[0]["code"] == code
    assert not Dossier.objects.exists()


def test_a_multipart_file_over_10_mb_is_refused_and_leaves_nothing(client, cast, tmp_path):
    client.force_login(cast.citizen)
    answer = client.post("/api/v1/dossiers/multipart", _multipart(_pdf(10 * 1024 * 1024 + 1)))
    assert answer.status_code == 422
    assert not Dossier.objects.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
