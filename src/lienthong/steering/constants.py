"""The vocabulary of Plan 02-KH/BCĐTW's tasks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Pillar(models.TextChoices):
    """The six pillars the plan's 67 tasks are organised by."""

    INSTITUTIONS = "institutions", _("Thể chế")
    INFRASTRUCTURE = "infrastructure", _("Hạ tầng kỹ thuật, công nghệ")
    DATA = "data", _("Dữ liệu")
    PLATFORMS = "platforms", _("Nền tảng, ứng dụng")
    PEOPLE = "people", _("Nhân lực")
    FINANCE = "finance", _("Tài chính")


class Phase(models.TextChoices):
    URGENT = "urgent", _("Cấp bách (đến 30/6/2025)")
    BREAKTHROUGH = "breakthrough", _("Đột phá (đến 31/12/2025)")
    LATER = "later", _("Giai đoạn tiếp theo")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Chưa triển khai")
    IN_PROGRESS = "in_progress", _("Đang thực hiện")
    DONE = "done", _("Hoàn thành")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Đang cảnh báo")
    ACKNOWLEDGED = "acknowledged", _("Đã tiếp nhận, đang xử lý")
    RESOLVED = "resolved", _("Đã xử lý xong")
    CLEARED = "cleared", _("Tự đóng: hết điều kiện cảnh báo")


class AlertLevel(models.TextChoices):
    DANGER = "danger", _("Đỏ: cần xử lý ngay")
    WARNING = "warning", _("Vàng: cần theo dõi")
