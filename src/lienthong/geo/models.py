"""Administrative units before and after 1/7/2025, and who succeeded whom."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.geo.constants import Level


class UnitQuerySet(models.QuerySet["AdministrativeUnit"]):
    def current(self) -> UnitQuerySet:
        return self.filter(valid_to__isnull=True)

    def legacy(self) -> UnitQuerySet:
        return self.filter(valid_to__isnull=False)

    def valid_on(self, day: object) -> UnitQuerySet:
        return self.filter(
            models.Q(valid_from__isnull=True) | models.Q(valid_from__lte=day),
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=day),
        )


class AdministrativeUnit(models.Model):
    """A province, district or commune, valid for a period.

    Codes are the official statistical codes (province 2 digits, district 3,
    commune 5). A new commune often reuses the code of one of the old communes
    it absorbed, so a code is unique only together with its validity period.
    """

    code = models.CharField(_("mã"), max_length=5)
    level = models.CharField(_("cấp"), max_length=10, choices=Level.choices)
    name = models.CharField(_("tên"), max_length=120)
    short_name = models.CharField(_("tên rút gọn"), max_length=100)
    unit_type = models.CharField(_("loại đơn vị"), max_length=40)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    province = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    search_key = models.CharField(max_length=120, db_index=True)
    aliases = models.JSONField(
        _("tên gọi khác"),
        default=list,
        blank=True,
        help_text=_("Khoá tìm kiếm của tên cũ, cách viết khác"),
    )

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị hành chính")
        verbose_name_plural = _("đơn vị hành chính")
        ordering = ["level", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["level", "code"],
                condition=models.Q(valid_to__isnull=True),
                name="geo_unit_current_code_unique",
            ),
            models.UniqueConstraint(
                fields=["level", "code"],
                condition=models.Q(valid_to__isnull=False),
                name="geo_unit_legacy_code_unique",
            ),
        ]
        indexes = [models.Index(fields=["level", "valid_to", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_current(self) -> bool:
        return self.valid_to is None


class Succession(models.Model):
    """An edge old unit → new unit of an arrangement (sắp xếp, sáp nhập)."""

    predecessor = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="successions"
    )
    successor = models.ForeignKey(
        AdministrativeUnit, on_delete=models.CASCADE, related_name="predecessions"
    )
    partial = models.BooleanField(
        _("chỉ một phần"), default=False, help_text=_("Đơn vị cũ bị chia cho nhiều đơn vị mới.")
    )
    is_default = models.BooleanField(
        _("mặc định"),
        default=False,
        help_text=_("Đơn vị mới mặc định khi không đủ thông tin để chọn (đơn vị cũ bị chia)."),
    )
    effective = models.DateField(_("ngày hiệu lực"))
    source = models.CharField(_("nguồn"), max_length=200)

    class Meta:
        verbose_name = _("kế thừa đơn vị hành chính")
        verbose_name_plural = _("kế thừa đơn vị hành chính")
        constraints = [
            models.UniqueConstraint(fields=["predecessor", "successor"], name="geo_succession_once")
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor}"


class GeoDataVersion(models.Model):
    """Which data (package versions, official tables) the units were loaded from."""

    loaded_at = models.DateTimeField(auto_now_add=True)
    sources = models.JSONField(default=dict)
    counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("phiên bản dữ liệu địa giới")
        verbose_name_plural = _("phiên bản dữ liệu địa giới")
        get_latest_by = "loaded_at"

    def __str__(self) -> str:
        return f"{self.loaded_at:%Y-%m-%d %H:%M}"


class JobStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ")
    RUNNING = "running", _("Đang xử lý")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Lỗi")


def _job_upload_to(instance: ConversionJob, filename: str) -> str:
    return f"geo/conversions/{instance.uuid}/{filename}"


class ConversionJob(models.Model):
    """A spreadsheet of addresses uploaded by an official, converted in the background."""

    uuid = models.UUIDField(unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="geo_conversion_jobs"
    )
    input_file = models.FileField(_("tệp đầu vào"), upload_to=_job_upload_to, max_length=300)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    output_file = models.FileField(
        _("tệp kết quả"), upload_to=_job_upload_to, blank=True, max_length=300
    )
    column = models.CharField(_("cột địa chỉ"), max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lượt chuyển đổi tệp địa chỉ")
        verbose_name_plural = _("lượt chuyển đổi tệp địa chỉ")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == JobStatus.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))
