"""Choices of the registries app."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    """What became of one read through the gateway (each is an access-log row)."""

    ALLOWED = "allowed", _("Được cung cấp")
    REFUSED = "refused", _("Bị từ chối")
    NOT_FOUND = "not_found", _("Không có dữ liệu")
    UNAVAILABLE = "unavailable", _("CSDL không kết nối được")
    WRITTEN = "written", _("Ghi, cập nhật dữ liệu")


class AlertKind(models.TextChoices):
    REFUSED_READ = "refused_read", _("Truy cập không có quyền")
    REPORTED_READ = "reported_read", _("Người dân phản ánh một lượt truy cập")
    RATE_LIMIT = "rate_limit", _("Vượt hạn mức truy cập")


class Adapter(models.TextChoices):
    BUILTIN = "builtin", _("Lưu trên nền tảng này")
    HTTP = "http", _("CSDL ở hệ thống khác (API)")


class Source(models.TextChoices):
    """Where a version of a record came from."""

    SEED = "seed", _("Dữ liệu khởi tạo")
    IMPORT = "import", _("Nhập từ hệ thống nguồn")
    CORRECTION = "correction", _("Chỉnh sửa của cơ quan chủ quản")
    CONVERSION = "conversion", _("Chuyển đổi địa chỉ theo đơn vị hành chính mới")
    REGISTRATION = "registration", _("Cập nhật theo kết quả giải quyết thủ tục hành chính")
