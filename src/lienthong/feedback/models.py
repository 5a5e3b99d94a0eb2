"""Reports and petitions (phản ánh, kiến nghị), their history, files and ratings."""

from __future__ import annotations

import secrets
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lienthong.feedback.constants import Category, Channel, Status


class Report(models.Model):
    """One report, handled by one agency at a time (transfers keep the case and its
    deadlines). ``lock_version`` is the optimistic lock of the workflow engine."""

    code = models.CharField(_("mã phản ánh"), max_length=30, unique=True)
    category = models.CharField(_("lĩnh vực"), max_length=20, choices=Category.choices)
    title = models.CharField(_("tiêu đề"), max_length=200)
    text = models.TextField(_("nội dung"))
    #: The account that sent it (a clerk's intake: the person it was typed for, if they
    #: have an account); None for a system's report through the API.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    #: The author's name is shown to nobody but themselves (and kept for notices).
    anonymous = models.BooleanField(_("ẩn danh"), default=False)
    #: Not to be published, even without personal data (the author asked).
    private = models.BooleanField(_("không công khai"), default=False)
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=20, blank=True)
    contact_email = models.CharField(max_length=254, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.ONLINE)
    #: The system that sent it through the API or Open311 (its OAuth2 client id).
    api_client = models.CharField(max_length=100, blank=True)
    procedure_code = models.CharField(max_length=30, blank=True)
    dossier_code = models.CharField(max_length=40, blank=True)
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, null=True, related_name="+"
    )
    province = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+"
    )
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(max_length=300, blank=True)
    handling_agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="+"
    )
    #: The agency a Front committee addressed a supervision case from.
    raised_by_agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.RECEIVED
    )
    lock_version = models.PositiveIntegerField(default=1)
    submitted_at = models.DateTimeField()
    #: Milestones (indicator 5.2 compares each with its deadline).
    decided_at = models.DateTimeField(null=True, blank=True)
    supplement_requested_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    #: The deadline of the step under way (decide, supplement by the author, publish).
    step_due_at = models.DateTimeField(null=True, blank=True)
    #: The answer's deadline (15 working days from acceptance, supplement time added).
    due_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    #: Set by the sweep when a deadline has passed (no new version: never a 409).
    overdue = models.BooleanField(default=False)
    #: A step was taken after its deadline (kept once set: indicator 5.2).
    late = models.BooleanField(default=False)
    answer = models.TextField(_("trả lời"), blank=True)
    #: What the public page shows: the report and the answer, personal data removed.
    public_title = models.CharField(max_length=200, blank=True)
    public_text = models.TextField(blank=True)
    public_answer = models.TextField(blank=True)
    published = models.BooleanField(default=False)
    #: The published words folded (no diacritics, lower case), for the public search.
    search_text = models.TextField(blank=True)
    reraised = models.PositiveSmallIntegerField(default=0)
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("phản ánh, kiến nghị")
        verbose_name_plural = _("phản ánh, kiến nghị")
        indexes = [
            models.Index(fields=["handling_agency", "status", "submitted_at"], name="fb_queue"),
            models.Index(fields=["author", "-submitted_at"], name="fb_mine"),
            models.Index(fields=["published", "-published_at"], name="fb_public"),
            models.Index(fields=["commune", "status"], name="fb_area"),
            # The public answers of a commune, of a category (a trigram index of their
            # words on PostgreSQL: migration 0003).
            models.Index(
                fields=["commune", "-published_at"],
                condition=models.Q(published=True),
                name="fb_public_commune",
            ),
            models.Index(
                fields=["category", "-published_at"],
                condition=models.Q(published=True),
                name="fb_public_category",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="feedback_idempotent_report",
            ),
            models.UniqueConstraint(
                fields=["api_client", "idempotency_key"],
                condition=~models.Q(idempotency_key="") & ~models.Q(api_client=""),
                name="feedback_idempotent_system_report",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ReportEvent(models.Model):
    """One step of a report's history. Never updated or deleted."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
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

    class Meta:
        ordering = ["report", "at", "id"]

    def __str__(self) -> str:
        return f"{self.report.code} {self.action}"


_EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def report_file_name(instance: ReportFile, filename: str) -> str:
    """``feedback/<yyyy>/<mm>/<32 random hex>.<ext>``: nothing of the sender's file name
    (kept in ``original_name``), a name nobody can guess."""
    ext = _EXTENSIONS.get(instance.content_type) or PurePath(filename).suffix.lower()[:10]
    return f"feedback/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{ext}"


class ReportFile(models.Model):
    """A file or photo sent with a report or its supplement (checked like a dossier's)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=report_file_name)
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    supplement = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["report", "id"]

    def __str__(self) -> str:
        return f"{self.report.code}: {self.original_name}"
