"""Dossier lists, filters, queues and the overdue sweep at a nation's volume (PostgreSQL).

Generates ``--dossiers`` dossiers (default 5,000,000) with ``lienthong seed --dossiers``'s
generator on a scratch database (saying how long), then measures, for three readers —
national (a platform administrator), provincial (an official holding the clerk's role at
every commune service centre of the busiest province) and a commune clerk (the busiest
commune's centre) — through the API in process (``django.test.Client``, the whole request):

* ``GET /api/v1/dossiers`` at the first page, at page 1,000 and at the last page (the
  cursors taken once from the database, as a client walking there would hold them);
* each documented filter: ``status``, ``overdue``, ``agency``;
* the officials' queue pages (``/can-bo/ho-so/?hang=…``, HTML): the first, and the
  eleventh by its link («Trang sau»);

and last one sweep of 100,000 late dossiers (``services.mark_overdue``). Ends with one JSON
line: ``dossiers``, ``generate_s``, ``list_p95_ms``, ``deep_page_p95_ms``,
``filter_p95_ms``, ``queue_p95_ms``, ``sweep_per_s`` (and the figures per reader).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/dossier_lists.py [--dossiers 200000] [--repeat 20]

The database named in DATABASE_URL is only used to create ``lienthong_bench_lists``;
``--reuse`` measures that database again as an earlier run left it (``generate_s``: null).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from typing import Any

from _setup import pct, recreate_database

DATABASE = "lienthong_bench_lists"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dossiers", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--sweep", type=int, default=100_000)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database an earlier run generated, without generating again",
    )
    args = parser.parse_args()
    admin_url = os.environ.get("DATABASE_URL", "")
    if not admin_url.startswith("postgres"):
        sys.exit("bench/dossier_lists.py measures PostgreSQL: set DATABASE_URL")
    os.environ["DATABASE_URL"] = (
        admin_url.rsplit("/", 1)[0] + "/" + DATABASE
        if args.reuse
        else recreate_database(admin_url, DATABASE)
    )
    os.environ.setdefault("LIENTHONG_VAR_DIR", tempfile.mkdtemp(prefix="lienthong-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    os.environ.setdefault("DB_POOL_MAX_SIZE", "0")
    from lienthong.core import instance

    instance.initialise(os.environ)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment, User
    from lienthong.core.paging import cursor
    from lienthong.directory.models import Agency
    from lienthong.dossiers import selectors
    from lienthong.dossiers.generator import generate
    from lienthong.dossiers.models import Dossier
    from lienthong.dossiers.services import mark_overdue

    call_command("migrate", verbosity=0)
    generate_s: float | None = None
    if args.reuse:
        args.dossiers = Dossier.objects.count()
        User.objects.filter(username__startswith="bench-").delete()
    else:
        call_command("load_reference_data", verbosity=0)
        t0 = time.perf_counter()
        generate(args.dossiers)
        generate_s = time.perf_counter() - t0
        print(f"generated {args.dossiers:,} dossiers in {generate_s:.0f} s", flush=True)

    national = User.objects.create_superuser("bench-admin", password=None)
    busiest_province = (
        Dossier.objects.values("province").annotate(n=Count("id")).order_by("-n")[0]["province"]
    )
    centres = list(
        Agency.objects.filter(
            kind="service_centre", level="commune", province_id=busiest_province
        ).values_list("pk", flat=True)
    )
    provincial = User.objects.create_user("bench-province", password=None, kind="official")
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=provincial, agency_id=a, role=Role.CLERK) for a in centres
    )
    busiest_centre = (
        Dossier.objects.values("receiving_agency")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["receiving_agency"]
    )
    clerk = User.objects.create_user("bench-clerk", password=None, kind="official")
    RoleAssignment.objects.create(user=clerk, agency_id=busiest_centre, role=Role.CLERK)
    centre_code = Agency.objects.get(pk=busiest_centre).code
    readers = {"national": national, "provincial": provincial, "commune": clerk}

    def position(user: User, index: int) -> str | None:
        """The cursor after the row at ``index`` of the user's list (None: no such row)."""
        qs = selectors.dossiers_visible_to(user).order_by("-submitted_at", "-id")
        row = qs.values_list("submitted_at", "id")[index : index + 1]
        found = list(row)
        return cursor(found[0]) if found else None

    def timed(client: Client, path: str, params: dict[str, Any]) -> list[float]:
        client.get(path, params)  # warm: the session, the grants, the plan
        out = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            response = client.get(path, params)
            out.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (path, params, response.status_code)
        return out

    figures: dict[str, dict[str, float]] = {}
    lists: list[float] = []
    deep: list[float] = []
    filters: list[float] = []
    queues: list[float] = []
    for name, user in readers.items():
        client = Client()
        client.force_login(user)
        total = client.get("/api/v1/dossiers", {"limit": 1}).json()["count"]
        mine: dict[str, float] = {"count": total}
        first = timed(client, "/api/v1/dossiers", {})
        lists += first
        mine["first_page_p95_ms"] = pct(first, 95)
        for label, index in (("page_1000", 19_999), ("last_page", None)):
            count = selectors.dossiers_visible_to(user).count()
            at = index if index is not None else max(count - 21, 0)
            token = position(user, at) if at < count else None
            if token is None:
                continue
            ms = timed(client, "/api/v1/dossiers", {"cursor": token})
            deep += ms
            mine[f"{label}_p95_ms"] = pct(ms, 95)
        for label, params in (
            ("status", {"status": "in_review"}),
            ("overdue", {"overdue": "true"}),
            ("agency", {"agency": centre_code}),
        ):
            ms = timed(client, "/api/v1/dossiers", params)
            filters += ms
            mine[f"filter_{label}_p95_ms"] = pct(ms, 95)
        if user is not national:
            for queue in ("tiep-nhan", "qua-han"):
                ms = timed(client, "/can-bo/ho-so/", {"hang": queue})
                queues += ms
                mine[f"queue_{queue}_p95_ms"] = pct(ms, 95)
                # The page after the tenth, as an official following «Trang sau» would.
                after = None
                for _ in range(10):
                    after = selectors.queue_page(user, queue, after=after).after
                    if after is None:
                        break
                if after is not None:
                    ms = timed(client, "/can-bo/ho-so/", {"hang": queue, "sau": cursor(after)})
                    queues += ms
                    mine[f"queue_{queue}_page_11_p95_ms"] = pct(ms, 95)
        figures[name] = {k: round(v, 1) for k, v in mine.items()}
        print(name, figures[name], flush=True)

    # The sweep: the first --sweep open dossiers made late and unflagged, the rest not due.
    now = timezone.now()
    open_ = Dossier.objects.filter(finished_at__isnull=True).exclude(
        status__in=["returned", "withdrawn", "refused_at_intake", "cancelled"]
    )
    late = min(args.sweep, open_.count())
    edge = open_.order_by("pk").values_list("pk", flat=True)[late - 1]
    # Only dossiers without a finish are the sweep's: the finished keep their dates.
    unfinished = Dossier.objects.filter(finished_at__isnull=True)
    unfinished.filter(overdue=True).update(overdue=False)
    unfinished.filter(due_at__lt=now).update(due_at=now + dt.timedelta(days=30))
    open_.filter(pk__lte=edge).update(due_at=now - dt.timedelta(days=1), paused_at=None)
    with connection.cursor() as c:
        c.execute("ANALYZE dossiers_dossier")
    t0 = time.perf_counter()
    flagged = mark_overdue(now=now)
    sweep_s = time.perf_counter() - t0
    print(f"sweep: {flagged:,} flagged in {sweep_s:.1f} s", flush=True)
    print(
        json.dumps(
            {
                "dossiers": args.dossiers,
                "generate_s": round(generate_s) if generate_s is not None else None,
                "list_p95_ms": round(pct(lists, 95), 1),
                "deep_page_p95_ms": round(pct(deep, 95), 1),
                "filter_p95_ms": round(pct(filters, 95), 1),
                "queue_p95_ms": round(pct(queues, 95), 1),
                "sweep_per_s": round(flagged / sweep_s),
                "readers": figures,
            }
        )
    )


if __name__ == "__main__":
    main()
