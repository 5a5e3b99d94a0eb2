from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from lienthong import __version__
from lienthong.accounts import selectors as accounts
from lienthong.dossiers import selectors as dossiers

if TYPE_CHECKING:
    from lienthong.accounts.models import User


def platform(request: HttpRequest) -> dict[str, Any]:
    """What every page shows: the environment label, the version, the menu the user's
    roles open and the unread notifications (read only when a page shows them: HTMX
    fragments do not)."""
    test_env = not settings.PRODUCTION
    user = getattr(request, "user", None)
    person = cast("User", user) if user is not None and user.is_authenticated else None
    return {
        "menu": SimpleLazyObject(lambda: accounts.menu_of(person) if person else accounts.Menu()),
        "unread": SimpleLazyObject(lambda: dossiers.unread_count(person) if person else 0),
        "platform_version": __version__,
        "environment_label": _("Môi trường thử nghiệm") if test_env else "",
        "source_code_url": settings.SOURCE_CODE_URL,
    }
