"""Issue 13: a strict Content-Security-Policy on every page, and Cache-Control: no-store on
everything personal (pages of a signed-in person, API answers to credentials, dossier files
and PDFs), while public pages stay cacheable."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.directory.conftest import ensure_directory_data
from tests.factories import UserFactory

SRC = Path(__file__).resolve().parents[2] / "src" / "lienthong"
STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


# ------------------------------------------------------------------ Content-Security-Policy


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/thu-tuc/", "/dang-nhap/", "/dia-gioi/", "/khong-co/"])
def test_every_page_carries_the_strict_policy(client, url):
    assert policy(client.get(url)) == STRICT


@pytest.mark.django_db
def test_the_api_docs_may_show_data_images_and_nothing_else_more():
    from django.test import Client

    docs = policy(Client().get("/api/v1/docs"))
    assert docs == {**STRICT, "img-src": "'self' data:"}


def test_static_files_are_served_without_the_headers(client):
    response = client.get("/static/web/js/site.js")
    assert b"".join(response.streaming_content)  # read to the end: the client closes the file
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
    assert not no_store(response)


_TEMPLATES = sorted(
    p for p in SRC.glob("*/templates/**/*.html") if "/pdf/" not in p.as_posix()
)  # PDF templates are rendered by WeasyPrint on the server, never by a browser
_INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)", re.I), "script"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "event handler"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"<style\b", re.I), "style element"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


@pytest.mark.parametrize("template", _TEMPLATES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_template_has_inline_script_style_or_handler(template: Path):
    text = template.read_text(encoding="utf-8")
    found = [f"{what}: {m.group(0)!r}" for pattern, what in _INLINE for m in pattern.finditer(text)]
    assert not found, "the policy blocks these; use web/js/site.js and web/css/site.css"


@pytest.mark.django_db
def test_forms_may_also_go_to_the_configured_issuer(client):
    with override_settings(
        OIDC_ISSUER_URL="https://vneid.example.vn/realms/cong-dan",
        OIDC_CLIENT_ID="lienthong",
        OIDC_CLIENT_SECRET="bi-mat",
    ):
        header = policy(client.get("/dang-nhap/"))
    assert header["form-action"] == "'self' https://vneid.example.vn"
    assert policy(client.get("/dang-nhap/"))["form-action"] == "'self'"


@pytest.fixture
def integrator(db):
    from oauth2_provider.models import Application

    return Application.objects.create(
        name="Ứng dụng tích hợp",
        client_id="tich-hop",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris="http://127.0.0.1:8765/cb https://app.example.vn/oidc/cb",
    )


def _login_for(client_id: str, redirect_uri: str) -> str:
    from urllib.parse import urlencode

    query = urlencode(
        {"client_id": client_id, "redirect_uri": redirect_uri, "response_type": "code"}
    )
    return "/oidc/dang-nhap/?" + urlencode({"next": f"/oidc/authorize/?{query}"})


@pytest.mark.parametrize(
    ("redirect_uri", "allowed"),
    [
        ("https://app.example.vn/oidc/cb", "'self' https://app.example.vn"),
        ("http://127.0.0.1:8765/cb", "'self' http://127.0.0.1:8765"),
        ("https://evil.example.com/cb", "'self'"),  # not registered by the client
    ],
)
def test_a_login_for_a_client_may_end_at_its_registered_redirect(
    client, integrator, redirect_uri, allowed
):
    # Chromium applies form-action to the redirects after the login form is sent: the
    # last one goes to the client.
    response = client.get(_login_for("tich-hop", redirect_uri))
    assert response.status_code == 200
    assert policy(response)["form-action"] == allowed
    assert policy(client.get(_login_for("khong-co", redirect_uri)))["form-action"] == "'self'"


# ------------------------------------------------------------------ Cache-Control: no-store


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/thu-tuc/", "/dia-gioi/", "/co-quan/", "/api/v1/procedures", "/api/v1/status"]
)
def test_public_pages_stay_cacheable_for_anonymous_people(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert not no_store(response)
    assert "Pragma" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/thu-tuc/", "/tai-khoan/", "/ho-so/", "/kho-giay-to/"])
def test_every_page_of_a_signed_in_person_is_no_store(client, url):
    client.force_login(UserFactory(pin="037090001234"))
    response = client.get(url)
    assert response.status_code == 200
    assert no_store(response)
    assert "private" in response["Cache-Control"]
    assert response["Pragma"] == "no-cache"


@pytest.mark.django_db
def test_the_public_tracking_of_a_dossier_is_no_store(client):
    assert no_store(client.get("/tra-cuu/", {"ma": "X", "khoa": "Y"}))
    assert no_store(client.get("/api/v1/track/X", {"key": "Y"}))


@pytest.mark.django_db
def test_api_answers_to_a_token_are_no_store(client):
    from oauth2_provider.models import AccessToken, Application

    citizen = UserFactory(pin="037090001234")
    app = Application.objects.create(
        name="portal",
        client_type="public",
        authorization_grant_type="authorization-code",
        redirect_uris="http://127.0.0.1/cb",
    )
    AccessToken.objects.create(
        user=citizen,
        application=app,
        token="tok-headers",
        scope="api",
        expires=timezone.now() + timedelta(hours=1),
    )
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer tok-headers")
    assert me.status_code == 200
    assert no_store(me)
    # Even a refused token's answer is not kept.
    assert no_store(client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer sai"))


@pytest.fixture
def filed(cast, settings, tmp_path):
    from tests.dossiers.conftest import file_online

    settings.MEDIA_ROOT = tmp_path
    return file_online(cast)


@pytest.fixture(scope="module")
def reference_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()


@pytest.mark.usefixtures("reference_data")
def test_dossier_pdfs_and_files_are_no_store(client, cast, filed):
    client.force_login(cast.citizen)
    stored = filed.files.exclude(file="").first()
    for url in (
        f"/ho-so/{filed.code}/giay-tiep-nhan.pdf",
        f"/ho-so/{filed.code}/tep/{stored.pk}/",
    ):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)  # read to the end: the client closes the file
        assert response.status_code == 200, url
        assert no_store(response), url
        assert response["Pragma"] == "no-cache"


def test_a_file_or_pdf_is_no_store_whoever_asks(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.http import FileResponse, HttpResponse

    from lienthong.core.headers import needs_no_store

    request = rf.get("/")
    request.user = AnonymousUser()
    assert needs_no_store(request, HttpResponse(b"%PDF", content_type="application/pdf"))
    assert needs_no_store(request, FileResponse(iter([b"x"]), as_attachment=True, filename="a"))
    assert not needs_no_store(request, HttpResponse("<p>công khai</p>"))
