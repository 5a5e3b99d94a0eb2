"""Login (OpenID Connect and password), second factor, account and officials pages.

Thin: forms parse, services decide, selectors read.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from authlib.integrations.base_client.errors import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from requests import RequestException

from lienthong.accounts import oidc, selectors, services
from lienthong.accounts.constants import Perm
from lienthong.accounts.forms import ApiClientForm, OfficialForm, PasswordLoginForm, TokenForm
from lienthong.accounts.permissions import is_platform_admin
from lienthong.core import audit
from lienthong.core.errors import DomainError, InvalidInput, NotFound
from lienthong.directory import selectors as directory

if TYPE_CHECKING:
    from lienthong.accounts.auth import AuthenticatedRequest
    from lienthong.accounts.models import User

logger = logging.getLogger(__name__)

_NEXT = "_lienthong_login_next"
_PENDING = "_lienthong_2fa_pending"
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _ip(request: HttpRequest) -> str:
    address: str = request.META.get("REMOTE_ADDR", "")
    return address[:45]


def _safe_next(request: HttpRequest, value: str | None) -> str:
    """A path of this site to go to after login; "/" for anything else (another host, a
    bare word that Django's ``redirect`` would try to resolve as a URL name). "This site"
    is ``PUBLIC_URL``, not the request's ``Host``."""
    site = urlsplit(oidc.public_url())
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(
            value, {site.netloc}, require_https=site.scheme == "https"
        )
    ):
        return value
    return "/"


def _finish_login(request: HttpRequest, user: User, next_url: str, *, via: str) -> HttpResponse:
    """Log in now, or first ask for the second factor when the account has one."""
    if selectors.has_second_factor(user):
        request.session[_PENDING] = {"uid": user.pk, "next": next_url, "via": via}
        return redirect("accounts:second-factor")
    auth_login(request, user, backend=_BACKEND)
    return redirect(next_url)


def _login_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "issuers": oidc.issuers(),
        "next": _safe_next(request, request.GET.get("next") or request.POST.get("next")),
        "form": extra.pop("form", None) or PasswordLoginForm(),
        **extra,
    }


def login_page(request: HttpRequest) -> HttpResponse:
    """Choose the identity provider (VNeID first); officials' password login below."""
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_safe_next(request, request.GET.get("next")))
    if request.method != "POST":
        return render(request, "accounts/login.html", _login_context(request))
    form = PasswordLoginForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next"))
    if form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            return _finish_login(request, user, next_url, via="password")
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        form.add_error(None, _("Tên đăng nhập hoặc mật khẩu không đúng."))
    return render(request, "accounts/login.html", _login_context(request, form=form), status=401)


def oidc_start(request: HttpRequest, issuer: str) -> HttpResponse:
    """Send the browser to the issuer's authorization endpoint (state, nonce, PKCE S256)."""
    found = oidc.get_issuer(issuer)
    if found is None:
        raise Http404
    next_url = _safe_next(request, request.GET.get("next"))
    if not oidc.served_at(request, oidc.public_url()):
        # The session (state, nonce, PKCE verifier) must live where the callback comes
        # back: start again at the site's public address.
        start = reverse("accounts:oidc-start", args=[found.key])
        return redirect(f"{oidc.public_url()}{start}?{urlencode({'next': next_url})}")
    request.session[_NEXT] = next_url
    try:
        response: HttpResponse = oidc.client_for(found).authorize_redirect(
            request, oidc.callback_url(found.key)
        )
    except (RequestException, OAuthError, ValueError) as exc:
        logger.warning("identity provider %s unreachable: %s", found.key, exc)
        return render(
            request,
            "accounts/login.html",
            _login_context(
                request,
                error=_(
                    "Không kết nối được tới nhà cung cấp định danh %(name)s. Vui lòng thử lại sau."
                )
                % {"name": found.label},
            ),
            status=503,
        )
    return response


def oidc_callback(request: HttpRequest, issuer: str) -> HttpResponse:
    """Exchange the code, verify the ID token, match the person by identification number."""
    found = oidc.get_issuer(issuer)
    if found is None or not oidc.served_at(request, oidc.public_url()):
        raise Http404
    next_url = request.session.pop(_NEXT, "/")
    try:
        # The redirect URI sent with the code is the one kept with the state at the start.
        token = oidc.client_for(found).authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise OAuthError(error="missing_id_token")
        user = services.login_with_claims(
            issuer=found.key,
            claims=claims,
            pin_claim=settings.OIDC_PIN_CLAIM,
            tax_code_claim=settings.OIDC_TAX_CODE_CLAIM,
            ip=_ip(request),
        )
    except (OAuthError, RequestException, ValueError, DomainError) as exc:
        reason = getattr(exc, "error", None) or getattr(exc, "code", None) or type(exc).__name__
        audit.record(
            "auth.login_failed",
            actor="anonymous",
            ip=_ip(request),
            data={"issuer": found.key, "reason": str(reason)[:100]},
        )
        message = (
            _("Bạn đã từ chối hoặc huỷ đăng nhập.")
            if reason == "access_denied"
            else str(exc.detail)
            if isinstance(exc, DomainError)
            else _(
                "Đăng nhập không thành công (phiên đăng nhập hết hạn hoặc không hợp lệ). "
                "Vui lòng thử lại."
            )
        )
        return render(
            request, "accounts/login.html", _login_context(request, error=message), status=401
        )
    return _finish_login(request, user, next_url, via=found.key)


def second_factor(request: HttpRequest) -> HttpResponse:
    """The code from the official's authenticator app, before the session is opened."""
    pending = request.session.get(_PENDING)
    if not pending:
        return redirect("accounts:login")
    user = get_user_model().objects.filter(pk=pending["uid"], is_active=True).first()
    if user is None:
        request.session.pop(_PENDING, None)
        return redirect("accounts:login")
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = services.verify_second_factor(
                user=user, token=form.cleaned_data["token"], ip=_ip(request)
            )
        except DomainError as exc:
            form.add_error("token", str(exc.detail))
            status = 429 if exc.code == "too-many-attempts" else 401
        else:
            request.session.pop(_PENDING, None)
            auth_login(request, user, backend=_BACKEND)
            otp_login(request, device)
            return redirect(_safe_next(request, pending.get("next")))
    elif request.method == "POST":
        status = 400
    return render(request, "accounts/second_factor.html", {"form": form}, status=status)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """End the portal session (and, in development, the test issuer's session with it)."""
    auth_logout(request)
    return redirect("/")


@login_required
def my_account(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/my_account.html",
        {
            "roles": selectors.roles_of(request.user),
            "has_second_factor": selectors.has_second_factor(request.user),
        },
    )


@login_required
def totp_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Turn the second factor on (scan, confirm with a code) or off (with a code)."""
    import segno

    user = request.user
    action = request.POST.get("action", "")
    form = TokenForm(request.POST if action in {"confirm", "disable"} else None)
    device = None
    if request.method == "POST" and action == "start":
        device = services.start_totp_enrolment(user=user)
    elif request.method == "POST" and form.is_valid():
        try:
            if action == "confirm":
                services.confirm_totp(user=user, token=form.cleaned_data["token"])
                messages.success(request, _("Đã bật xác thực hai bước."))
            else:
                services.disable_totp(user=user, token=form.cleaned_data["token"])
                messages.success(request, _("Đã tắt xác thực hai bước."))
            return redirect("accounts:my-account")
        except DomainError as exc:
            form.add_error("token", str(exc.detail))
    if device is None and action == "confirm":
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    context: dict[str, Any] = {
        "form": form,
        "has_second_factor": selectors.has_second_factor(user),
        "device": device,
    }
    if device is not None:
        from base64 import b32encode

        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=4, title=_("Mã QR đăng ký ứng dụng xác thực")
        )
        context["secret"] = b32encode(device.bin_key).decode()
    return render(request, "accounts/totp_setup.html", context)


@login_required
def my_agencies(request: AuthenticatedRequest) -> HttpResponse:
    """Agencies whose officials the user manages (platform admins search all)."""
    administered = selectors.agencies_administered_by(request.user)
    q = request.GET.get("q", "").strip()
    if administered is None:
        agencies = directory.search_agencies(q=q)[:50] if q else []
    else:
        agencies = list(administered[:200])
    return render(
        request,
        "accounts/my_agencies.html",
        {"agencies": agencies, "q": q, "platform_admin": administered is None},
    )


@login_required
def agency_officials(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """Officials of one agency and their roles; add an official (agency administrators)."""
    try:
        agency = selectors.get_agency_for(request.user, code, Perm.AGENCY_VIEW_OFFICIALS)
    except NotFound as exc:
        raise Http404 from exc
    can_manage = selectors.can_manage(request.user, agency)
    platform_admin = is_platform_admin(request.user)
    form = OfficialForm(request.POST or None, allow_platform_admin=platform_admin)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                official = services.add_official(
                    actor=request.user, agency=agency, **form.cleaned_data
                )
            except InvalidInput as exc:
                for p in exc.invalid_params:
                    form.add_error(p.name if p.name in form.fields else None, str(p.reason))
                if not exc.invalid_params:
                    form.add_error(None, str(exc.detail))
                status = 422
            except DomainError as exc:
                form.add_error(None, str(exc.detail))
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Đã giao vai trò cho %(name)s.") % {"name": official.get_full_name()},
                )
                return redirect("accounts:agency-officials", code=agency.code)
        else:
            status = 422
    return render(
        request,
        "accounts/agency_officials.html",
        {
            "agency": agency,
            "officials": selectors.officials_of(agency),
            "form": form,
            "can_manage": can_manage,
            "api_clients": selectors.api_clients_of(agency) if can_manage else [],
        },
        status=status,
    )


@login_required
@require_POST
def revoke(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    try:
        assignment = services.revoke_role(actor=request.user, assignment_id=assignment_id)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise Http404 from exc
        messages.error(request, str(exc.detail))
        return redirect(request.POST.get("back") or "accounts:my-agencies")
    messages.success(
        request,
        _("Đã thu hồi vai trò %(role)s của %(name)s.")
        % {"role": assignment.get_role_display(), "name": assignment.user.get_full_name()},
    )
    return redirect("accounts:agency-officials", code=assignment.agency.code)


@login_required
@require_POST
def api_clients(request: AuthenticatedRequest, code: str) -> HttpResponse:
    """Register a system for the agency; the secret is shown once."""
    try:
        agency = selectors.get_agency_for(request.user, code, Perm.AGENCY_MANAGE_OFFICIALS)
    except NotFound as exc:
        raise Http404 from exc
    form = ApiClientForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nhập tên hệ thống."))
        return redirect("accounts:agency-officials", code=agency.code)
    credentials = services.create_api_client(
        actor=request.user, agency=agency, name=form.cleaned_data["name"]
    )
    return render(
        request, "accounts/api_client_created.html", {"agency": agency, "credentials": credentials}
    )
