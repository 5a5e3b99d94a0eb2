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
    assert not Dossier.objects.exists()


def test_a_form_body_over_the_limit_is_a_413_page(client, cast, settings):
    settings.MAX_MULTIPART_BODY_BYTES = 1024 * 1024
    client.force_login(cast.citizen)
    answer = client.post("/ho-so/nop/1.001193/", {"summary": "x" * 2 * 1024 * 1024})
    assert answer.status_code == 413
    page = answer.content.decode()
    assert "Dữ liệu gửi lên quá lớn" in page
    assert "lớn hơn 1 MB" in page
    assert not Dossier.objects.exists()
