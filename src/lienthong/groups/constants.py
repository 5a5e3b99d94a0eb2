"""States of an interconnected application and of each of its procedures."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Of the application as a whole (its transition table: ``groups.table``)."""

    IN_PROGRESS = "in_progress", _("Đang giải quyết")
    COMPLETED = "completed", _("Đã hoàn thành")
    PARTLY_COMPLETED = "partly_completed", _("Hoàn thành một phần")
    REFUSED = "refused", _("Không giải quyết được")


class StepStatus(models.TextChoices):
    """Of one procedure of the application."""

    WAITING = "waiting", _("Chờ kết quả bước trước")
    FILED = "filed", _("Đang giải quyết")
    DONE = "done", _("Đã có kết quả")
    REFUSED = "refused", _("Bị từ chối")
    BLOCKED = "blocked", _("Không thực hiện được (bước trước bị từ chối)")
    FAILED = "failed", _("Chưa chuyển được hồ sơ")


#: A procedure of the application that will not change any more.
SETTLED: Final = frozenset(
    {StepStatus.DONE, StepStatus.REFUSED, StepStatus.BLOCKED, StepStatus.FAILED}
)
