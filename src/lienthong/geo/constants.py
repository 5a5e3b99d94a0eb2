"""Fixed facts of the 2025 arrangement of administrative units."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _

#: The two-level local government starts; districts are abolished.
REFORM_DATE = dt.date(2025, 7, 1)
#: Last day the legacy units (63 provinces, districts, ~10,000 communes) were in force.
LEGACY_END = REFORM_DATE - dt.timedelta(days=1)


class Level(models.TextChoices):
    PROVINCE = "province", _("Cấp tỉnh")
    DISTRICT = "district", _("Cấp huyện")
    COMMUNE = "commune", _("Cấp xã")


class Status(models.TextChoices):
    CONVERTED = "converted", _("Đã chuyển đổi")
    ALREADY_NEW = "already_new", _("Đã là địa chỉ mới")
    AMBIGUOUS = "ambiguous", _("Cần chọn (xã bị chia)")
    UNRESOLVED = "unresolved", _("Không xác định được")


class Reason(models.TextChoices):
    EMPTY = "empty", _("Địa chỉ trống")
    UNKNOWN_PROVINCE = "unknown_province", _("Không nhận ra tỉnh, thành phố")
    UNKNOWN_DISTRICT = "unknown_district", _("Không nhận ra quận, huyện")
    UNKNOWN_COMMUNE = "unknown_commune", _("Không nhận ra xã, phường")
    MISSING_COMMUNE = "missing_commune", _("Địa chỉ thiếu xã, phường")
    DUPLICATE_NAME = "duplicate_name", _("Nhiều xã, phường trùng tên; cần ghi rõ quận, huyện")
    SPLIT_COMMUNE = "split_commune", _("Xã, phường cũ đã được chia cho nhiều đơn vị mới")
    OLD_OR_NEW = (
        "old_or_new",
        _("Địa chỉ không ghi quận, huyện: đọc theo địa giới mới và cũ cho hai kết quả khác nhau"),
    )
    UNCERTAIN = (
        "uncertain",
        _("Tên đơn vị có thể viết sai: có nhiều cách đọc hoặc chưa đủ chắc chắn; cần chọn"),
    )
    NO_SUCCESSOR = "no_successor", _("Không có dữ liệu đơn vị kế thừa")
    TOO_LONG = "too_long", _("Ô địa chỉ quá dài (hơn 1.000 ký tự): không phải một địa chỉ")
