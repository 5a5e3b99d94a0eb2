"""The thread from a search to what came of it, kept in the browser: a signed cookie holds
the id of its last search's log row, so that typing on updates that row, and opening a
procedure and filing a dossier of it are noted on it. No session is made for it, and
nothing says who searched. Used by the portal, the counter screen and the dossier pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from lienthong.catalog import services
from lienthong.catalog.selectors import Found

COOKIE = "tra-cuu"
_SALT = "catalog.last-search"


def last_search(request: HttpRequest) -> int | None:
    value = request.get_signed_cookie(COOKIE, default=None, salt=_SALT)
    return int(value) if value and value.isdigit() else None


def searched(
    request: HttpRequest, response: HttpResponse, *, q: str, channel: str, found: Found
) -> None:
    """Keep the search ``q`` (scrubbed) for the catalogue team's report."""
    kept = services.log_search(
        text=q,
        channel=channel,
        results=len(found),
        first_code=found.first_code,
        previous=last_search(request),
    )
    if kept is not None:
        response.set_signed_cookie(
            COOKIE,
            str(kept),
            salt=_SALT,
            max_age=int(services.FILED_WITHIN.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )


def opened(request: HttpRequest, code: str) -> None:
    """The procedure ``code`` was opened (from the results, or picked at the counter)."""
    search_id = last_search(request)
    if search_id is not None:
        services.note_opened(search_id, code)


def filed(request: HttpRequest, response: HttpResponse, code: str) -> None:
    """A dossier of ``code`` was filed: the search has done its work."""
    search_id = last_search(request)
    if search_id is not None:
        services.note_filed(search_id, code)
        response.delete_cookie(COOKIE)
