"""API authentication: OAuth2 bearer tokens of the platform's provider, or the web session;
the request types views and endpoints are annotated with."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth
from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthRequest

from lienthong.core import memo
from lienthong.core.views import HtmxHttpRequest

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency

__all__ = [
    "TOKEN_MEMO_SECONDS",
    "ApiRequest",
    "AuthenticatedRequest",
    "SystemPrincipal",
    "api_auth",
    "bearer",
]

#: How long a process trusts a token it has already checked before asking the database
#: again (RFC 7662 §4 lets a resource server cache a token's state briefly). Expiry is
#: checked on every request; a token revoked on another worker stops working within this
#: time, one revoked or deleted in this process at once.
TOKEN_MEMO_SECONDS = 30


@dataclass(frozen=True)
class SystemPrincipal:
    """A system calling with a client-credentials token, for one agency."""

    client_id: str
    name: str
    agency: Agency

    is_authenticated = True
    is_superuser = False
    pk = None


HttpMethod = Literal["CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"]
#: The methods oauthlib's request knows; Django routes no other to the API.
_HTTP_METHODS: Final[dict[str, HttpMethod]] = {m: m for m in get_args(HttpMethod)}


@memo.memoize(key=lambda checksum, token, uri, method: checksum, ttl=TOKEN_MEMO_SECONDS)
def _valid_token(checksum: str, token: str, uri: str, method: HttpMethod) -> Any:
    """The access token (with user and application) if django-oauth-toolkit accepts it
    (expiry, revocation, audience of resource-bound tokens, usable application)."""
    oauth_request = OAuthRequest(uri, http_method=method)
    validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
    if not validator.validate_bearer_token(token, [], oauth_request):
        raise LookupError(checksum)  # not remembered: a new token works at once
    return oauth_request.access_token


class OAuth2Bearer(HttpBearer):
    """``Authorization: Bearer <token>`` checked by django-oauth-toolkit's validator (one
    query, then remembered for TOKEN_MEMO_SECONDS); the toolkit's full request parsing
    costs more than the rest of a typical API call, so it is not used here."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> User | SystemPrincipal | None:
        checksum = hashlib.sha256(token.encode()).hexdigest()
        uri = request.build_absolute_uri()
        try:
            method = _HTTP_METHODS.get(request.method or "GET", "GET")
            access = _valid_token(checksum, token, uri, method)
        except LookupError:
            return None
        # Checked again here because the token may come from the memo.
        if access.is_expired() or (access.resource and not access.allows_audience(uri)):
            return None
        if access.user is not None:
            user: User = copy.copy(access.user)  # the remembered one is shared between threads
            request.user = user
            return user
        api_client = getattr(access.application, "api_client", None)
        if api_client is None:
            return None
        return SystemPrincipal(
            access.application.client_id, access.application.name, api_client.agency
        )


class AuthenticatedRequest(HtmxHttpRequest):
    """The request of a view behind ``login_required``: ``request.user`` is a signed-in
    account (for annotations; Django builds plain ``HttpRequest`` objects)."""

    user: User


class ApiRequest(HttpRequest):
    """The request of an endpoint with ``auth``: ``request.auth`` is what the
    authenticator returned, a person or a system (for annotations; django-ninja sets it)."""

    auth: User | SystemPrincipal


bearer = OAuth2Bearer()
#: Endpoints for people and systems: a bearer token, or the browser session (with CSRF).
api_auth = [bearer, SessionAuth()]
