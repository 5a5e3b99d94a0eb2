"""Reading interconnected applications: the applicant's list and one application's
combined status (docs/access.md: the applicant or whoever filed it, and the officials
who read one of its dossiers)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lienthong.accounts.permissions import is_platform_admin
from lienthong.core.errors import NotFound
from lienthong.dossiers import selectors as dossiers
from lienthong.dossiers.constants import Status as DossierStatus
from lienthong.groups.constants import StepStatus
from lienthong.groups.models import GroupApplication, GroupEvent, GroupStep

if TYPE_CHECKING:
    import datetime as dt

    from django.contrib.auth.models import AnonymousUser

    from lienthong.accounts.models import User

__all__ = ["Row", "application_for", "applications_of", "history_of", "rows_of"]


def applications_of(user: User) -> QuerySet[GroupApplication]:
    """The person's applications, newest first."""
    return (
        GroupApplication.objects.filter(applicant=user)
        .select_related("group", "competent_unit")
        .order_by("-submitted_at", "-id")
    )


def _steps(app: GroupApplication) -> list[GroupStep]:
    return list(
        app.steps.select_related(
            "dossier__handling_agency",
            "dossier__receiving_agency",
            "dossier__consulted_agency",
            "dossier__procedure_version",
            "dossier__applicant",
            "dossier__submitted_by",
        ).order_by("order")
    )


def application_for(user: User | AnonymousUser, code: str) -> GroupApplication:
    """The application if ``user`` may read it; the same NotFound whether missing or
    forbidden (codes cannot be probed)."""
    app = (
        GroupApplication.objects.select_related("group", "competent_unit", "applicant")
        .filter(code=code.strip())
        .first()
    )
    if app is None or not _may_read(user, app):
        raise NotFound(_("Không tìm thấy hồ sơ liên thông %(code)s.") % {"code": code})
    return app


def _may_read(user: User | AnonymousUser, app: GroupApplication) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if user.pk in (app.applicant_id, app.submitted_by_id) or is_platform_admin(user):
        return True
    return any(s.dossier is not None and dossiers.may_read(user, s.dossier) for s in _steps(app))


@dataclass(frozen=True)
class Row:
    """One procedure of the application as the status page shows it."""

    step: GroupStep
    status: str
    agency: str
    due_at: dt.datetime | None
    #: The dossier's page and its result, when the reader may open them.
    dossier_code: str
    readable: bool
    has_result: bool


def rows_of(user: User | AnonymousUser, app: GroupApplication) -> list[Row]:
    rows = []
    for s in _steps(app):
        d = s.dossier
        status = str(StepStatus(s.status).label)
        if d is not None and s.status == StepStatus.FILED:
            status = str(DossierStatus(d.status).label)
        rows.append(
            Row(
                step=s,
                status=status,
                agency=d.handling_agency.name if d else "",
                due_at=d.due_at if d else None,
                dossier_code=d.code if d else "",
                readable=d is not None and dossiers.may_read(user, d),
                has_result=d is not None
                and s.status == StepStatus.DONE
                and d.status in (DossierStatus.RESULT_ISSUED, DossierStatus.RETURNED),
            )
        )
    return rows


def history_of(app: GroupApplication) -> QuerySet[GroupEvent]:
    return app.events.order_by("at", "id")
