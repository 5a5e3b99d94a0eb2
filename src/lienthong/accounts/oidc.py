"""Login with OpenID Connect (authorization code + PKCE) against configured issuers.

Two kinds of issuer:

* the national e-ID issuer (VNeID or any standard OpenID provider) given by
  ``OIDC_ISSUER_URL`` and its client credentials;
* the platform's own development issuer (django-oauth-toolkit at ``/oidc/``),
  on unless ``LIENTHONG_ENV=production``: its login page says plainly that it is a
  test environment. It is reached over HTTP exactly like an external one
  (discovery, JWKS, token endpoint), so the whole protocol runs for real.

Every address the client uses comes from configuration, never from the request: the
callback is ``PUBLIC_URL`` + its path, the development issuer is the provider's
configured issuer (``PUBLIC_URL/oidc`` unless ``OIDC_PROVIDER_ISSUER`` says otherwise),
and that provider answers only there (:func:`served_at`). A forged ``Host`` header
(``ALLOWED_HOSTS`` ignores the port) therefore can neither choose the issuer the portal
trusts, nor receive its client secret, nor make the server fetch from its own ports.

Authlib does the protocol: discovery, state, nonce, PKCE (S256), the code
exchange and the ID token's signature and claims.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.core.checks import Error, Tags, register
from django.http import HttpRequest
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "DEV_ISSUER",
    "EXTERNAL_ISSUER",
    "PORTAL_CLIENT_ID",
    "Issuer",
    "callback_url",
    "client_for",
    "issuers",
    "portal_client_secret",
    "provider_issuer",
    "public_url",
    "served_at",
]

DEV_ISSUER = "thu-nghiem"
EXTERNAL_ISSUER = "vneid"
#: The platform's portal as a client of its own development issuer.
PORTAL_CLIENT_ID = "lienthong-cong-dich-vu"


@dataclass(frozen=True)
class Issuer:
    key: str
    label: StrOrPromise
    #: Discovery URL, from configuration (never from a request).
    metadata_url: str
    client_id: str
    client_secret: str
    scope: str
    is_test: bool


def public_url() -> str:
    """The site's public address (``PUBLIC_URL``: scheme, host, port), no trailing slash."""
    return str(settings.PUBLIC_URL).rstrip("/")


def provider_issuer() -> str:
    """The issuer of the platform's own OpenID provider: its ``iss``, and the only address
    where ``/oidc/`` answers (``OIDC_PROVIDER_ISSUER``, by default ``PUBLIC_URL/oidc``)."""
    issuer = str(settings.OAUTH2_PROVIDER.get("OIDC_ISS_ENDPOINT") or "")
    return (issuer or f"{public_url()}/oidc").rstrip("/")


def callback_url(key: str) -> str:
    """Where the issuer ``key`` sends the browser back: on ``PUBLIC_URL``."""
    return public_url() + reverse("accounts:oidc-callback", args=[key])


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _host_and_port(url: str) -> tuple[str, int | None, int | None]:
    """(host, port, the scheme's default port) of ``url``; an empty host when malformed."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return "", None, None
    default = _DEFAULT_PORTS.get(parts.scheme)
    return (parts.hostname or "").lower(), port or default, default


def served_at(request: HttpRequest, url: str) -> bool:
    """Whether ``request`` came to the host *and port* of ``url`` (a ``Host`` without a port
    means the default one of ``url``'s scheme). ``ALLOWED_HOSTS`` ignores ports: this does
    not, so another service on this machine cannot pose as this site."""
    host, port, default = _host_and_port(url)
    domain, request_port = split_domain_port(request.get_host())
    if not host or not domain or (request_port and not request_port.isdigit()):
        return False
    return domain.strip("[]") == host and (int(request_port) if request_port else default) == port


def portal_client_secret() -> str:
    """The portal's client secret at the development issuer, derived from SECRET_KEY."""
    return hmac.new(
        settings.SECRET_KEY.encode(), b"lienthong-dev-issuer-portal-client", hashlib.sha256
    ).hexdigest()


def issuers() -> list[Issuer]:
    """Issuers shown on the login page, the national e-ID first."""
    found: list[Issuer] = []
    if settings.OIDC_ISSUER_URL:
        found.append(
            Issuer(
                key=EXTERNAL_ISSUER,
                label=settings.OIDC_ISSUER_NAME,
                metadata_url=settings.OIDC_ISSUER_URL.rstrip("/")
                + "/.well-known/openid-configuration",
                client_id=settings.OIDC_CLIENT_ID,
                client_secret=settings.OIDC_CLIENT_SECRET,
                scope=settings.OIDC_SCOPES,
                is_test=False,
            )
        )
    if settings.OIDC_DEV_ISSUER:
        found.append(
            Issuer(
                key=DEV_ISSUER,
                label=_("Định danh thử nghiệm của LiênThông"),
                metadata_url=provider_issuer() + "/.well-known/openid-configuration",
                client_id=PORTAL_CLIENT_ID,
                client_secret=portal_client_secret(),
                scope="openid profile",
                is_test=True,
            )
        )
    return found


def get_issuer(key: str) -> Issuer | None:
    return next((i for i in issuers() if i.key == key), None)


@lru_cache(maxsize=16)
def _client(key: str, metadata_url: str, client_id: str, client_secret: str, scope: str) -> Any:
    # One client per configuration: it caches the discovery document and the JWKS.
    oauth = OAuth()
    return oauth.register(
        name=key,
        client_id=client_id,
        client_secret=client_secret,
        server_metadata_url=metadata_url,
        client_kwargs={
            "scope": scope,
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "timeout": settings.OIDC_TIMEOUT_SECONDS,
        },
    )


def client_for(issuer: Issuer) -> Any:
    """The Authlib client of ``issuer`` (its addresses are all configured ones)."""
    return _client(
        issuer.key, issuer.metadata_url, issuer.client_id, issuer.client_secret, issuer.scope
    )


def reset_clients() -> None:
    """Forget cached discovery documents and keys (tests; key rotation)."""
    _client.cache_clear()


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018  (raises on a bad port)
    except ValueError:
        return "its port is not a number"
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "it needs http:// or https:// and a host"
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        return "it takes no path, query, fragment or user"
    return None


# Registered when accounts' ready() imports this module (through seeds).
@register(Tags.security)
def public_url_check(app_configs: Any, **kwargs: Any) -> list[Error]:
    """PUBLIC_URL is required in production, and must be a bare http(s) origin."""
    url = public_url()
    if not url:
        if getattr(settings, "PRODUCTION", False):
            return [
                Error(
                    "PUBLIC_URL must be set when LIENTHONG_ENV=production (the site's public "
                    "address, e.g. https://dichvucong.example.gov.vn)",
                    id="lienthong.E005",
                )
            ]
        return []
    problem = _url_problem(url)
    if not problem and getattr(settings, "PRODUCTION", False) and not url.startswith("https://"):
        problem = "production needs https://"
    if problem:
        return [Error(f"PUBLIC_URL={url!r} is not valid: {problem}", id="lienthong.E005")]
    return []
