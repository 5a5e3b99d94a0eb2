"""Accounts: one user table for citizens, businesses and officials; roles per agency."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.accounts.constants import Role
from lienthong.core.identifiers import pin_validator, tax_code_validator


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Doanh nghiệp")
    OFFICIAL = "official", _("Cán bộ, công chức")


class User(AbstractUser):
    """A person or organisation that logs in.

    Citizens are identified by their personal identification number (``pin``),
    businesses by their tax code. An official is a person too: the same account
    files dossiers as a citizen and works for the agencies it holds roles at.
    """

    kind = models.CharField(
        _("loại tài khoản"), max_length=16, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    full_name = models.CharField(_("họ và tên"), max_length=200, blank=True)
    pin = models.CharField(
        _("số định danh cá nhân"),
        max_length=12,
        unique=True,
        null=True,
        blank=True,
        validators=[pin_validator],
    )
    tax_code = models.CharField(
        _("mã số thuế"),
        max_length=14,
        unique=True,
        null=True,
        blank=True,
        validators=[tax_code_validator],
    )

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name()

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def active(self) -> RoleAssignmentQuerySet:
        return self.filter(revoked_at__isnull=True)


class RoleAssignment(models.Model):
    """An official holds a role at one agency. Revoking keeps the row (who, when, by whom)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="role_assignments"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    #: The position printed under the holder's signature ("Phó Chủ tịch").
    position = models.CharField(_("chức vụ"), max_length=120, blank=True)
    granted_at = models.DateTimeField(_("ngày giao"), auto_now_add=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("ngày thu hồi"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("vai trò của cán bộ")
        verbose_name_plural = _("vai trò của cán bộ")
        ordering = ["agency", "user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"],
                condition=models.Q(revoked_at__isnull=True),
                name="accounts_one_active_role",
            )
        ]
        indexes = [models.Index(fields=["agency", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} — {self.agency}"


class ApiClient(models.Model):
    """A system that calls the API with OAuth2 client credentials, on behalf of an agency."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="api_client"
    )
    agency = models.ForeignKey(
        "directory.Agency", on_delete=models.PROTECT, related_name="api_clients"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("hệ thống kết nối API")
        verbose_name_plural = _("hệ thống kết nối API")

    def __str__(self) -> str:
        return f"{self.application.name} ({self.agency.code})"
