"""Tell applicants what happened to their dossier: in-app and by e-mail.

An outbox consumer, so a notification is sent once per event even when the
dispatcher is restarted, and never for a change that was rolled back.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.core.outbox import consumer
from lienthong.dossiers.models import Dossier, Notification

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from lienthong.core.models import OutboxEvent

#: The steps an applicant cares about, with the message they get.
MESSAGES: dict[str, StrPromise] = {
    "dossier.receive": gettext_lazy("Hồ sơ %(code)s đã được tiếp nhận; hẹn trả kết quả %(due)s."),
    "dossier.refuse_intake": gettext_lazy("Hồ sơ %(code)s không được tiếp nhận: %(note)s"),
    "dossier.request_supplement": gettext_lazy("Hồ sơ %(code)s cần bổ sung: %(note)s"),
    "dossier.transfer": gettext_lazy(
        "Hồ sơ %(code)s đã được chuyển tới cơ quan có thẩm quyền; thời hạn giữ nguyên."
    ),
    "dossier.refuse": gettext_lazy("Hồ sơ %(code)s bị từ chối giải quyết: %(note)s"),
    "dossier.issue_result": gettext_lazy(
        "Hồ sơ %(code)s đã có kết quả; bạn có thể tải bản điện tử đã ký số."
    ),
    "dossier.return_result": gettext_lazy(
        "Hồ sơ %(code)s đã trả kết quả. Mời bạn đánh giá mức độ hài lòng."
    ),
    "dossier.cancel": gettext_lazy("Việc giải quyết hồ sơ %(code)s đã dừng: %(note)s"),
}


@consumer("dossiers.notify-applicant", topics=list(MESSAGES))
def notify_applicant(event: OutboxEvent) -> None:
    if Notification.objects.filter(event_id=event.pk).exists():
        return
    dossier = Dossier.objects.select_related("applicant").filter(code=event.aggregate_id).first()
    if dossier is None:
        return
    # Everything of the step comes from its event, as it was then: a later step (a second
    # supplement request, a new appointment) must not change what this one says.
    step = event.payload
    due_at = step.get("due_at")
    due = (
        timezone.localtime(dt.datetime.fromisoformat(due_at)).strftime("%H:%M %d/%m/%Y")
        if due_at
        else "—"
    )
    body = str(MESSAGES[event.topic]) % {
        "code": dossier.code,
        "due": due,
        "note": step.get("note") or "—",
    }
    Notification.objects.create(
        user=dossier.applicant,
        dossier=dossier,
        event_id=event.pk,
        title=str(_("Hồ sơ %(code)s") % {"code": dossier.code}),
        body=body,
    )
    if dossier.applicant.email:
        send_mail(
            subject=f"[LiênThông] {dossier.code}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[dossier.applicant.email],
        )
