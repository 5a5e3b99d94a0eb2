"""OpenID Connect end to end over HTTP: the portal as relying party, the platform's own
provider as issuer, an independent client library, and an external issuer from PyPI."""

from __future__ import annotations

from hashlib import sha256
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from django.test import override_settings
from oauth2_provider.models import AccessToken, Application
from oidc_provider_mock import User as MockUser
from oidc_provider_mock import run_server_in_thread

from lienthong.accounts import oidc
from lienthong.accounts.models import User, UserKind
from lienthong.accounts.seeds import register_portal_client
from lienthong.core.models import AuditEntry
from tests.accounts.oidc_helpers import log_in_at_the_test_issuer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PIN = "037090001234"
PASSWORD = "MatKhau@2026"


@pytest.fixture
def server(live_server):
    register_portal_client()
    oidc.reset_clients()
    yield live_server.url
    oidc.reset_clients()


@pytest.fixture
def citizen(db):
    return UserFactory(username=PIN, pin=PIN, full_name="Nguyễn Văn An")


def test_a_citizen_logs_in_through_the_test_issuer(server, citizen):
    browser = requests.Session()
    page = browser.get(f"{server}/dang-nhap/oidc/thu-nghiem/?next=/tai-khoan/", timeout=30)
    # The portal sent the browser to the issuer with PKCE; the issuer asks who it is.
    first_hop = page.history[0]
    query = parse_qs(urlparse(first_hop.headers["Location"]).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"]
    assert query["nonce"]
    assert query["state"]
    # Logging in at the issuer is not logging in at the portal.
    assert "sessionid" in browser.cookies
    done = log_in_at_the_test_issuer(browser, page, PIN, PASSWORD)
    assert done.status_code == 200
    assert urlparse(done.url).path == "/tai-khoan/"
    assert "Nguyễn Văn An" in done.text
    assert PIN in done.text
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions[-3:] == ["auth.issuer_login", "auth.oidc_identity", "auth.login"]


def test_a_wrong_password_at_the_issuer_is_refused_and_audited(server, citizen):
    browser = requests.Session()
    page = browser.get(f"{server}/dang-nhap/oidc/thu-nghiem/", timeout=30)
    refused = log_in_at_the_test_issuer(browser, page, PIN, "sai-mat-khau")
    assert refused.status_code == 401
    assert "Số định danh hoặc mật khẩu không đúng" in refused.text
    assert AuditEntry.objects.filter(action="auth.login_failed").exists()
    assert browser.get(f"{server}/tai-khoan/", timeout=30).url.startswith(f"{server}/dang-nhap/")


def test_a_tampered_callback_is_refused(server, citizen):
    browser = requests.Session()
    page = browser.get(f"{server}/dang-nhap/oidc/thu-nghiem/", timeout=30)
    log_in_at_the_test_issuer(browser, page, PIN, PASSWORD)
    browser.post(f"{server}/dang-xuat/", headers={"Referer": server}, timeout=30)
    forged = browser.get(
        f"{server}/dang-nhap/oidc/thu-nghiem/callback/?code=forged&state=forged", timeout=30
    )
    assert forged.status_code == 401
    assert "Đăng nhập không thành công" in forged.text


def _third_party_client(redirect_uri: str) -> tuple[str, str]:
    secret = "bi-mat-cua-ung-dung-thu-ba"
    app = Application.objects.create(
        name="Ứng dụng kiểm thử",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        client_secret=secret,
        redirect_uris=redirect_uri,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    return app.client_id, secret


def test_an_independent_client_library_completes_the_flow_and_verifies_the_id_token(
    server, citizen
):
    callback = "http://127.0.0.1/callback"
    client_id, secret = _third_party_client(callback)
    meta = requests.get(f"{server}/oidc/.well-known/openid-configuration", timeout=30).json()
    assert "S256" in meta["code_challenge_methods_supported"]
    client = OAuth2Session(
        client_id,
        secret,
        scope="openid profile",
        redirect_uri=callback,
        code_challenge_method="S256",
    )
    verifier = generate_token(48)
    url, _state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce="so-dung-mot-lan"
    )
    browser = requests.Session()
    log_in_at_the_test_issuer(browser, browser.get(url, timeout=30), PIN, PASSWORD, follow=False)
    # Once logged in at the issuer, the authorization endpoint answers with a code.
    answer = browser.get(url, allow_redirects=False, timeout=30)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(callback)
    token = client.fetch_token(
        meta["token_endpoint"],
        authorization_response=answer.headers["Location"],
        code_verifier=verifier,
    )
    signing_key = jwt.PyJWKClient(meta["jwks_uri"]).get_signing_key_from_jwt(token["id_token"])
    claims = jwt.decode(
        token["id_token"],
        signing_key.key,
        algorithms=["RS256"],
        audience=client_id,
        issuer=meta["issuer"],
    )
    assert claims["pin"] == PIN
    assert claims["nonce"] == "so-dung-mot-lan"
    assert claims["name"] == "Nguyễn Văn An"
    # The access token is an API bearer token for the same person.
    me = requests.get(
        f"{server}/api/v1/me",
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=30,
    )
    assert me.status_code == 200
    assert me.json()["pin"] == PIN
    # RFC 9700 §4.4: the authorization response names its issuer (mix-up defence).
    assert parse_qs(urlparse(answer.headers["Location"]).query)["iss"] == [meta["issuer"]]
    # Tokens are kept at rest only as their SHA-256: the table grants nothing if it leaks.
    stored = AccessToken.objects.get(
        token_checksum=sha256(token["access_token"].encode()).hexdigest()
    )
    assert stored.token == ""
    # No token in a URL (RFC 9700 §4.3.2): a query-string token is not a credential.
    assert (
        requests.get(
            f"{server}/api/v1/me?access_token={token['access_token']}", timeout=30
        ).status_code
        == 401
    )


def test_the_issuer_refuses_the_password_and_implicit_grants(server, citizen):
    """RFC 9700 §2.4 and §2.1.2: neither grant is offered, even to a client registered for it."""
    callback = "http://127.0.0.1/callback"
    for grant in (Application.GRANT_PASSWORD, Application.GRANT_IMPLICIT):
        Application.objects.create(
            name=f"Ứng dụng cũ ({grant})",
            client_id=f"cu-{grant}",
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=grant,
            client_secret="bi-mat-cu",
            redirect_uris=callback,
            skip_authorization=True,
        )
    answer = requests.post(
        f"{server}/oidc/token/",
        data={"grant_type": "password", "username": PIN, "password": PASSWORD},
        auth=("cu-password", "bi-mat-cu"),
        timeout=30,
    )
    assert answer.status_code == 400
    assert "access_token" not in answer.json()
    browser = requests.Session()
    url = (
        f"{server}/oidc/authorize/?response_type=token&client_id=cu-implicit"
        f"&redirect_uri={callback}&scope=api&state=abc"
    )
    log_in_at_the_test_issuer(browser, browser.get(url, timeout=30), PIN, PASSWORD, follow=False)
    location = browser.get(url, allow_redirects=False, timeout=30).headers.get("Location", "")
    assert "access_token" not in location
    assert "error=" in location
    assert not AccessToken.objects.exists()


def test_the_issuer_refuses_an_authorization_request_without_pkce(server, citizen):
    callback = "http://127.0.0.1/callback"
    client_id, _secret = _third_party_client(callback)
    browser = requests.Session()
    url = (
        f"{server}/oidc/authorize/?response_type=code&client_id={client_id}"
        f"&redirect_uri={callback}&scope=openid&state=abc"
    )
    log_in_at_the_test_issuer(browser, browser.get(url, timeout=30), PIN, PASSWORD, follow=False)
    answer = browser.get(url, allow_redirects=False, timeout=30)
    location = answer.headers.get("Location", "")
    assert "code=" not in location
    assert "error=invalid_request" in location


def test_the_issuer_refuses_plain_pkce_and_offers_only_s256(server, citizen):
    callback = "http://127.0.0.1/callback"
    client_id, _secret = _third_party_client(callback)
    meta = requests.get(f"{server}/oidc/.well-known/openid-configuration", timeout=30).json()
    assert meta["code_challenge_methods_supported"] == ["S256"]
    browser = requests.Session()
    url = (
        f"{server}/oidc/authorize/?response_type=code&client_id={client_id}"
        f"&redirect_uri={callback}&scope=openid&state=abc"
        "&code_challenge=the-verifier-itself-sent-in-clear-xxxxxxxxxxxxx&code_challenge_method=plain"
    )
    log_in_at_the_test_issuer(browser, browser.get(url, timeout=30), PIN, PASSWORD, follow=False)
    answer = browser.get(url, allow_redirects=False, timeout=30)
    location = answer.headers.get("Location", "")
    assert "code=" not in location
    assert "error=invalid_request" in location


def test_an_external_issuer_configured_by_url_logs_a_person_in(live_server):
    """A standard OpenID provider from PyPI (oidc-provider-mock) plays the national e-ID."""
    person = MockUser(sub="vneid-0001", claims={"pin": "036088003456", "name": "Lê Văn Cường"})
    with run_server_in_thread(user_claims=[person]) as issuer:
        issuer_url = f"http://localhost:{issuer.server_port}"
        with override_settings(
            OIDC_ISSUER_URL=issuer_url, OIDC_CLIENT_ID="lienthong", OIDC_CLIENT_SECRET="bi-mat"
        ):
            oidc.reset_clients()
            browser = requests.Session()
            login_page = browser.get(f"{live_server.url}/dang-nhap/", timeout=30)
            assert "Đăng nhập qua VNeID" in login_page.text
            form = browser.get(
                f"{live_server.url}/dang-nhap/oidc/vneid/?next=/tai-khoan/", timeout=30
            )
            assert form.url.startswith(issuer_url + "/oauth2/authorize")
            assert parse_qs(urlparse(form.url).query)["code_challenge_method"] == ["S256"]
            done = browser.post(form.url, data={"sub": "vneid-0001"}, timeout=30)
            oidc.reset_clients()
    assert urlparse(done.url).path == "/tai-khoan/", done.text[:500]
    user = User.objects.get(pin="036088003456")
    assert user.kind == UserKind.CITIZEN
    assert user.full_name == "Lê Văn Cường"
    assert not user.has_usable_password()
