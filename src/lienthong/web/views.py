"""Pages of the web shell: portal home, back-office and dashboard entry pages.

Views stay thin: they call selectors/services and render.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lienthong.accounts import selectors as accounts
from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import agencies_with
from lienthong.core.errors import problem_response
from lienthong.core.selectors import last_audit_verification, platform_health, readiness
from lienthong.core.tasks import verify_audit_chain
from lienthong.core.workcalendar import get_calendar
from lienthong.dossiers import selectors as dossiers
from lienthong.registries import selectors as registries
from lienthong.steering import selectors as steering


def _upcoming_days_off(today: date, days: int = 120) -> list[tuple[date, str]]:
    cal = get_calendar()
    found: dict[date, str] = {}
    for year in {today.year, (today + timedelta(days=days)).year}:
        found.update(cal.holidays(year))
    end = today + timedelta(days=days)
    return sorted((d, name) for d, name in found.items() if today <= d <= end)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html")


@login_required
def backoffice(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cal = get_calendar()
    return render(
        request,
        "web/backoffice.html",
        {
            "today": today,
            "is_working_day": cal.is_working_day(today),
            "upcoming_days_off": _upcoming_days_off(today),
            "due_in_5": cal.add_working_days(today, 5),
            "roles": accounts.roles_of(request.user),
            "manages_catalog": accounts.can_publish_catalog(request.user),
            "reads_registries": bool(registries.reading_agencies(request.user)),
            "owns_registries": bool(registries.owned_registries(request.user)),
            "handles_feedback": bool(agencies_with(request.user, Perm.FEEDBACK_VIEW)),
            "supervises": bool(agencies_with(request.user, Perm.FEEDBACK_SUPERVISE)),
        },
    )


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "403.html", status=403)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = accounts.steering_scope(request.user)
    if not scope.allowed:
        return _forbidden(request)
    this_year = timezone.localdate().replace(month=1, day=1)
    spared, spared_total = dossiers.once_only(
        accounts.steering_province_ids(request.user), since=this_year
    )
    index = steering.index_for(
        request.user, scope=steering.default_scope(request.user), period=steering.this_quarter()
    )
    return render(
        request,
        "web/dashboard.html",
        {
            "scope": scope,
            "index": index,
            "alerts": list(steering.alerts_for(request.user)[:5]),
            "spared": spared,
            "spared_total": spared_total,
            "year": this_year.year,
            "health": platform_health(),
            "ready": readiness(),
            "verification": last_audit_verification(),
        },
    )


@login_required
@require_POST
def start_audit_verification(request: HttpRequest) -> HttpResponse:
    if not accounts.steering_scope(request.user).allowed:
        return _forbidden(request)
    verify_audit_chain.enqueue()
    return render(
        request, "web/partials/verification.html", {"verification": last_audit_verification()}
    )


@login_required
def audit_verification_status(request: HttpRequest) -> HttpResponse:
    if not accounts.steering_scope(request.user).allowed:
        return _forbidden(request)
    return render(
        request, "web/partials/verification.html", {"verification": last_audit_verification()}
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to: the static file (its
    name carries a hash in production, so it is looked up on each request)."""
    return redirect(static("web/img/favicon.ico"))


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page open too long (or from elsewhere): the platform's own
    page in the user's language, not Django's English one (CSRF_FAILURE_VIEW)."""
    if request.path.startswith("/api/"):
        return problem_response(
            request,
            status=403,
            code="permission-denied",
            title=_("Không có quyền thực hiện thao tác này"),
            detail=_("Trang đã hết hạn: hãy tải lại trang rồi gửi lại."),
        )
    response = render(request, "403_csrf.html", status=403)
    if request.headers.get("HX-Request"):  # htmx swaps no 403: reload for a fresh form
        response["HX-Refresh"] = "true"
    return response
