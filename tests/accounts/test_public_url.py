"""The Host header chooses nothing (issue 13): the portal's OpenID client takes every
address from PUBLIC_URL, and the platform's own provider answers only there.

The attack: ``ALLOWED_HOSTS`` ignores the port, so ``Host: localhost:<port of a fake
provider>`` passes. When the development issuer's address was built from the request,
the portal read the fake's discovery document, sent the browser to the fake, exchanged
the fake's code at the fake's token endpoint (sending its client secret) and logged in
whoever the fake named, without a password; it could also be made to fetch from any
local port. The fake here is a standard OpenID provider from PyPI mounted at ``/oidc``,
with a recorder of every request it receives.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import werkzeug.serving
from django.test import Client
from oidc_provider_mock import User as MockUser
from oidc_provider_mock import app as mock_provider
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from lienthong.accounts import oidc
from lienthong.accounts.seeds import register_portal_client
from lienthong.core import instance
from lienthong.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PIN = "037090001234"
CALLBACK = "/dang-nhap/oidc/thu-nghiem/callback/"


@dataclass
class FakeIssuer:
    url: str
    host: str
    seen: list[str] = field(default_factory=list)


@pytest.fixture
def fake_issuer() -> Iterator[FakeIssuer]:
    """An OpenID provider on another local port, at ``/oidc`` like the platform's own,
    that says whoever logs in there is citizen 037090001234."""
    person = MockUser(sub="ke-gia-mao", claims={"pin": PIN, "name": "Người bị mạo danh"})
    provider = DispatcherMiddleware(
        lambda environ, start: [start("404 Not Found", [])] and [b""],
        {"/oidc": mock_provider(user_claims=[person])},
    )
    seen: list[str] = []

    def recorded(environ: dict[str, Any], start: Any) -> Any:
        seen.append(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
        return provider(environ, start)

    server = werkzeug.serving.make_server("localhost", 0, recorded, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    host = f"localhost:{server.server_port}"
    oidc.reset_clients()
    try:
        # The fake really is a working issuer at /oidc (so the test below proves something).
        meta = requests.get(f"http://{host}/oidc/.well-known/openid-configuration", timeout=10)
        assert meta.json()["token_endpoint"] == f"http://{host}/oidc/oauth2/token"
        seen.clear()
        yield FakeIssuer(url=f"http://{host}", host=host, seen=seen)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        oidc.reset_clients()


@pytest.fixture
def citizen(db: None) -> object:
    register_portal_client()
    return UserFactory(username=PIN, pin=PIN, full_name="Nguyễn Văn An")


def test_a_forged_host_neither_chooses_the_issuer_nor_logs_anyone_in(
    client: Client, fake_issuer: FakeIssuer, citizen: object, public_url: str
) -> None:
    started = client.get("/dang-nhap/oidc/thu-nghiem/?next=/tai-khoan/", HTTP_HOST=fake_issuer.host)
    # Not sent to the fake: sent back to the site's own address to start there.
    location = started.headers.get("Location", "")
    assert started.status_code == 302
    assert not location.startswith(fake_issuer.url), location
    assert location == f"{public_url}/dang-nhap/oidc/thu-nghiem/?next=%2Ftai-khoan%2F"

    # What the fake would send back (a code it made up) also arrives with the forged Host.
    code = requests.post(
        f"{fake_issuer.url}/oidc/oauth2/authorize",
        params={
            "client_id": oidc.PORTAL_CLIENT_ID,
            "redirect_uri": f"{fake_issuer.url}{CALLBACK}",
            "response_type": "code",
            "scope": "openid profile",
            "state": "trang-thai-gia",
        },
        data={"sub": "ke-gia-mao"},
        allow_redirects=False,
        timeout=10,
    ).headers["Location"]
    fake_issuer.seen.clear()
    query = urlsplit(code).query
    forged = client.get(f"{CALLBACK}?{query}", HTTP_HOST=fake_issuer.host)
    assert forged.status_code == 404
    at_home = client.get(f"{CALLBACK}?{query}")
    assert at_home.status_code == 401

    # The portal fetched nothing from the fake (no discovery, no token: no client secret).
    assert fake_issuer.seen == []
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.filter(action__in=["auth.login", "auth.oidc_identity"]).exists()


@pytest.mark.django_db(transaction=True)
def test_the_login_redirect_names_only_configured_addresses(
    live_server: Any, public_url: str
) -> None:
    assert public_url == live_server.url
    oidc.reset_clients()
    started = requests.get(
        f"{live_server.url}/dang-nhap/oidc/thu-nghiem/", allow_redirects=False, timeout=30
    )
    oidc.reset_clients()
    location = started.headers["Location"]
    assert location.startswith(f"{public_url}/oidc/authorize/")
    assert parse_qs(urlsplit(location).query)["redirect_uri"] == [f"{public_url}{CALLBACK}"]


@pytest.mark.parametrize(
    "path",
    [
        "/oidc/.well-known/openid-configuration",
        "/oidc/.well-known/jwks.json",
        "/oidc/dang-nhap/",
        "/oidc/authorize/",
    ],
)
def test_the_platforms_issuer_answers_only_at_its_configured_host_and_port(
    client: Client, path: str
) -> None:
    assert client.get(path).status_code != 404
    for host in ["testserver:8001", "localhost", "127.0.0.1:8000", "localhost:65000"]:
        assert client.get(path, HTTP_HOST=host).status_code == 404, host


def test_the_token_endpoint_answers_only_at_the_configured_address(client: Client) -> None:
    assert client.post("/oidc/token/", HTTP_HOST="localhost:8001").status_code == 404
    assert client.post("/oidc/token/").status_code != 404  # no grant: refused, but heard


def test_the_issuer_in_discovery_is_the_configured_one(client: Client, public_url: str) -> None:
    meta = client.get("/oidc/.well-known/openid-configuration").json()
    assert meta["issuer"] == f"{public_url}/oidc"
    for endpoint in ["authorization_endpoint", "token_endpoint", "jwks_uri"]:
        assert meta[endpoint].startswith(f"{public_url}/oidc/"), meta[endpoint]


def test_a_callback_at_another_port_of_the_same_host_is_refused(client: Client) -> None:
    response = client.get(f"{CALLBACK}?code=x&state=y", HTTP_HOST="testserver:8001")
    assert response.status_code == 404


def test_next_after_login_stays_on_the_configured_site(client: Client, public_url: str) -> None:
    page = client.get("/dang-nhap/?next=//localhost:9999/x", HTTP_HOST="localhost:9999")
    assert 'value="//localhost:9999/x"' not in page.content.decode()


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("dvc.example.gov.vn", True),
        ("DVC.example.gov.vn", True),
        ("dvc.example.gov.vn:443", True),
        ("dvc.example.gov.vn:8443", False),
        ("dvc.example.gov.vn:80", False),
        ("evil.example", False),
    ],
)
def test_served_at_compares_host_and_port(
    rf: Any, settings: Any, host: str, expected: bool
) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    request = rf.get("/", HTTP_HOST=host)
    assert oidc.served_at(request, "https://dvc.example.gov.vn") is expected


def test_public_url_sets_the_issuer_and_is_required_in_production(run_lienthong: Any) -> None:
    show = (
        "from django.conf import settings; "
        "print(settings.PUBLIC_URL, settings.OAUTH2_PROVIDER['OIDC_ISS_ENDPOINT'])"
    )
    shown = run_lienthong(
        "shell", "--no-imports", "-c", show, env={"PUBLIC_URL": "https://dvc.example.gov.vn/"}
    )
    assert shown.stdout.split() == ["https://dvc.example.gov.vn", "https://dvc.example.gov.vn/oidc"]
    # Empty, like unset: the embedded instance's address.
    default = run_lienthong("shell", "--no-imports", "-c", show, env={"PUBLIC_URL": ""})
    assert default.stdout.split() == ["http://127.0.0.1:8000", "http://127.0.0.1:8000/oidc"]
    production = run_lienthong(
        "check",
        env={
            "LIENTHONG_ENV": "production",
            "SECRET_KEY": "x" * 50,
            "ALLOWED_HOSTS": "dvc.example.gov.vn",
            "OIDC_PROVIDER_PRIVATE_KEY": instance.rsa_private_key_pem().decode(),
        },
    )
    assert production.returncode != 0
    assert "lienthong.E005" in production.stderr
    assert "PUBLIC_URL must be set when LIENTHONG_ENV=production" in production.stderr


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/cong", "127.0.0.1:8000", "ftp://127.0.0.1", "http://127.0.0.1:80x"],
)
def test_a_public_url_that_is_not_a_bare_origin_fails_the_system_check(
    settings: Any, url: str
) -> None:
    settings.PUBLIC_URL = url
    assert [e.id for e in oidc.public_url_check(None)] == ["lienthong.E005"]
    settings.PUBLIC_URL = "http://127.0.0.1:8000"
    assert oidc.public_url_check(None) == []
