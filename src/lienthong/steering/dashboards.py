"""Pages of the service index: a scope's index (the nation with its 34 provinces, a
province with its communes, a commune or an agency, one procedure), the dossiers behind
a figure, the formulas, the exports (Excel, PDF) and the live updates (Server-Sent
Events). Thin: the figures come from ``selectors`` and ``scorecard``."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final, TypeVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import agencies_with
from lienthong.core.errors import DomainError, NotFound, PermissionDenied
from lienthong.core.pdf import render_pdf
from lienthong.directory import selectors as directory
from lienthong.dossiers import selectors as dossiers
from lienthong.feedback import selectors as feedback
from lienthong.geo.maps import VietnamMap, located, unit_centres, vietnam_map
from lienthong.steering import alerts as alert_services
from lienthong.steering import files, rollup, scorecard, selectors
from lienthong.steering.alerts import rules as alert_rules
from lienthong.steering.index import definition

if TYPE_CHECKING:
    from lienthong.accounts.auth import AuthenticatedRequest

#: How long one live-update stream stays open before the browser opens it again
#: (``STEERING_LIVE_SECONDS``).
STREAM_SECONDS: Final = 30
#: Streams open at once per process (each holds a server thread); beyond, pages poll.
_streams = threading.BoundedSemaphore(getattr(settings, "STEERING_LIVE_STREAMS", 2))


def _refused(request: AuthenticatedRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, PermissionDenied):
        return render(request, "403.html", {"detail": exc.detail}, status=403)
    if isinstance(exc, NotFound):
        return render(request, "404.html", {"detail": exc.detail}, status=404)
    return render(request, "steering/refused.html", {"detail": exc.detail}, status=400)


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def watchers_only(view: View) -> View:
    """The page is for whoever may watch a dashboard (403 otherwise)."""

    @functools.wraps(view)
    def wrapped(request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            selectors.default_scope(request.user)
        except PermissionDenied as exc:
            return _refused(request, exc)
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]


def _params(request: AuthenticatedRequest) -> tuple[str, str, str]:
    scope = request.GET.get("pham-vi", "")[:40] or selectors.default_scope(request.user)
    period = request.GET.get("ky", "")[:10] or scorecard.this_quarter()
    return scope, period, request.GET.get("thu-tuc", "")[:30]


@login_required
def index(request: AuthenticatedRequest) -> HttpResponse:
    try:
        scope, period, procedure = _params(request)
        card = selectors.index_for(request.user, scope=scope, period=period, procedure=procedure)
    except DomainError as exc:
        return _refused(request, exc)
    where, when = card.scope, card.period
    children: list[scorecard.RankRow] = []
    agencies: list[scorecard.RankRow] = []
    if where.kind in ("nation", "province") and not procedure:
        children = scorecard.ranking(where, when)
        agencies = scorecard.agency_ranking(where, when)
    rank, peers = (None, 0) if procedure else scorecard.rank_of(where, when)
    drawn = _map(children, when) if where.kind == "nation" and children else None
    context: dict[str, Any] = {
        "card": card,
        "children": children,
        "agencies": agencies,
        "map": drawn,
        "bands": definition().bands,
        "rank": rank,
        "peers": peers,
        "late": scorecard.most_late(where, when),
        "worst": scorecard.worst(card),
        "procedure": procedure,
        "periods": scorecard.period_choices(when),
        "revision": rollup.mark()[0],
        "now": timezone.now(),
        "alerts": list(selectors.alerts_for(request.user)[:10]),
    }
    export = request.GET.get("xuat", "")
    if export == "xlsx":
        response = HttpResponse(
            files.index_xlsx(card, children, context["late"], agencies),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{files.export_name(card)}.xlsx"'
        return response
    if export == "pdf":
        context["viewer"] = request.user
        context["agency"] = _viewer_agency(request)
        response = HttpResponse(
            render_pdf("steering/pdf/index.html", context), content_type="application/pdf"
        )
        response["Content-Disposition"] = f'inline; filename="{files.export_name(card)}.pdf"'
        return response
    if request.headers.get("HX-Request") and request.GET.get("phan") == "noi-dung":
        return render(request, "steering/partials/index_body.html", context)
    return render(request, "steering/index.html", context)


def _map(rows: list[scorecard.RankRow], when: scorecard.Period) -> VietnamMap:
    """The provinces on the map of Việt Nam, coloured by band and labelled by rank."""
    centres = unit_centres()
    points = []
    for r in rows:
        lat, lon = centres.get(r.scope.code, (None, None))
        band = r.card.band
        total = r.card.total if r.card.total is not None else "N/A"
        points.append(
            located(
                lat,
                lon,
                r.scope.code,
                f"{r.scope.name}: {total} — {band.label if band else 'N/A'}",
                kind=f"band-{band.code}" if band else "band-none",
                label=str(r.rank or ""),
                href=f"?pham-vi={r.scope.text}&ky={when.text}",
            )
        )
    return vietnam_map(points)


def _viewer_agency(request: AuthenticatedRequest) -> object:
    """The agency a report is made by: the viewer's post that opens the dashboard."""
    ids = agencies_with(request.user, Perm.STEERING_VIEW)
    found = directory.agencies_by_ids(ids[:1]).first() if ids else None
    return found or {"name": _("Nền tảng LiênThông"), "code": "—"}


@login_required
def drill(request: AuthenticatedRequest) -> HttpResponse:
    try:
        scope, period, procedure = _params(request)
        found = selectors.drill_for(
            request.user,
            scope=scope,
            period=period,
            flag=request.GET.get("co", "dossiers")[:30],
            procedure=procedure,
        )
    except DomainError as exc:
        return _refused(request, exc)
    page = Paginator(found.ids(), 50).get_page(request.GET.get("trang"))
    ids = list(page.object_list)
    if found.reports:
        rows: list[object] = list(feedback.counted_reports(request.user, ids))
    else:
        rows = list(dossiers.counted_rows(request.user, ids))
    return render(request, "steering/drill.html", {"d": found, "page": page, "rows": rows})


@login_required
@watchers_only
def formulas(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "steering/formulas.html", {"index": definition()})


@login_required
@watchers_only
def live(request: AuthenticatedRequest) -> HttpResponseBase:
    """``text/event-stream``: a ``change`` event (with the rollups' revision) whenever an
    event has changed the figures since ``?tu=<revision>``; the stream ends after
    ``STREAM_SECONDS`` and the browser opens it again. 204 (stop, poll instead) when
    the process already holds its share of streams."""
    since = request.GET.get("tu", "")
    seen = int(since) if since.isdigit() else rollup.mark()[0]
    if not _streams.acquire(blocking=False):
        return HttpResponse(status=204)
    response = StreamingHttpResponse(_Stream(seen), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


class _Stream:
    """The stream's events; gives its slot back once, whether it ran out, the browser
    left, or it never started."""

    def __init__(self, seen: int) -> None:
        self.seen = seen
        self.released = False
        self.events = self._events()

    def __iter__(self) -> Iterator[str]:
        return self.events

    def _events(self) -> Iterator[str]:
        yield "retry: 2000\n\n"
        ends = time.monotonic() + getattr(settings, "STEERING_LIVE_SECONDS", STREAM_SECONDS)
        while time.monotonic() < ends:
            revision = rollup.mark()[0]
            if not connection.in_atomic_block:  # no connection held between two looks
                connection.close()
            if revision != self.seen:
                self.seen = revision
                yield f"event: change\ndata: {json.dumps({'revision': revision})}\n\n"
            else:
                yield ": \n\n"  # a comment: keeps proxies from closing an idle stream
            time.sleep(1)
        self.close()

    def close(self) -> None:
        if not self.released:
            self.released = True
            _streams.release()


@login_required
@watchers_only
def poll(request: AuthenticatedRequest) -> HttpResponse:
    """The rollups' revision, for pages that could not keep a stream open."""
    return HttpResponse(str(rollup.mark()[0]), content_type="text/plain")


@login_required
@watchers_only
def alerts(request: AuthenticatedRequest) -> HttpResponse:
    everything = request.GET.get("tat-ca") == "1"
    rows = list(selectors.alerts_for(request.user, open_only=not everything)[:500])
    return render(
        request,
        "steering/alerts.html",
        {"rows": rows, "everything": everything, "rules": alert_rules().values()},
    )


@login_required
def alert(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    try:
        item = selectors.get_alert(request.user, pk)
    except DomainError as exc:
        return _refused(request, exc)
    if request.method == "POST":
        action = request.POST.get("action", "")[:20]
        try:
            version = request.POST.get("version", "")
            alert_services.act(
                actor=request.user,
                alert_id=pk,
                action=action,
                note=request.POST.get("note", ""),
                expected_version=int(version) if version.isdigit() else None,
            )
        except DomainError as exc:
            reasons = "; ".join(str(p.reason) for p in exc.invalid_params)
            messages.error(request, f"{exc.detail} {reasons}".strip())
        else:
            messages.success(request, _("Đã ghi nhận."))
        return redirect("steering:alert", pk=pk)
    return render(
        request,
        "steering/alert.html",
        {"a": item, "steps": selectors.alert_steps(request.user, item), "history": audit_of(item)},
    )


def audit_of(item: object) -> list[object]:
    """The alert's steps as the audit chain holds them, oldest first."""
    from lienthong.core.selectors import audit_entries

    return audit_entries("alert", getattr(item, "pk", ""))
