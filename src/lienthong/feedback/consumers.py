"""Background work of feedback: the author told of each step that concerns them (once
per event, never for a change rolled back), and the overdue sweep."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.core.outbox import consumer
from lienthong.core.periodic import register_periodic
from lienthong.dossiers import services as dossiers
from lienthong.feedback.constants import Status
from lienthong.feedback.models import Report

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from lienthong.core.models import OutboxEvent

#: The steps an author hears of, with what they are told.
MESSAGES: Final[dict[str, StrPromise]] = {
    "feedback.submit": gettext_lazy(
        "Đã nhận phản ánh %(code)s; cơ quan xem xét trong 2 ngày làm việc."
    ),
    "feedback.accept": gettext_lazy(
        "Phản ánh %(code)s đã được tiếp nhận xử lý; hạn trả lời %(due)s."
    ),
    "feedback.refuse": gettext_lazy("Phản ánh %(code)s không được tiếp nhận: %(note)s"),
    "feedback.transfer": gettext_lazy(
        "Phản ánh %(code)s đã được chuyển tới cơ quan có thẩm quyền; thời hạn giữ nguyên."
    ),
    "feedback.request_supplement": gettext_lazy("Phản ánh %(code)s cần bổ sung: %(note)s"),
    "feedback.publish": gettext_lazy("Phản ánh %(code)s đã có trả lời. Mời bạn xem và đánh giá."),
    "feedback.merge": gettext_lazy(
        "Phản ánh %(code)s trùng nội dung nên đã được gộp vào phản ánh %(into)s; bạn theo dõi "
        "trả lời ở đó."
    ),
}


@consumer("feedback.notify-author", topics=list(MESSAGES))
def notify_author(event: OutboxEvent) -> None:
    report = Report.objects.filter(code=event.aggregate_id).first()
    if report is None:
        return
    step = event.payload
    data = step.get("data") or {}
    due = data.get("due_at")
    body = str(MESSAGES[event.topic]) % {
        "code": report.code,
        "note": step.get("note") or "—",
        "due": _when(due) if due else "—",
        "into": data.get("into", ""),
    }
    title = _("Phản ánh %(code)s") % {"code": report.code}
    if report.author_id is not None:
        dossiers.notify(user_id=report.author_id, event_id=event.pk, title=title, body=body)
    elif report.contact_email:  # sent by a clerk or a system for someone without an account
        send_mail(
            subject=f"[LiênThông] {title}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[report.contact_email],
        )


def _when(iso: str) -> str:
    import datetime as dt

    return timezone.localtime(dt.datetime.fromisoformat(iso)).strftime("%H:%M %d/%m/%Y")


@register_periodic("feedback.sweep-overdue", every_seconds=settings.OVERDUE_SWEEP_SECONDS)
def sweep_overdue() -> int:
    """Flag the reports whose step is past its deadline: not decided within 2 working
    days, not answered by the answer's deadline, not published within 2 days of the
    answer. A flag only (no new version: it never makes an official's step a 409)."""
    from django.db.models import Q

    now = timezone.now()
    late = (
        Q(status=Status.RECEIVED, step_due_at__lt=now)
        | Q(status__in=[Status.ACCEPTED, Status.ASSIGNED], due_at__lt=now)
        | Q(status=Status.ANSWERED, step_due_at__lt=now)
    )
    return Report.objects.filter(late, overdue=False).update(overdue=True)
