"""An application filed once for an interconnected procedure group (Decree 63/2024)
and the dossier of each of its procedures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.groups.constants import Status, StepStatus


class GroupApplication(models.Model):
    code = models.CharField(_("mã hồ sơ liên thông"), max_length=30, unique=True)
    group = models.ForeignKey("catalog.ProcedureGroup", on_delete=models.PROTECT, related_name="+")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_applications"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    competent_unit = models.ForeignKey(
        "geo.AdministrativeUnit", on_delete=models.PROTECT, related_name="+"
    )
    #: The declaration on the group's one form (with the sources of prefilled values).
    form_data = models.JSONField(default=dict)
    #: What the procedures' results passed on (a newborn's identification number…).
    results = models.JSONField(default=dict)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS
    )
    submitted_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    lock_version = models.PositiveIntegerField(default=0)
    #: The client's retry key (a page's one-time key, an API's ``Idempotency-Key``): the
    #: same applicant filing again under it gets this application, not a second one.
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("hồ sơ liên thông")
        verbose_name_plural = _("hồ sơ liên thông")
        indexes = [models.Index(fields=["applicant", "-submitted_at"], name="groups_app_mine")]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="groups_idempotent_apply",
            )
        ]

    def __str__(self) -> str:
        return self.code


class GroupStep(models.Model):
    """One procedure of an application, and its dossier once it is filed."""

    application = models.ForeignKey(
        GroupApplication, on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField()
    procedure_code = models.CharField(max_length=20)
    procedure_name = models.CharField(max_length=500)
    #: The orders of the steps whose results it waits for.
    after = models.JSONField(default=list)
    dossier = models.OneToOneField(
        "dossiers.Dossier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(max_length=10, choices=StepStatus.choices, default=StepStatus.WAITING)
    #: Why it was refused, blocked or could not be filed; what to do next.
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["application", "order"]
        constraints = [
            models.UniqueConstraint(fields=["application", "order"], name="groups_one_order")
        ]

    def __str__(self) -> str:
        return f"{self.application_id} #{self.order}"


class GroupEvent(models.Model):
    """The application's history (written once, never updated)."""

    application = models.ForeignKey(
        GroupApplication, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=30)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["application", "at", "id"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.action}"
