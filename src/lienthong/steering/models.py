"""Plan 02-KH/BCĐTW's tasks and their progress reports (the index's rollups: next)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.steering.constants import Phase, Pillar, TaskStatus


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
