"""The plans PostgreSQL chooses for the dossier lists, queues and sweep at volume.

200,000 generated dossiers (``lienthong seed --dossiers``' generator, statistics fresh
as it leaves them), then every statement a list, a filter, a queue page, a tab count
and the overdue sweep send is run under ``EXPLAIN ANALYZE``: none may read the whole
dossier table (a sequential scan of it, past what a capped count stops at) or sort
on disk. A plan that is fine at a
hundred rows and not at a province's volume fails here, before it reaches one. The
timings are measured by ``bench/dossier_lists.py``; this asserts the shapes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment, User
from lienthong.directory.models import Agency
from lienthong.dossiers import selectors
from lienthong.dossiers.constants import CLOSED
from lienthong.dossiers.generator import generate
from lienthong.dossiers.models import Dossier
from lienthong.dossiers.services import mark_overdue

#: Dossiers generated (``LIENTHONG_SCALE_DOSSIERS`` overrides, for a quicker local run;
#: below about 100,000 the planner rightly reads so small a table whole, and this fails).
VOLUME = int(os.environ.get("LIENTHONG_SCALE_DOSSIERS", "200000"))
TABLE = Dossier._meta.db_table


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _faults(sql: str) -> list[str]:
    """What is wrong with the plan of ``sql``, run (in the test's transaction)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}")
        row = cursor.fetchone()[0]
    plan = (json.loads(row) if isinstance(row, str) else row)[0]["Plan"]
    faults = []
    for node in _nodes(plan):
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == TABLE:
            read = node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
            # A capped count may stop a scan early, as soon as an index would; one that
            # reads on past that reads the table.
            if read > 2 * selectors.COUNT_EXACT_UP_TO:
                faults.append(f"scans {read} rows of {TABLE} in order")
        if node.get("Sort Space Type") == "Disk":
            faults.append(f"sorts on disk ({node.get('Sort Space Used')} kB)")
    return faults


def _check(label: str, call: Callable[[], object]) -> list[str]:
    """Run ``call``; the faults of the plans of the dossier statements it sent."""
    with CaptureQueriesContext(connection) as queries:
        call()
    out = []
    for query in queries.captured_queries:
        sql = query["sql"]
        if TABLE not in sql or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            continue
        out += [f"{label}: {fault}\n    {sql[:300]}" for fault in _faults(sql)]
    return out


@pytest.fixture
def volume(cast: Any) -> dict[str, User]:
    if connection.vendor != "postgresql":
        pytest.skip("the plans asserted are PostgreSQL's")
    generate(VOLUME, seed=23)
    busiest_province = (
        Dossier.objects.values("province").annotate(n=Count("id")).order_by("-n")[0]["province"]
    )
    centres = Agency.objects.filter(
        kind="service_centre", level="commune", province_id=busiest_province
    ).values_list("pk", flat=True)
    provincial = User.objects.create_user("scale-province", password=None, kind="official")
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=provincial, agency_id=a, role=Role.CLERK) for a in centres
    )
    busiest_centre = (
        Dossier.objects.values("receiving_agency")
        .annotate(n=Count("id"))
        .order_by("-n")[0]["receiving_agency"]
    )
    clerk = User.objects.create_user("scale-clerk", password=None, kind="official")
    RoleAssignment.objects.create(user=clerk, agency_id=busiest_centre, role=Role.CLERK)
    leader = User.objects.create_user("scale-leader", password=None, kind="official")
    committee = Dossier.objects.filter(receiving_agency_id=busiest_centre).values_list(
        "handling_agency_id", flat=True
    )[0]
    RoleAssignment.objects.create(user=leader, agency_id=committee, role=Role.LEADER)
    national = User.objects.create_superuser("scale-admin", password=None)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    return {"national": national, "provincial": provincial, "commune": clerk, "leader": leader}


def test_no_list_queue_or_sweep_reads_every_dossier_or_sorts_on_disk(volume):
    faults: list[str] = []
    agency = RoleAssignment.objects.get(user=volume["commune"]).agency.code
    for name, user in volume.items():
        first = selectors.dossier_page(user)
        faults += _check(f"{name}: first page", lambda u=user: selectors.dossier_page(u))
        if first.after is not None:
            deep = Dossier.objects.order_by("submitted_at", "id").values_list("submitted_at", "id")[
                VOLUME // 10
            ]
            faults += _check(
                f"{name}: a deep page",
                lambda u=user, at=deep: selectors.dossier_page(u, after=at),
            )
        for label, kwargs in (
            ("status", {"status": "in_review"}),
            ("overdue", {"overdue": True}),
            ("not overdue", {"overdue": False}),
            ("agency", {"agency_code": agency}),
        ):
            faults += _check(
                f"{name}: filter {label}",
                lambda u=user, k=kwargs: selectors.dossier_page(u, **k),
            )
        faults += _check(f"{name}: queue tabs", lambda u=user: selectors.queue_counts(u))
        for queue in selectors.queue_counts(user):
            page = selectors.queue_page(user, queue)
            faults += _check(
                f"{name}: queue {queue}", lambda u=user, q=queue: selectors.queue_page(u, q)
            )
            if page.after is not None:
                faults += _check(
                    f"{name}: queue {queue}, next page",
                    lambda u=user, q=queue, a=page.after: selectors.queue_page(u, q, after=a),
                )
        faults += _check(f"{name}: own dossiers", lambda u=user: selectors.own_dossiers(u))
    # The sweep: 20,000 open dossiers made late (their flags cleared) and flagged.
    now = timezone.now()
    open_ = Dossier.objects.filter(finished_at__isnull=True, paused_at__isnull=True).exclude(
        status__in=CLOSED
    )
    late = list(open_.order_by("id").values_list("id", flat=True)[:20_000])
    Dossier.objects.filter(overdue=True).update(overdue=False)
    Dossier.objects.filter(pk__in=late).update(due_at=now - dt.timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    flagged: list[int] = []
    faults += _check("sweep", lambda: flagged.append(mark_overdue(now=now)))
    assert flagged == [len(late)]
    assert not faults, "\n".join(faults)
