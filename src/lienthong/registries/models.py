"""Registries, their records with history, access grants, the access log and alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.registries.constants import Adapter, AlertKind, Outcome, Source


class Registry(models.Model):
    """An owned data set (cơ sở dữ liệu quốc gia, chuyên ngành). Its schema is
    ``datasets.DATASETS[code]``; where its records live is ``adapter``."""

    code = models.SlugField(_("mã"), max_length=40, unique=True)
    name = models.CharField(_("tên"), max_length=255)
    owner = models.ForeignKey(
        "directory.Agency",
        verbose_name=_("cơ quan chủ quản"),
        on_delete=models.PROTECT,
        related_name="registries",
    )
    schema_version = models.PositiveSmallIntegerField(_("phiên bản cấu trúc"), default=1)
    adapter = models.CharField(
        _("nơi lưu dữ liệu"), max_length=10, choices=Adapter.choices, default=Adapter.BUILTIN
    )
    #: For ``http``: the base URL of the instance holding it (``…/api/v1/``).
    remote_url = models.URLField(_("địa chỉ API của hệ thống nguồn"), blank=True)
    #: For ``http``: the OAuth2 client credentials at that instance, as the names of the
    #: environment variables holding them (secrets never live in the database).
    remote_client_env = models.CharField(
        _("biến môi trường chứa thông tin xác thực"), max_length=80, blank=True
    )

    class Meta:
        verbose_name = _("cơ sở dữ liệu")
        verbose_name_plural = _("cơ sở dữ liệu")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Record(models.Model):
    """The current version of one record; earlier versions are ``RecordVersion`` rows.

    ``key`` is the stable record identifier (a personal identification number, a tax
    code, an insurance code, a civil-status register reference); ``subject`` is whose
    data it is (a PIN or a tax code), ``group`` a household. The people a record names
    besides its subject (parents on a birth record, a spouse) are ``RecordParty`` rows.
    """

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="records")
    key = models.CharField(_("mã bản ghi"), max_length=40)
    subject = models.CharField(_("chủ thể dữ liệu"), max_length=14)
    group = models.CharField(_("số hộ"), max_length=20, blank=True)
    version = models.PositiveIntegerField(_("phiên bản"), default=1)
    valid_from = models.DateTimeField(_("có hiệu lực từ"))
    schema_version = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField(_("dữ liệu"))
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.SEED)

    class Meta:
        verbose_name = _("bản ghi")
        verbose_name_plural = _("bản ghi")
        constraints = [
            models.UniqueConstraint(fields=["registry", "key"], name="registries_one_key")
        ]
        indexes = [
            models.Index(fields=["subject"], name="registries_record_subject"),
            models.Index(
                fields=["registry", "group"],
                condition=~models.Q(group=""),
                name="registries_record_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registry_id}:{self.key}"


class RecordVersion(models.Model):
    """A version of a record that held from ``valid_from`` until ``valid_to``."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField()
    schema_version = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField()
    source = models.CharField(max_length=12, choices=Source.choices)
    #: Who replaced it, and why (the correction's reason).
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="registries_one_version")
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.version}"


class RecordParty(models.Model):
    """A person a record is about besides its subject (a parent, a spouse)."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="parties")
    pin = models.CharField(max_length=12, db_index=True)
    role = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "pin", "role"], name="registries_one_party")
        ]

    def __str__(self) -> str:
        return f"{self.record_id} {self.role} {self.pin}"


class AccessGrant(models.Model):
    """The owner lets a consumer agency (or one of its systems) use data services of a
    registry, for a purpose, on a legal basis, for a time, and only these fields."""

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="grants")
    consumer = models.ForeignKey(
        "directory.Agency",
        verbose_name=_("cơ quan khai thác"),
        on_delete=models.PROTECT,
        related_name="registry_grants",
    )
    #: Only this system of the consumer (its OAuth2 client id); blank: its officials and
    #: all its systems.
    client_id = models.CharField(_("hệ thống"), max_length=100, blank=True)
    services = models.JSONField(_("dịch vụ dữ liệu"))
    fields = models.JSONField(_("trường dữ liệu được cung cấp"))
    purpose = models.CharField(_("mục đích"), max_length=500)
    legal_basis = models.CharField(_("căn cứ pháp lý"), max_length=500)
    valid_from = models.DateField(_("hiệu lực từ ngày"))
    valid_to = models.DateField(_("hiệu lực đến ngày"), null=True, blank=True)
    per_minute = models.PositiveIntegerField(_("số lượt tối đa mỗi phút"), default=600)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("ngày thu hồi"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("quyền khai thác dữ liệu")
        verbose_name_plural = _("quyền khai thác dữ liệu")
        ordering = ["registry", "consumer", "id"]
        indexes = [models.Index(fields=["consumer", "registry"], name="registries_grant_consumer")]

    def __str__(self) -> str:
        return f"{self.consumer_id} → {self.registry_id}"


class AccessLog(models.Model):
    """One read (or refused read) of one person's or business's data through the gateway.

    Written in the transaction that reads the data, before it leaves: no data without a
    row. ``subject`` is whose data it is; a read that returns several people's data (a
    household) writes one row per person, sharing ``request``.
    """

    at = models.DateTimeField(_("thời điểm"))
    request = models.UUIDField(_("mã yêu cầu"))
    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="+")
    service = models.CharField(_("dịch vụ"), max_length=40)
    record_key = models.CharField(_("mã bản ghi"), max_length=40, blank=True)
    subject = models.CharField(_("chủ thể dữ liệu"), max_length=14, blank=True)
    fields = models.JSONField(_("trường dữ liệu"), default=list)
    purpose = models.CharField(_("mục đích"), max_length=500)
    dossier = models.CharField(_("mã hồ sơ"), max_length=40, blank=True)
    #: The person the consumer acts for (the applicant of the dossier), if any.
    on_behalf_of = models.CharField(_("thay mặt"), max_length=14, blank=True)
    outcome = models.CharField(_("kết quả"), max_length=12, choices=Outcome.choices)
    reason = models.CharField(_("lý do"), max_length=40, blank=True)
    consumer = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, null=True, related_name="+"
    )
    grant = models.ForeignKey(AccessGrant, on_delete=models.PROTECT, null=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    client_id = models.CharField(_("hệ thống"), max_length=100, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    #: The data subject said they did not expect this read.
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("nhật ký truy cập dữ liệu")
        verbose_name_plural = _("nhật ký truy cập dữ liệu")
        indexes = [
            models.Index(fields=["subject", "-at"], name="registries_log_subject"),
            models.Index(fields=["registry", "outcome", "-at"], name="registries_log_outcome"),
            models.Index(fields=["consumer", "-at"], name="registries_log_consumer"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.service} {self.subject} {self.outcome}"


class Alert(models.Model):
    """Something the registry owner must look at: a refused read, a read a citizen
    reported, a consumer over its rate."""

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(_("loại"), max_length=20, choices=AlertKind.choices)
    access = models.ForeignKey(AccessLog, on_delete=models.PROTECT, null=True, related_name="+")
    consumer = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, null=True, related_name="+"
    )
    #: Repeats of the same open alert (the same consumer refused again) are counted on it.
    count = models.PositiveIntegerField(_("số lần"), default=1)
    last_at = models.DateTimeField(null=True)
    message = models.CharField(_("nội dung"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answer = models.CharField(_("kết quả xử lý"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("cảnh báo")
        verbose_name_plural = _("cảnh báo")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["registry", "closed_at"], name="registries_alert_open")]

    def __str__(self) -> str:
        return self.message


class QualityRun(models.Model):
    """One pass over a registry's records in the background: its quality rules ("đúng,
    đủ, sạch, sống"), or the conversion of its legacy addresses to the new units."""

    class Kind(models.TextChoices):
        QUALITY = "quality", _("Kiểm tra chất lượng dữ liệu")
        ADDRESSES = "addresses", _("Chuyển đổi địa chỉ cũ")

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang kiểm tra")
        DONE = "done", _("Hoàn thành")
        FAILED = "failed", _("Lỗi")

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="quality_runs")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUALITY)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    #: Quality: ``{"records": {province: n}, "counts": {rule: {province: n}}}``;
    #: addresses: ``{"converted": n, "queued": n, "unresolved": n}``.
    results = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("lượt kiểm tra chất lượng dữ liệu")
        verbose_name_plural = _("lượt kiểm tra chất lượng dữ liệu")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.registry_id} {self.started_at:%Y-%m-%d %H:%M}"


class QualityFinding(models.Model):
    """One record one rule found at fault in one run."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="findings")
    rule = models.CharField(max_length=40)
    key = models.CharField(max_length=40)
    province = models.CharField(max_length=2, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["run", "rule"], name="registries_finding_rule")]

    def __str__(self) -> str:
        return f"{self.rule} {self.key}"


class AddressReview(models.Model):
    """A legacy address the conversion could not settle alone (a split commune): an
    official of the owner chooses the new unit."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="address_reviews")
    field = models.CharField(max_length=40)
    source = models.CharField(_("địa chỉ cũ"), max_length=500)
    #: ``[{"ward_code", "ward_name", "province_code", "province_name", "is_default"}]``
    candidates = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    chosen = models.CharField(max_length=5, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("địa chỉ cần chọn đơn vị mới")
        verbose_name_plural = _("địa chỉ cần chọn đơn vị mới")
        constraints = [
            models.UniqueConstraint(
                fields=["record", "field"],
                condition=models.Q(decided_at__isnull=True),
                name="registries_one_open_review",
            )
        ]

    def __str__(self) -> str:
        return self.source
