"""Plan 02-KH/BCĐTW's tasks and their progress reports; the service index's rollups
(``Cell``, and the coarser ``ProvinceCell`` and ``NationCell``) and the per-dossier and
per-report rows they add up (``DossierFact``, ``ReportFact``); early-warning alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.steering.constants import AlertLevel, AlertStatus, Phase, Pillar, TaskStatus


class Task(models.Model):
    """One task of the plan: who leads it, with whom, by when, to deliver what."""

    code = models.CharField(_("mã nhiệm vụ"), max_length=20, unique=True)
    title = models.CharField(_("nhiệm vụ"), max_length=500)
    pillar = models.CharField(_("trụ cột"), max_length=20, choices=Pillar.choices)
    phase = models.CharField(_("giai đoạn"), max_length=20, choices=Phase.choices)
    lead = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("chủ trì")
    )
    supporting = models.ManyToManyField("directory.Agency", related_name="+", blank=True)
    deadline = models.DateField(_("thời hạn"))
    output = models.TextField(_("sản phẩm"), blank=True)
    status = models.CharField(
        max_length=20, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    lock_version = models.PositiveIntegerField(default=1)
    progress = models.PositiveSmallIntegerField(default=0)
    finished_on = models.DateField(null=True, blank=True)
    last_report_at = models.DateTimeField(null=True, blank=True)
    #: The index figure that measures it, when there is one (``steering/data/index.json``).
    indicator = models.CharField(max_length=10, blank=True)
    source = models.TextField(_("nguồn"), blank=True)

    class Meta:
        ordering = ["deadline", "code"]
        indexes = [models.Index(fields=["status", "deadline"], name="steering_task_due")]

    def __str__(self) -> str:
        return f"{self.code} {self.title[:60]}"


class TaskReport(models.Model):
    """A step of a task: a progress report by the lead agency, or the task reopened.
    Never updated or deleted."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    action = models.CharField(max_length=20, default="report")
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()
    progress = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=TaskStatus.choices)
    text = models.TextField()

    class Meta:
        ordering = ["task", "-at"]

    def __str__(self) -> str:
        return f"{self.task.code} {self.at:%d/%m/%Y}"


def evidence_file_name(instance: TaskEvidence, filename: str) -> str:
    """``steering/<yyyy>/<mm>/<32 random hex>.<ext>``: nothing of the sender's name."""
    import secrets
    from pathlib import PurePath

    from django.utils import timezone

    ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        instance.content_type
    ) or PurePath(filename).suffix.lower()[:10]
    return f"steering/{timezone.localdate():%Y/%m}/{secrets.token_hex(16)}{ext}"


class TaskEvidence(models.Model):
    """A file that shows what a report says (a decision, minutes, a screenshot)."""

    report = models.ForeignKey(TaskReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_file_name)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.original_name


class Where(models.Model):
    """Where a count belongs: the month, the agency, and the province and commune the
    agency serves (denormalised from it)."""

    month = models.DateField()
    agency = models.ForeignKey("directory.Agency", on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, null=True, related_name="+"
    )
    commune = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        abstract = True


class DossierCounts(models.Model):
    """The flags of ``dossiers.measures`` (and whether a report is about the dossier),
    summed in a cell, one dossier's in its fact."""

    dossiers = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    overdue_open = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    filed_online = models.IntegerField(default=0)
    online = models.IntegerField(default=0)
    fee_dossiers = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    with_result = models.IntegerField(default=0)
    electronic_result = models.IntegerField(default=0)
    digital_and_result = models.IntegerField(default=0)
    reused = models.IntegerField(default=0)
    from_store = models.IntegerField(default=0)
    eid = models.IntegerField(default=0)
    disliked = models.IntegerField(default=0)
    complained = models.IntegerField(default=0)
    handling_seconds = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class ReportCounts(models.Model):
    """The flags of ``feedback.measures``."""

    reports = models.IntegerField(default=0)
    reports_on_time = models.IntegerField(default=0)
    reports_unhappy = models.IntegerField(default=0)

    class Meta:
        abstract = True


class Cell(Where, DossierCounts, ReportCounts):
    """The counts of one agency, procedure (and report category) and month: what the
    index of any scope and period adds up, so no page reads the dossiers. Kept by
    ``steering.rollup`` as events arrive; ``lienthong steering rebuild`` recomputes it."""

    #: The central agency the index ranks that the agency belongs to (Bộ Công an for a
    #: commune's police; ``directory.agency_places``): a ministry's index reads its rows.
    branch = models.ForeignKey(
        "directory.Agency", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    procedure_code = models.CharField(max_length=30, blank=True)
    #: A report's category ('' for dossiers' counts).
    category = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agency", "procedure_code", "category"], name="steering_cell_key"
            )
        ]
        indexes = [
            models.Index(fields=["month", "province"], name="steering_cell_province"),
            models.Index(fields=["commune", "month"], name="steering_cell_commune"),
            models.Index(fields=["agency", "month"], name="steering_cell_agency"),
            models.Index(fields=["branch", "month"], name="steering_cell_branch"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.agency_id} {self.procedure_code}"


class ProvinceCell(DossierCounts, ReportCounts):
    """The cells of one province's agencies, procedure (and report category) and month
    added up: what a province's index and the national ranking read (a few hundred
    rows a province and year, where its cells are tens of thousands). Kept with the
    cells, from the same differences."""

    month = models.DateField()
    province = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+"
    )
    procedure_code = models.CharField(max_length=30, blank=True)
    category = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["province", "month", "procedure_code", "category"],
                name="steering_provincecell_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.province_id} {self.procedure_code}"


class NationCell(DossierCounts, ReportCounts):
    """Every agency's cells of one procedure (and report category) and month added up,
    central agencies included: what the national index reads."""

    month = models.DateField()
    procedure_code = models.CharField(max_length=30, blank=True)
    category = models.CharField(max_length=20, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "procedure_code", "category"], name="steering_nationcell_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.procedure_code}"


class DossierFact(Where, DossierCounts):
    """What one received dossier adds to its cell now (``dossiers.measures`` plus
    whether a report is about it): an event's change to a cell is the difference
    between this row and the dossier's new measures. The drill-down lists read it."""

    dossier = models.OneToOneField(
        "dossiers.Dossier", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    procedure_code = models.CharField(max_length=30)

    class Meta:
        indexes = [
            models.Index(fields=["province", "month"], name="steering_fact_province"),
            models.Index(fields=["commune", "month"], name="steering_fact_commune"),
            models.Index(fields=["agency", "month"], name="steering_fact_agency"),
        ]

    def __str__(self) -> str:
        return str(self.dossier_id)


class ReportFact(Where, ReportCounts):
    """What one report adds to its cell now (``feedback.measures``)."""

    report = models.OneToOneField(
        "feedback.Report", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    procedure_code = models.CharField(max_length=30, blank=True)
    category = models.CharField(max_length=20)

    def __str__(self) -> str:
        return str(self.report_id)


class RollupMark(models.Model):
    """One row: the last outbox event the rollups took in (open pages compare it to
    know when to refresh)."""

    event_id = models.BigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return str(self.event_id)


class Alert(models.Model):
    """One early warning: a rule of ``data/alerts.json`` that fired for a subject (a task,
    a commune, a province, a registry) until the condition ends (cleared by the platform)
    or someone resolves it. One episode at a time per rule and subject."""

    rule = models.CharField(max_length=30)
    #: ``task:KH02-06``, ``commune:13786``, ``province:37``, ``registry:population``.
    subject = models.CharField(max_length=60)
    level = models.CharField(max_length=10, choices=AlertLevel.choices)
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    #: The figure that fired it (a rate, a count, days late), as shown.
    value = models.CharField(max_length=40, blank=True)
    #: The agency responsible (its leaders are told); the province it concerns, if any.
    agency = models.ForeignKey("directory.Agency", on_delete=models.PROTECT, related_name="+")
    province = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, null=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    lock_version = models.PositiveIntegerField(default=1)
    opened_at = models.DateTimeField()
    seen_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.TextField(blank=True)
    #: When the condition ended (also for an alert resolved by hand before).
    cleared_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=models.Q(cleared_at__isnull=True),
                name="steering_alert_one_episode",
            )
        ]
        indexes = [models.Index(fields=["status", "province"], name="steering_alert_open")]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"


class AlertDigest(models.Model):
    """A daily digest sent to one person (sent once a day)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    alerts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="steering_digest_once")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day}"
