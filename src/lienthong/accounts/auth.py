"""API authentication: OAuth2 bearer tokens of the platform's provider, or the web session."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from oauth2_provider.oauth2_backends import OAuthLibCore

__all__ = ["SystemPrincipal", "api_auth", "bearer"]


@dataclass(frozen=True)
class SystemPrincipal:
    """A system calling with a client-credentials token, for one agency."""

    client_id: str
    name: str
    agency: Any

    is_authenticated = True
    is_superuser = False
    pk = None


class OAuth2Bearer(HttpBearer):
    """``Authorization: Bearer <token>`` checked by django-oauth-toolkit (expiry, revocation)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        valid, oauth_request = OAuthLibCore().verify_request(request, scopes=[])
        if not valid:
            return None
        if oauth_request.user is not None:
            request.user = oauth_request.user
            return oauth_request.user
        app = oauth_request.client
        api_client = getattr(app, "api_client", None)
        if api_client is None:
            return None
        return SystemPrincipal(app.client_id, app.name, api_client.agency)


bearer = OAuth2Bearer()
#: Endpoints for people and systems: a bearer token, or the browser session (with CSRF).
api_auth = [bearer, SessionAuth()]
