"""The provider's endpoints at /oidc/: only what the platform uses, only at its address.

django-oauth-toolkit's application-management and dynamic-registration views
are left out on purpose: clients are registered by administrators.

Every endpoint answers only at the provider's configured issuer (host and port of
``OIDC_PROVIDER_ISSUER``, by default ``PUBLIC_URL``); any other ``Host`` gets 404.
``ALLOWED_HOSTS`` ignores the port, so without this another service on this
machine could be addressed as the issuer.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, re_path
from oauth2_provider import views as dot

from lienthong.accounts.oidc import provider_issuer, served_at
from lienthong.accounts.provider import IssuerAuthorizationView, issuer_login

app_name = "oauth2_provider"

View = Callable[..., HttpResponse]


def at_the_issuer(view: View) -> View:
    """``view``, answering only at the issuer's configured host and port."""

    # functools.wraps also copies csrf_exempt and login_not_required from ``view``.
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not served_at(request, provider_issuer()):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


urlpatterns = [
    path("authorize/", at_the_issuer(IssuerAuthorizationView.as_view()), name="authorize"),
    path("token/", at_the_issuer(dot.TokenView.as_view()), name="token"),
    path("revoke_token/", at_the_issuer(dot.RevokeTokenView.as_view()), name="revoke-token"),
    path("introspect/", at_the_issuer(dot.IntrospectTokenView.as_view()), name="introspect"),
    re_path(
        r"^\.well-known/openid-configuration/?$",
        at_the_issuer(dot.ConnectDiscoveryInfoView.as_view()),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", at_the_issuer(dot.JwksInfoView.as_view()), name="jwks-info"),
    path("userinfo/", at_the_issuer(dot.UserInfoView.as_view()), name="user-info"),
    path(
        "logout/",
        at_the_issuer(dot.RPInitiatedLogoutView.as_view()),
        name="rp-initiated-logout",
    ),
    path("dang-nhap/", at_the_issuer(issuer_login), name="issuer-login"),
]
