"""Agencies of the Party, State and Front blocks, and the counters of service centres."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.core.identifiers import agency_code_validator
from lienthong.directory.constants import AgencyKind, AgencyLevel, Block


class AgencyQuerySet(models.QuerySet["Agency"]):
    def active(self) -> AgencyQuerySet:
        return self.filter(valid_to__isnull=True)

    def in_province(self, province_code: str) -> AgencyQuerySet:
        return self.filter(province__code=province_code, province__valid_to__isnull=True)


class Agency(models.Model):
    """An agency (cơ quan) identified by its electronic identifier code (QCVN 102:2016).

    ``parent`` is the agency it belongs to organisationally (a provincial police
    department belongs to the Ministry of Public Security), which need not be the
    parent the code's levels name. ``province`` is denormalised from ``unit`` so
    that province-scoped queries (steering viewers, boundary-free intake) stay a
    single index lookup.
    """

    code = models.CharField(
        _("mã định danh điện tử"), max_length=13, unique=True, validators=[agency_code_validator]
    )
    name = models.CharField(_("tên cơ quan"), max_length=255)
    block = models.CharField(_("khối"), max_length=10, choices=Block.choices)
    level = models.CharField(_("cấp"), max_length=10, choices=AgencyLevel.choices)
    kind = models.CharField(_("loại cơ quan"), max_length=24, choices=AgencyKind.choices)
    unit = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("đơn vị hành chính"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agencies",
    )
    province = models.ForeignKey(
        "geo.AdministrativeUnit",
        verbose_name=_("tỉnh, thành phố"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("cơ quan cấp trên"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    address = models.CharField(_("địa chỉ"), max_length=255, blank=True)
    email = models.EmailField(_("thư điện tử"), blank=True)
    phone = models.CharField(_("điện thoại"), max_length=40, blank=True)
    website = models.URLField(_("trang thông tin điện tử"), blank=True)
    valid_from = models.DateField(_("hoạt động từ"), null=True, blank=True)
    valid_to = models.DateField(_("hoạt động đến"), null=True, blank=True)
    provisional_code = models.BooleanField(
        _("mã tạm"),
        default=False,
        help_text=_(
            "Mã do LiênThông sinh theo cấu trúc QCVN 102, chưa đối chiếu danh mục chính thức."
        ),
    )
    search_key = models.CharField(max_length=255, db_index=True, editable=False)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["province", "kind"]),
            models.Index(fields=["unit", "kind"]),
            models.Index(fields=["level", "block"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.valid_to is None


class Counter(models.Model):
    """A reception counter (quầy) of a public administrative service centre."""

    centre = models.ForeignKey(
        Agency,
        verbose_name=_("trung tâm"),
        on_delete=models.CASCADE,
        related_name="counters",
        limit_choices_to={"kind": AgencyKind.SERVICE_CENTRE},
    )
    number = models.PositiveSmallIntegerField(_("số quầy"))
    name = models.CharField(_("tên quầy"), max_length=200)
    serves = models.ForeignKey(
        Agency,
        verbose_name=_("tiếp nhận cho cơ quan"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    fields = models.CharField(_("lĩnh vực"), max_length=255, blank=True)
    active = models.BooleanField(_("đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("quầy tiếp nhận")
        verbose_name_plural = _("quầy tiếp nhận")
        ordering = ["centre", "number"]
        constraints = [
            models.UniqueConstraint(fields=["centre", "number"], name="directory_counter_number")
        ]

    def __str__(self) -> str:
        return f"{self.centre} — {self.name}"
