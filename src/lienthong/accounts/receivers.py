"""Audit every login, logout and failed login (Django's auth signals)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from lienthong.core import audit

if TYPE_CHECKING:
    from lienthong.accounts.models import User


def _ip(request: HttpRequest | None) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "")[:45]


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit.record("auth.login", actor=user, object_type="user", object_id=user.pk, ip=_ip(request))


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit.record(
            "auth.logout", actor=user, object_type="user", object_id=user.pk, ip=_ip(request)
        )


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Only the username is kept; the password never reaches the log.
    audit.record(
        "auth.login_failed",
        actor="anonymous",
        data={"username": str(credentials.get("username", ""))[:150]},
        ip=_ip(request),
    )


def _locked_out(
    sender: Any, request: HttpRequest | None = None, username: str = "", **kwargs: Any
) -> None:
    audit.record(
        "auth.locked_out",
        actor="anonymous",
        data={"username": str(username)[:150]},
        ip=_ip(request),
    )


# django-axes announces each lockout once.
user_locked_out.connect(_locked_out, dispatch_uid="lienthong-audit-locked-out")
