"""System checks: reject bad configuration at start-up with one clear line."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.checks import Warning as CheckWarning


@register(Tags.security, deploy=False)
def production_settings(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    if not getattr(settings, "PRODUCTION", False):
        return errors
    if settings.DEBUG:
        errors.append(Error("DEBUG must be off when LIENTHONG_ENV=production", id="lienthong.E001"))
    if not settings.ALLOWED_HOSTS:
        errors.append(
            Error("ALLOWED_HOSTS must be set when LIENTHONG_ENV=production", id="lienthong.E002")
        )
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        errors.append(
            Error(
                "production needs PostgreSQL: set DATABASE_URL=postgres://…",
                id="lienthong.E003",
            )
        )
    if not settings.OIDC_ISSUER_URL and not settings.OIDC_DEV_ISSUER:
        errors.append(
            Error(
                "production needs an identity issuer: set OIDC_ISSUER_URL (VNeID or another "
                "OpenID provider) with OIDC_CLIENT_ID and OIDC_CLIENT_SECRET",
                id="lienthong.E004",
            )
        )
    return errors


@register()
def instance_initialised(app_configs: Any, **kwargs: Any) -> list[CheckWarning]:
    """A warning for every command (making migrations needs no key); `serve` and `worker`
    refuse to start (instance.require_initialised)."""
    missing = getattr(settings, "INSTANCE_FILES_MISSING", [])
    if not missing:
        return []
    return [CheckWarning(not_initialised_message(missing), id="lienthong.W005")]


def not_initialised_message(missing: list[str]) -> str:
    return (
        f"the embedded instance is not initialised ({', '.join(missing)} missing under "
        f"{settings.VAR_DIR}): run `lienthong init`"
    )


def require_initialised() -> None:
    """Stop a serving command on an instance whose keys `lienthong init` has not made."""
    from django.core.management.base import CommandError

    missing = getattr(settings, "INSTANCE_FILES_MISSING", [])
    if missing:
        raise CommandError(not_initialised_message(missing))


@register()
def work_calendar_file(app_configs: Any, **kwargs: Any) -> list[Error]:
    from lienthong.core.workcalendar import CalendarError, get_calendar

    try:
        get_calendar()
    except (CalendarError, OSError) as exc:
        return [Error(f"work calendar: {exc}", id="lienthong.E010")]
    return []
