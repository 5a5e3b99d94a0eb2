"""Response headers that keep pages and files to the person they are for.

Two middlewares (settings.MIDDLEWARE, right after WhiteNoise, so static files are left
alone):

* :class:`ContentSecurityPolicyMiddleware`: django-csp's middleware with the policy of
  ``settings.CONTENT_SECURITY_POLICY`` (scripts and styles only from this site, no inline
  script, style or event handler, no eval; no framing; forms post only here) plus what one
  response needs beyond it, decided per request:

  - ``form-action`` also allows the configured OIDC issuer (the login may post or
    redirect there), and, on the pages of an OAuth login (the provider's authorization
    page, its development login page, the portal's login page), the origin of the
    ``redirect_uri`` the login ends at, once the registered client allows that URI:
    Chromium applies ``form-action`` to every redirect after a form is sent;
  - the API's documentation page (Swagger UI, django-ninja's own static files) may show
    ``data:`` images, which Swagger UI draws its icons with.

* :class:`NoStoreMiddleware`: ``Cache-Control: no-store`` (with ``private``, ``no-cache``
  and ``Pragma: no-cache`` for old proxies) on every response for a signed-in person or a
  request with credentials, on every file, PDF and download, on a response that sets a
  cookie other than the CSRF one, and on the public tracking of a dossier (it answers
  about one person's file).
  Other public pages (catalogue, administrative units, directory) stay cacheable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final
from urllib.parse import parse_qs, urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.utils.cache import add_never_cache_headers

__all__ = ["ContentSecurityPolicyMiddleware", "NoStoreMiddleware", "needs_no_store"]

#: Views whose page starts or continues an OAuth login that ends at a client's redirect URI.
_LOGIN_VIEWS: Final = frozenset(
    {"oauth2_provider:authorize", "oauth2_provider:issuer-login", "accounts:login"}
)
#: Swagger UI (django-ninja's bundle) draws its icons as data: images.
_DOCS_POLICY: Final = {"img-src": ["'self'", "data:"]}
#: Public answers about one dossier (code + lookup key): never kept by a cache.
_PRIVATE_PREFIXES: Final = ("/tra-cuu/", "/api/v1/track/")
_FILE_TYPES: Final = ("application/pdf", "application/octet-stream", "application/vnd.")


def _origin(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, or None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in {"http", "https"} or not parts.netloc or "@" in parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _authorization_query(request: HttpRequest) -> dict[str, list[str]]:
    """The OAuth authorization parameters of this page: its own query on the authorization
    page, the query of its ``next`` on a login page."""
    if request.path_info.startswith("/oidc/authorize"):
        return parse_qs(request.META.get("QUERY_STRING", ""))
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not next_url:
        return {}
    try:
        parts = urlsplit(next_url)
    except ValueError:
        return {}
    if parts.netloc or not parts.path.startswith("/oidc/authorize"):
        return {}
    return parse_qs(parts.query)


def _client_redirect_origin(request: HttpRequest) -> str | None:
    """The origin of the redirect URI this login ends at, if its client registered it."""
    query = _authorization_query(request)
    redirect_uri = (query.get("redirect_uri") or [""])[0]
    client_id = (query.get("client_id") or [""])[0]
    origin = _origin(redirect_uri)
    if origin is None or not client_id:
        return None
    from oauth2_provider.models import get_application_model

    application = get_application_model().objects.filter(client_id=client_id).first()
    if application is None or not application.redirect_uri_allowed(redirect_uri):
        return None
    return origin


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp, plus the per-request parts the module docstring lists."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts: PolicyParts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        form_action: list[str] = []
        issuer = _origin(settings.OIDC_ISSUER_URL) if settings.OIDC_ISSUER_URL else None
        if issuer:
            form_action.append(issuer)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in _LOGIN_VIEWS:
            client = _client_redirect_origin(request)
            if client and client not in form_action:
                form_action.append(client)
        if form_action:
            parts.update = {**(parts.update or {}), "form-action": form_action}
        if match is not None and match.view_name.endswith(":openapi-view"):
            parts.replace = {**(parts.replace or {}), **_DOCS_POLICY}
        return parts


def needs_no_store(request: HttpRequest, response: HttpResponseBase) -> bool:
    """Whether ``response`` holds something only its addressee may keep."""
    if isinstance(response, FileResponse) or response.has_header("Content-Disposition"):
        return True
    if response.get("Content-Type", "").startswith(_FILE_TYPES):
        return True
    if "HTTP_AUTHORIZATION" in request.META or getattr(request, "auth", None) is not None:
        return True
    if request.path_info.startswith(_PRIVATE_PREFIXES):
        return True
    # A cookie of the person's own (a session) is theirs alone; the CSRF cookie of a public
    # page's language menu is not personal (Django adds Vary: Cookie for it).
    if any(name != settings.CSRF_COOKIE_NAME for name in response.cookies):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` where :func:`needs_no_store` says so."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if needs_no_store(request, response):
            add_never_cache_headers(response)
            response["Pragma"] = "no-cache"
        return response
