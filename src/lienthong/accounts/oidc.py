"""Login with OpenID Connect (authorization code + PKCE) against configured issuers.

Two kinds of issuer:

* the national e-ID issuer (VNeID or any standard OpenID provider) given by
  ``OIDC_ISSUER_URL`` and its client credentials;
* the platform's own development issuer (django-oauth-toolkit at ``/oidc/``),
  on unless ``LIENTHONG_ENV=production``: its login page says plainly that it is a
  test environment. It is reached over HTTP exactly like an external one
  (discovery, JWKS, token endpoint), so the whole protocol runs for real.

Authlib does the protocol: discovery, state, nonce, PKCE (S256), the code
exchange and the ID token's signature and claims.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "DEV_ISSUER",
    "EXTERNAL_ISSUER",
    "PORTAL_CLIENT_ID",
    "Issuer",
    "client_for",
    "issuers",
    "portal_client_secret",
]

DEV_ISSUER = "thu-nghiem"
EXTERNAL_ISSUER = "vneid"
#: The platform's portal as a client of its own development issuer.
PORTAL_CLIENT_ID = "lienthong-cong-dich-vu"


@dataclass(frozen=True)
class Issuer:
    key: str
    label: StrOrPromise
    #: Discovery URL; ``None`` for the development issuer, whose URL is the request's host.
    metadata_url: str | None
    client_id: str
    client_secret: str
    scope: str
    is_test: bool


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
                metadata_url=None,
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


def client_for(issuer: Issuer, request: HttpRequest) -> Any:
    """The Authlib client of ``issuer``; the development issuer lives on this host."""
    metadata_url = issuer.metadata_url or request.build_absolute_uri(
        "/oidc/.well-known/openid-configuration"
    )
    return _client(issuer.key, metadata_url, issuer.client_id, issuer.client_secret, issuer.scope)


def reset_clients() -> None:
    """Forget cached discovery documents and keys (tests; key rotation)."""
    _client.cache_clear()
