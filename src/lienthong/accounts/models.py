"""Accounts: one user table for citizens, businesses and officials."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from lienthong.core.identifiers import pin_validator, tax_code_validator


class UserKind(models.TextChoices):
    CITIZEN = "citizen", _("Công dân")
    BUSINESS = "business", _("Doanh nghiệp")
    OFFICIAL = "official", _("Cán bộ, công chức")


class User(AbstractUser):
    """A person or organisation that logs in.

    Citizens are identified by their personal identification number (``pin``),
    businesses by their tax code; officials carry a ``pin`` too and get roles
    per agency (added with the agency directory).
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
