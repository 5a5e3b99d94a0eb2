"""Writes on dossiers: submission (``submit``, from ``dossiers.intake``); the steps
after it through the workflow engine (``dossiers.workflow``: ``act``, ``transfer``, ``extend``,
``confirm_payment`` and ``rate`` are its callers' names for them); public tracking."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.core import sweep, throttle
from lienthong.core.errors import (
    NotFound,
    TooManyAttempts,
)
from lienthong.core.identifiers import IdentifierError, normalize_tracking_key
from lienthong.dossiers import bulk, intake, selectors, workflow
from lienthong.dossiers.intake import (
    ALLOWED_TYPES,
    MAX_FILE_BYTES,
    MAX_FILES_PER_DOSSIER,
    Upload,
    check_upload,
    submit,
)
from lienthong.dossiers.models import (
    Dossier,
    Rating,
)
from lienthong.dossiers.prefill import Prefilled, locked_values, prefill, sources_kept

if TYPE_CHECKING:
    from lienthong.accounts.models import User

__all__ = [
    "ALLOWED_TYPES",
    "MAX_FILES_PER_DOSSIER",
    "MAX_FILE_BYTES",
    "Prefilled",
    "Upload",
    "act",
    "check_upload",
    "confirm_payment",
    "extend",
    "locked_values",
    "notify",
    "prefill",
    "rate",
    "receive_by_platform",
    "sources_kept",
    "submit",
    "track",
    "transfer",
]


def act(
    *,
    actor: User,
    code: str,
    action: str,
    note: str = "",
    expected_version: int | None = None,
    assignee: User | None = None,
    uploads: list[Upload] | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """One step of the one-stop path (:func:`lienthong.dossiers.workflow.perform`)."""
    return workflow.perform(
        actor,
        code,
        action,
        expected_version=expected_version,
        now=now,
        note=note,
        assignee=assignee,
        files=uploads or [],
    )


def transfer(
    *,
    actor: User,
    code: str,
    to_agency_code: str,
    note: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """Hand the dossier to another agency; it keeps its code and its due date."""
    return workflow.perform(
        actor,
        code,
        "transfer",
        expected_version=expected_version,
        now=now,
        agency=to_agency_code.strip(),
        note=note,
    )


def extend(
    *, actor: User, code: str, new_due: dt.datetime, reason: str, now: dt.datetime | None = None
) -> Dossier:
    """Apologise for a dossier that will be late and set a new appointment (form 04)."""
    return workflow.perform(actor, code, "extend", now=now, new_due=new_due, note=reason)


def confirm_payment(
    *,
    actor: User | None,
    code: str,
    online: bool = False,
    reference: str = "",
    amount: int | None = None,
) -> Dossier:
    """Record that the fees were paid: by a clerk (``actor``) at the counter, or by a
    payment gateway (``actor=None``, its callback already authenticated). Idempotent.
    Raises InvalidInput when a gateway reports another amount than the dossier's fees."""
    return workflow.perform(
        actor, code, "payment", online=online, reference=reference, amount=amount
    )


def rate(*, actor: User, code: str, score: int, comment: str = "") -> Rating:
    """The applicant rates the service (1–5) once the result is returned."""
    dossier = workflow.perform(actor, code, "rate", score=score, comment=comment)
    return Rating.objects.get(dossier=dossier)


#: Dossiers flagged overdue per transaction of the sweep.
SWEEP_BATCH = 5_000


def mark_overdue(now: dt.datetime | None = None, *, batch: int = SWEEP_BATCH) -> int:
    """Flag open dossiers past their due date (the clock stopped ones are not late), with
    a history row and a ``dossier.overdue`` event each, once. Set-based (``core.sweep``,
    ``dossiers.bulk``): a few statements per ``batch`` dossiers (one on PostgreSQL),
    committed batch by batch; a run cut short leaves the rest to the next. One audit
    entry per batch. Returns how many were flagged."""
    moment = now or timezone.now()
    return sweep.repeat(lambda size: bulk.flag_overdue(moment, size), batch=batch)


def notify(*, user_id: int, event_id: int, title: str, body: str) -> bool:
    """Put a message in a person's notifications (the bell of every page) and e-mail it
    when they have an address; once per outbox event (False: already sent). Other apps'
    events (a report's answer) reach people this way."""
    from django.conf import settings
    from django.core.mail import send_mail

    from lienthong.accounts import selectors as accounts
    from lienthong.dossiers.models import Notification

    if Notification.objects.filter(event_id=event_id).exists():
        return False
    user = accounts.get_user(user_id)
    if user is None:
        return False
    Notification.objects.create(user=user, event_id=event_id, title=title[:200], body=body)
    if user.email:
        send_mail(
            subject=f"[LiênThông] {title}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
        )
    return True


def mark_notifications_read(*, user: User) -> int:
    """Mark the user's unread notifications read; returns how many."""
    from lienthong.dossiers.models import Notification

    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


#: Public tracking: wrong guesses per address and per dossier, lookups per address.
TRACK_MISSES_PER_ADDRESS = throttle.Limit("track-miss-address", attempts=20, seconds=900)
TRACK_MISSES_PER_DOSSIER = throttle.Limit("track-miss-dossier", attempts=10, seconds=3600)
TRACK_LOOKUPS_PER_ADDRESS = throttle.Limit("track-lookup-address", attempts=120, seconds=600)


def track(*, code: str, key: str, address: str) -> selectors.Tracking:
    """Public tracking by code and key, throttled: a key that fails its check symbol is
    refused without a lookup (InvalidInput naming ``key``); wrong guesses are counted per
    address and per dossier, and past the limits every lookup is TooManyAttempts."""
    code = code.strip().upper()[:40]
    try:
        normalized = normalize_tracking_key(key)
    except IdentifierError as exc:
        raise intake.bad("key", exc.code, str(exc.message)) from exc
    busy = [
        (limit, subject)
        for limit, subject in (
            (TRACK_MISSES_PER_ADDRESS, address),
            (TRACK_MISSES_PER_DOSSIER, code),
        )
        if throttle.exceeded(limit, subject)
    ]
    if throttle.hit(TRACK_LOOKUPS_PER_ADDRESS, address) > TRACK_LOOKUPS_PER_ADDRESS.attempts:
        busy.append((TRACK_LOOKUPS_PER_ADDRESS, address))
    if busy:
        wait = max(limit.retry_after() for limit, _s in busy)
        raise TooManyAttempts(
            _("Đã tra cứu sai quá nhiều lần. Hãy thử lại sau %(m)s phút.")
            % {"m": max(1, round(wait / 60))},
            retry_after=wait,
        )
    try:
        return selectors.track(code, normalized)
    except NotFound:
        throttle.hit(TRACK_MISSES_PER_ADDRESS, address)
        throttle.hit(TRACK_MISSES_PER_DOSSIER, code)
        raise


def receive_by_platform(*, code: str, note: str, days: Decimal | int = 0) -> Dossier:
    """Receive a dossier the platform filed for an interconnected group: its data came
    complete from the previous agency, so no one-stop clerk takes it in; the clock
    starts now at the receiving agency. ``days`` (working days, when more than 0): the
    time the group gives this procedure, counted instead of its own processing time
    (the due date, and the step's event and notice that carry it)."""
    dossier = selectors.get_dossier_for_platform(code)
    if days > 0:
        # A copy of the version read with the dossier, for this step only: the
        # catalogue's version is not changed.
        version = copy.copy(dossier.procedure_version)
        version.processing_days = Decimal(days)
        dossier.procedure_version = version
    return workflow.run(dossier, None, "receive", None, timezone.now(), {"note": note})
