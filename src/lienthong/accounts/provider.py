"""The platform's own OpenID provider (django-oauth-toolkit), mounted at ``/oidc/``.

It issues the OAuth2 bearer tokens of the API (people: authorization code +
PKCE; systems: client credentials) and, outside production, acts as the
development identity issuer that stands in for VNeID: its login page is its own
(a separate session key, so logging in there does not log anyone into the
portal; the portal logs the person in only after the code exchange), and it is
labelled "Môi trường thử nghiệm".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.crypto import constant_time_compare
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views import AuthorizationView

from lienthong.core import audit

if TYPE_CHECKING:
    from lienthong.accounts.models import User

ISSUER_SESSION_KEY = "_lienthong_issuer_uid"
ISSUER_HASH_KEY = "_lienthong_issuer_hash"


# django-oauth-toolkit ships no types (read as Any, see pyproject.toml): its classes are Any.
class ClaimsValidator(OAuth2Validator):  # type: ignore[misc]
    """Adds the identity claims a relying party needs (VNeID-style: the PIN)."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        settings.OIDC_PIN_CLAIM: "profile",
        settings.OIDC_TAX_CODE_CLAIM: "profile",
        "account_kind": "profile",
    }

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        user = request.user
        claims: dict[str, Any] = {
            "name": user.get_full_name(),
            "preferred_username": user.username,
            "account_kind": user.kind,
        }
        if user.pin:
            claims[settings.OIDC_PIN_CLAIM] = user.pin
        if user.tax_code:
            claims[settings.OIDC_TAX_CODE_CLAIM] = user.tax_code
        return claims


def issuer_user(request: HttpRequest) -> User | None:
    """Who is logged in at the development issuer (not the portal), or ``None``."""
    uid = request.session.get(ISSUER_SESSION_KEY)
    if uid is None:
        return None
    user = get_user_model().objects.filter(pk=uid, is_active=True).first()
    if user is None or not constant_time_compare(
        request.session.get(ISSUER_HASH_KEY, ""), user.get_session_auth_hash()
    ):
        return None
    return user


class IssuerAuthorizationView(AuthorizationView):  # type: ignore[misc]  # Any, as above
    """The authorization endpoint; in development the person is the issuer session's."""

    template_name = "accounts/issuer_authorize.html"

    def get_login_url(self) -> str:
        return (
            str(reverse_lazy("oauth2_provider:issuer-login"))
            if settings.OIDC_DEV_ISSUER
            else (settings.LOGIN_URL)
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if settings.OIDC_DEV_ISSUER:
            request.user = issuer_user(request) or AnonymousUser()
        response: HttpResponse = super().dispatch(request, *args, **kwargs)
        return response


def issuer_login(request: HttpRequest) -> HttpResponse:
    """Login page of the development issuer: identification number (or username) + password."""
    if not settings.OIDC_DEV_ISSUER:
        return redirect(settings.LOGIN_URL)
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, {request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    error = ""
    username = ""
    if request.method == "POST":
        username = request.POST.get("username", "").strip()
        password = request.POST.get("password", "")
        user = authenticate(request, username=username, password=password)
        if user is None:
            if getattr(request, "axes_locked_out", False):
                return render(request, "accounts/locked_out.html", status=429)
            error = _("Số định danh hoặc mật khẩu không đúng.")
        else:
            request.session.cycle_key()
            request.session[ISSUER_SESSION_KEY] = user.pk
            request.session[ISSUER_HASH_KEY] = user.get_session_auth_hash()
            audit.record(
                "auth.issuer_login",
                actor=user,
                object_type="user",
                object_id=user.pk,
                ip=request.META.get("REMOTE_ADDR", "")[:45],
            )
            return redirect(next_url)
    return render(
        request,
        "accounts/issuer_login.html",
        {"next": next_url, "error": error, "username": username},
        status=401 if error else 200,
    )
