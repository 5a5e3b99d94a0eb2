"""Writes on accounts. Every change is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from lienthong.accounts.models import User, UserKind
from lienthong.core import audit
from lienthong.core.errors import InvalidInput, InvalidParam
from lienthong.core.identifiers import IdentifierError, normalize_pin, normalize_tax_code

__all__ = ["ensure_user"]


def ensure_user(
    *,
    username: str,
    password: str,
    kind: str = UserKind.CITIZEN,
    full_name: str = "",
    pin: str | None = None,
    tax_code: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: Any = None,
) -> User:
    """Create the user, or bring an existing one to exactly these attributes.

    Idempotent (used by seeders and provisioning); identifiers are validated
    and normalised first, so nothing is stored when one is wrong.
    """
    try:
        pin = normalize_pin(pin) if pin else None
        tax_code = normalize_tax_code(tax_code) if tax_code else None
    except IdentifierError as exc:
        raise InvalidInput(
            exc.message,
            invalid_params=[
                InvalidParam("pin" if "pin" in exc.code else "tax_code", exc.code, exc.message)
            ],
        ) from exc
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        user.kind = kind
        user.full_name = full_name
        user.pin = pin
        user.tax_code = tax_code
        user.is_staff = is_staff
        user.is_superuser = is_superuser
        user.set_password(password)
        user.save()
        audit.record(
            "account.created" if created else "account.updated",
            actor=actor or "system:provisioning",
            object_type="user",
            object_id=user.pk,
            data={
                "username": username,
                "kind": kind,
                "is_staff": is_staff,
                "is_superuser": is_superuser,
            },
        )
    return user
