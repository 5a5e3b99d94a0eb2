from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from lienthong import __version__


def platform(request: HttpRequest) -> dict[str, Any]:
    """What every page shows: the environment label and the version."""
    test_env = not settings.PRODUCTION
    return {
        "platform_version": __version__,
        "environment_label": _("Môi trường thử nghiệm") if test_env else "",
        "source_code_url": settings.SOURCE_CODE_URL,
    }
