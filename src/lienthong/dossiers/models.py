"""Dossiers (hồ sơ), their files, their append-only history, and ratings."""

from __future__ import annotations

import secrets
from pathlib import PurePath
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lienthong.core.identifiers import format_tracking_key
from lienthong.dossiers.constants import Channel, Status

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Dossier(models.Model):
    """One application for one procedure version, received once and tracked to the end.

    ``lock_version`` is the optimistic lock: every transition updates the row only if
    it still has the version the actor saw, so of two concurrent actions one wins and
    the other gets a conflict. The milestone fields are what the national service
    index (Decision 766) needs.
    """

    code = models.CharField(_("mã hồ sơ"), max_length=40)  # unique: see Meta
    tracking_key = models.CharField(_("mã tra cứu"), max_length=20)
    procedure_version = models.ForeignKey(
        "catalog.ProcedureVersion", on_delete=models.PROTECT, related_name="dossiers"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,  # the composite index in Meta leads with this column
    )
    #: Set when somebody files for another person (người được ủy quyền, cán bộ một cửa).
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.CharField(_("nộp thay cho"), max_length=200, blank=True)
    channel = models.CharField(_("kênh nộp"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("trạng thái"), max_length=24, choices=Status.choices, default=Status.SUBMITTED
    )
    lock_version = models.PositiveIntegerField(default=1)
    #: Commune of residence or of the property: decides the competent agency.
    competent_unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+"
    )
    receiving_agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="received_dossiers",
        db_index=False,  # the composite index in Meta leads with this column
    )
    handling_agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        related_name="handled_dossiers",
        db_index=False,  # the composite index in Meta leads with this column
    )
    province = models.ForeignKey(
        "geo.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # the composite index in Meta leads with this column
    )
    #: The agency whose opinion is sought (a department's appraisal of a commune's
    #: dossier), while a configured consultation step is open (docs/workflow.md).
    consulted_agency = models.ForeignKey(
        "directory.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consulted_dossiers",
        db_index=False,  # a partial index in Meta: most dossiers name none
    )
    #: The deadline of the current step when it has its own (a field visit).
    step_due_at = models.DateTimeField(_("hạn của bước"), null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index in Meta: none until assigned
    )
    summary = models.CharField(_("nội dung yêu cầu"), max_length=500, blank=True)
    form_data = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(_("thời điểm nộp"))
    received_at = models.DateTimeField(_("thời điểm tiếp nhận"), null=True, blank=True)
    #: Counting starts here (the next working moment for an online dossier out of hours).
    clock_start = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(_("hẹn trả"), null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    supplement_count = models.PositiveSmallIntegerField(default=0)
    supplement_hours = models.FloatField(default=0)
    finished_at = models.DateTimeField(_("thời điểm giải quyết xong"), null=True, blank=True)
    returned_at = models.DateTimeField(_("thời điểm trả kết quả"), null=True, blank=True)
    overdue = models.BooleanField(default=False)
    fee_total = models.PositiveBigIntegerField(_("phí, lệ phí (đồng)"), default=0)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_online = models.BooleanField(default=False)
    eid_authenticated = models.BooleanField(_("xác thực bằng định danh điện tử"), default=False)
    electronic_result = models.BooleanField(default=False)
    #: The result paper's number in the handling agency's register book (one sequence
    #: per book and year), as printed: "Số: 12, Quyển số: 01/2026" or "Số: 12/GPXD-UBND".
    result_number = models.PositiveIntegerField(_("số vào sổ"), null=True, blank=True)
    result_reference = models.CharField(_("số, ký hiệu kết quả"), max_length=80, blank=True)
    #: Who signed the result, with their position at the time (printed under the signature).
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # a partial index in Meta: none until signed
    )
    signer_title = models.CharField(_("chức vụ người ký"), max_length=120, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        ordering = ["-submitted_at"]
        constraints = [
            # A constraint rather than unique=True: no second (LIKE) index on PostgreSQL.
            models.UniqueConstraint(fields=["code"], name="dossiers_unique_code"),
            models.UniqueConstraint(
                fields=["submitted_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="dossiers_idempotent_submit",
            ),
        ]
        indexes = [
            # A state of an agency's dossiers, newest first: a list filtered on state
            # (one agency's newest read by each, merged) and the queues of one state.
            models.Index(
                fields=["handling_agency", "status", "submitted_at", "id"],
                name="dossiers_status_handling",
            ),
            models.Index(
                fields=["receiving_agency", "status", "submitted_at", "id"],
                name="dossiers_status_receiving",
            ),
            models.Index(fields=["province", "status"]),
            models.Index(fields=["applicant", "-submitted_at"]),
            models.Index(fields=["status", "due_at"]),
            # The lists, newest first, by keyset (selectors.dossier_page): one per condition
            # of what a reader may see, and the whole for a national reader.
            models.Index(fields=["submitted_at", "id"], name="dossiers_list"),
            models.Index(fields=["province", "submitted_at", "id"], name="dossiers_list_province"),
            models.Index(
                fields=["receiving_agency", "submitted_at", "id"], name="dossiers_list_receiving"
            ),
            models.Index(
                fields=["handling_agency", "submitted_at", "id"], name="dossiers_list_handling"
            ),
            # The overdue sweep: the open dossiers not yet flagged, by due date.
            models.Index(
                fields=["due_at"],
                condition=models.Q(overdue=False, finished_at__isnull=True, paused_at__isnull=True),
                name="dossiers_unflagged_due",
            ),
            # References that stay empty for much of a dossier's life, indexed where set
            # (the foreign keys' lookups and the consulted queue): intake, and a bulk
            # load, write three index entries fewer per dossier.
            *(
                models.Index(
                    fields=[name],
                    condition=models.Q(**{f"{name}__isnull": False}),
                    name=f"dossiers_{name}",
                )
                for name in ("assignee", "consulted_agency", "signed_by")
            ),
            # The queues (selectors.queue_page), in their order: the open dossiers by
            # deadline, of all agencies (a national reader), of the receiving agency and
            # of the handling one (few rows each: a province's backlog, not its history).
            models.Index(
                fields=["due_at", "submitted_at", "id"],
                condition=models.Q(finished_at__isnull=True),
                name="dossiers_queue_open",
            ),
            models.Index(
                fields=["receiving_agency", "due_at", "submitted_at", "id"],
                condition=models.Q(finished_at__isnull=True),
                name="dossiers_queue_receiving",
            ),
            models.Index(
                fields=["handling_agency", "due_at", "submitted_at", "id"],
                condition=models.Q(finished_at__isnull=True),
                name="dossiers_queue_handling",
            ),
            # The late ones (late now, or flagged late) newest first: a list filtered on
            # lateness, and its count, without reading the rest — national, and by the
            # receiving and the handling agency.
            *(
                models.Index(
                    fields=[*lead, "submitted_at", "id"],
                    condition=models.Q(overdue=True) | models.Q(finished_at__isnull=True),
                    name=name,
                )
                for lead, name in (
                    ((), "dossiers_list_late"),
                    (("receiving_agency",), "dossiers_late_receiving"),
                    (("handling_agency",), "dossiers_late_handling"),
                )
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_status_display(self) -> str:  # type: ignore[no-redef]  # a table's own states
        """The state's name in the page's language; a procedure's own state by the name
        its configuration gives it."""
        if self.status in Status.values:
            return str(Status(self.status).label)
        from lienthong.dossiers.table import table_for

        return str(table_for(self.procedure_version).label(self.status))

    @property
    def tracking_key_display(self) -> str:
        """The tracking key as printed: four groups of four."""
        return format_tracking_key(self.tracking_key)


_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def stored_file_name(instance: DossierFile, filename: str) -> str:
    """``dossiers/<yyyy>/<mm>/<32 random hex>.<ext>``: a name nobody can guess, with
    nothing of the applicant's own file name (which often names a person; it is kept in
    ``original_name``). Unique as made, so storing finds it free at the first look
    instead of probing the month's directory for a variant of ``to-khai.pdf``."""
    ext = _EXTENSIONS.get(instance.content_type) or PurePath(filename).suffix.lower()[:10]
    return f"dossiers/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{ext}"


class DossierFile(models.Model):
    """A component as submitted: an uploaded file, or data taken from a registry."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    component_name = models.CharField(max_length=500)
    file = models.FileField(upload_to=stored_file_name, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    #: The paper was replaced by registry data (once-only); no file then.
    from_registry = models.CharField(max_length=30, blank=True)
    #: Reused from the applicant's e-document store instead of a new upload.
    from_wallet = models.ForeignKey(
        "WalletDocument", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    digitised = models.BooleanField(default=False)
    supplement = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier", "id"]

    def __str__(self) -> str:
        return f"{self.dossier.code}: {self.component_name}"


class DossierEvent(models.Model):
    """One step of a dossier's history. Never updated or deleted."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    role = models.CharField(max_length=30, blank=True)
    agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    #: Not a column: set by ``selectors.history_rows`` (the role's name, for display).
    role_label: StrOrPromise

    class Meta:
        ordering = ["dossier", "at", "id"]
        # A dossier's first step of a kind (its filing, for the index's measures) is one
        # index lookup whatever the planner's statistics say.
        indexes = [models.Index(fields=["dossier", "action", "id"], name="dossiers_event_step")]

    def __str__(self) -> str:
        return f"{self.dossier.code} {self.action}"


class Rating(models.Model):
    """The applicant's satisfaction after the result is returned (one per dossier)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    satisfied = models.BooleanField()
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.dossier.code}: {self.score}"


class DossierSequence(models.Model):
    """The last sequence number of a receiving agency's dossier codes for one day."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="dossiers_sequence_day")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.last}"


class RegisterCounter(models.Model):
    """The last number entered in one register book of an agency for one year (Sổ đăng
    ký khai sinh, Sổ đăng ký văn bản đi …): numbers run without gaps or repeats, since
    a number is taken in the transaction of the step that issues the result."""

    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    book = models.CharField(max_length=120)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "book", "year"], name="dossiers_register_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.book} {self.year}: {self.last}"


class Notification(models.Model):
    """A message to the applicant about their dossier (in-app; also e-mailed)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    dossier = models.ForeignKey(
        Dossier, on_delete=models.CASCADE, null=True, related_name="notifications"
    )
    #: The outbox event it answers: a redelivered event does not notify twice.
    event_id = models.BigIntegerField(unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.title


def wallet_file_name(instance: WalletDocument, filename: str) -> str:
    """``wallet/<yyyy>/<mm>/<32 random hex>.<ext>``: like a dossier file, a name nobody
    can guess (a result named after its dossier code could be fetched by guessing)."""
    ext = PurePath(filename).suffix.lower()[:10] or ".pdf"
    return f"wallet/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{ext}"


class WalletDocument(models.Model):
    """A document in a person's e-document store (kho dữ liệu điện tử), reusable in
    later dossiers instead of a paper copy: results issued to them, and files they kept."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wallet"
    )
    dossier = models.ForeignKey(
        Dossier, on_delete=models.SET_NULL, null=True, blank=True, related_name="wallet_documents"
    )
    title = models.CharField(max_length=500)
    kind = models.CharField(max_length=20, default="result")
    file = models.FileField(upload_to=wallet_file_name)
    sha256 = models.CharField(max_length=64)
    signed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["dossier", "kind"],
                condition=models.Q(dossier__isnull=False),
                name="dossiers_one_wallet_result",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def download_name(self) -> str:
        """The file name a download gets: the dossier's code for a result."""
        if self.dossier is not None and self.kind == "result":
            return f"ket-qua-{self.dossier.code}.pdf"
        return f"giay-to-{self.pk}{PurePath(self.file.name or '').suffix or '.pdf'}"


class OnceOnlyTally(models.Model):
    """Papers an applicant did not have to give, per procedure, province and month
    (once-only): registry data in place of a paper, a result reused from the e-document
    store, the declaration made on the electronic form. Kept by the ``dossiers.once-only``
    consumer from each filing's event; ``onceonly.rebuild`` recomputes it from history."""

    procedure_code = models.CharField(max_length=30)
    province = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+"
    )
    #: The first day of the month the dossiers were filed in.
    month = models.DateField()
    dossiers = models.PositiveIntegerField(default=0)
    from_registry = models.PositiveIntegerField(default=0)
    from_store = models.PositiveIntegerField(default=0)
    on_form = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["procedure_code", "province", "month"], name="dossiers_once_only_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.procedure_code} {self.month:%m/%Y}"

    @property
    def spared(self) -> int:
        return self.from_registry + self.from_store + self.on_form
