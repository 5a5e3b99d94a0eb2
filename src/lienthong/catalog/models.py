"""Administrative procedures (TTHC), their versions, dossier components and groups.

A procedure is identified by its national code; what it requires is a
*version*: drafted, published (with the decision that announced it and the date
it takes effect) and later superseded. A dossier keeps the version it was filed
under, so a change to the catalogue never rewrites what a citizen was told.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.catalog.constants import ServiceLevel, TermKind, VersionStatus


class Procedure(models.Model):
    code = models.CharField(_("mã thủ tục"), max_length=20, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class VersionQuerySet(models.QuerySet["ProcedureVersion"]):
    def published(self) -> VersionQuerySet:
        return self.filter(status=VersionStatus.PUBLISHED)


class ProcedureVersion(models.Model):
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("phiên bản"))
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    name = models.CharField(_("tên thủ tục"), max_length=500)
    field = models.CharField(_("lĩnh vực"), max_length=200)
    levels = models.JSONField(_("cấp thực hiện"), default=list)
    competent_agency = models.CharField(_("cơ quan có thẩm quyền"), max_length=300)
    agency_kind = models.CharField(_("loại cơ quan giải quyết"), max_length=24)
    department = models.CharField(_("sở, ngành"), max_length=40, blank=True)
    channels = models.JSONField(_("cách thức nộp"), default=list)
    service_level = models.CharField(
        _("mức độ dịch vụ công trực tuyến"), max_length=10, choices=ServiceLevel.choices
    )
    processing_days = models.DecimalField(
        _("thời hạn giải quyết (ngày làm việc)"), max_digits=5, decimal_places=1
    )
    processing_note = models.TextField(_("ghi chú thời hạn"), blank=True)
    pauses_on_supplement = models.BooleanField(
        _("dừng tính thời hạn khi yêu cầu bổ sung"), default=True
    )
    fees = models.JSONField(_("phí, lệ phí"), default=list)
    legal_bases = models.JSONField(_("căn cứ pháp lý"), default=list)
    results = models.JSONField(_("kết quả"), default=list)
    requirements = models.JSONField(_("yêu cầu, điều kiện"), default=list)
    steps = models.JSONField(_("trình tự thực hiện"), default=list)
    boundary_free = models.BooleanField(_("tiếp nhận không phụ thuộc địa giới"), default=False)
    business_related = models.BooleanField(_("liên quan hoạt động kinh doanh"), default=False)
    life_events = models.JSONField(_("sự kiện đời sống"), default=list)
    essential_06 = models.BooleanField(_("dịch vụ công thiết yếu (QĐ 06)"), default=False)
    sources = models.JSONField(_("nguồn"), default=list)
    #: The procedure's own path, when it differs from the standard one-stop path: states
    #: and steps added to (or replacing rows of) the dossier transition table
    #: (docs/workflow.md). Empty: the standard path.
    workflow = models.JSONField(_("quy trình riêng"), default=dict, blank=True)
    #: The paper it issues: a layout of ``catalog.results`` (docs/results.md). Empty:
    #: the generic layout titled after the first result.
    result_document = models.JSONField(_("mẫu giấy tờ kết quả"), default=dict, blank=True)
    #: The electronic form (tờ khai điện tử) the applicant fills: ``catalog.eforms``
    #: (docs/eforms.md). Empty: the form the result layout implies, if any.
    form = models.JSONField(_("tờ khai điện tử"), default=dict, blank=True)
    decision_number = models.CharField(_("quyết định công bố"), max_length=100, blank=True)
    effective_date = models.DateField(_("ngày có hiệu lực"), null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = VersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("phiên bản thủ tục")
        verbose_name_plural = _("phiên bản thủ tục")
        ordering = ["procedure__code", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["procedure", "number"], name="catalog_version_number"),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=models.Q(status="published"),
                name="catalog_one_published_version",
            ),
            models.UniqueConstraint(
                fields=["procedure"],
                condition=models.Q(status="draft"),
                name="catalog_one_draft_version",
            ),
        ]
        indexes = [models.Index(fields=["status", "field"])]

    def __str__(self) -> str:
        return f"{self.procedure.code} v{self.number} — {self.name}"

    @property
    def code(self) -> str:
        return self.procedure.code


class Component(models.Model):
    """A document of the dossier (thành phần hồ sơ), possibly replaced by registry data."""

    version = models.ForeignKey(
        ProcedureVersion, on_delete=models.CASCADE, related_name="components"
    )
    order = models.PositiveSmallIntegerField(_("thứ tự"))
    name = models.CharField(_("tên giấy tờ"), max_length=500)
    originals = models.PositiveSmallIntegerField(_("số bản chính"), default=1)
    copies = models.PositiveSmallIntegerField(_("số bản sao"), default=0)
    required = models.BooleanField(_("bắt buộc"), default=True)
    condition = models.CharField(_("trường hợp phải nộp"), max_length=500, blank=True)
    form = models.CharField(_("mẫu đơn, tờ khai"), max_length=300, blank=True)
    data_registry = models.CharField(_("thay bằng dữ liệu từ"), max_length=30, blank=True)
    data_fields = models.JSONField(_("trường dữ liệu"), default=list, blank=True)
    data_note = models.CharField(_("ghi chú khai thác dữ liệu"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("thành phần hồ sơ")
        verbose_name_plural = _("thành phần hồ sơ")
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return self.name

    @property
    def replaced_by_data(self) -> bool:
        return bool(self.data_registry)


class ProcedureGroup(models.Model):
    """An interconnected procedure group (nhóm thủ tục hành chính liên thông)."""

    code = models.CharField(_("mã nhóm"), max_length=20, unique=True)
    name = models.CharField(_("tên nhóm"), max_length=500)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=300)
    total_days = models.DecimalField(
        _("tổng thời hạn (ngày làm việc)"), max_digits=5, decimal_places=1
    )
    sources = models.JSONField(default=list)
    #: The one electronic form the applicant fills for the whole group
    #: (``catalog.eforms``); each member's declaration is taken from it.
    form = models.JSONField(_("tờ khai chung"), default=dict, blank=True)

    class Meta:
        verbose_name = _("nhóm thủ tục liên thông")
        verbose_name_plural = _("nhóm thủ tục liên thông")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class GroupMember(models.Model):
    group = models.ForeignKey(ProcedureGroup, on_delete=models.CASCADE, related_name="members")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="memberships")
    order = models.PositiveSmallIntegerField()
    agency = models.CharField(max_length=300)
    days = models.DecimalField(max_digits=5, decimal_places=1)
    passes_on = models.JSONField(default=list)
    #: The orders of the members whose results it waits for (empty: filed at once).
    after = models.JSONField(default=list)
    #: Its declaration from the group's: ``{member key: "form:<key>" | "result:<key>" |
    #: "const:<text>"}``; a key of its form also in the group's form is taken as is.
    fields = models.JSONField(default=dict)

    #: Not a column: set by ``selectors.get_group`` (the published version's name).
    procedure_name: str

    class Meta:
        ordering = ["group", "order"]
        constraints = [
            models.UniqueConstraint(fields=["group", "order"], name="catalog_member_order")
        ]

    def __str__(self) -> str:
        return f"{self.group.code} #{self.order}"


class CatalogState(models.Model):
    """One row: bumped on every publication, so every process rebuilds its search index."""

    revision = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"revision {self.revision}"


class SearchTerm(models.Model):
    """A lexicon entry: words people write ("sổ đỏ", "CCCD", "passport") and what they mean
    in the catalogue's words. Queries and procedures are both read through the lexicon."""

    phrase = models.CharField(_("cách người dân viết"), max_length=200)
    #: The phrase folded (no diacritics, lower case, single spaces): one entry per key.
    key = models.CharField(max_length=200, unique=True, editable=False)
    means = models.CharField(_("nghĩa theo danh mục"), max_length=500)
    kind = models.CharField(_("loại"), max_length=16, choices=TermKind.choices)
    source = models.TextField(_("nguồn hoặc lý do"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("từ điển tìm kiếm")
        verbose_name_plural = _("từ điển tìm kiếm")
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.phrase} → {self.means}"


class SearchQuery(models.Model):
    """A search as it was typed, scrubbed of personal data (``catalog.scrub``) before it is
    stored; who searched is not kept. What came of it: how many procedures were found, the
    first, the one opened from the results and whether a dossier was then filed."""

    text = models.CharField(max_length=200)
    #: Its words folded: the report counts alike queries together.
    key = models.CharField(max_length=200, db_index=True)
    channel = models.CharField(max_length=8)  # portal, counter, api
    results = models.PositiveIntegerField()
    first_code = models.CharField(max_length=20, blank=True)
    opened_code = models.CharField(max_length=20, blank=True)
    filed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text
