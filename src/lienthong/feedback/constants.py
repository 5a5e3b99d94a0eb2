"""The vocabulary of feedback and petitions (phản ánh, kiến nghị — PAKN)."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """What a report is about (Decree 20/2008/NĐ-CP, amended by Decree 92/2017; the
    categories of indicator 5.1)."""

    PROCEDURE = "procedure", _("Thủ tục hành chính, hồ sơ")
    REGULATION = "regulation", _("Quy định hành chính")
    CONDUCT = "conduct", _("Thái độ, hành vi phục vụ của cán bộ")
    INFRASTRUCTURE = "infrastructure", _("Hạ tầng, dịch vụ công cộng ở địa phương")
    SUPERVISION = "supervision", _("Giám sát của Mặt trận Tổ quốc")
    OTHER = "other", _("Khác")


class Status(models.TextChoices):
    RECEIVED = "received", _("Đã gửi, chờ tiếp nhận")
    ACCEPTED = "accepted", _("Đã tiếp nhận, đang xử lý")
    SUPPLEMENT = "supplement", _("Chờ người gửi bổ sung")
    ASSIGNED = "assigned", _("Đã phân công xử lý")
    ANSWERED = "answered", _("Đã có trả lời, chờ công bố")
    CLOSED = "closed", _("Đã trả lời")
    REFUSED = "refused", _("Không tiếp nhận")
    MERGED = "merged", _("Đã gộp vào phản ánh khác")
    WITHDRAWN = "withdrawn", _("Người gửi đã rút")


class Channel(models.TextChoices):
    ONLINE = "online", _("Trực tuyến")
    COUNTER = "counter", _("Tại bộ phận một cửa")
    API = "api", _("Hệ thống khác (API, Open311)")


#: States in which nothing more is done (rating and re-raising aside).
CLOSED: Final = frozenset({Status.CLOSED, Status.REFUSED, Status.MERGED, Status.WITHDRAWN})

#: Working days of each step (Decree 20/2008 as amended; indicator 5.2): decide to
#: accept or refuse, request a supplement after accepting, answer after accepting,
#: publish the answer.
DECIDE_DAYS: Final = 2
SUPPLEMENT_DAYS: Final = 5
ANSWER_DAYS: Final = 15
PUBLISH_DAYS: Final = 2

#: What replaces personal data in what is published.
HIDDEN: Final = "[đã ẩn]"
