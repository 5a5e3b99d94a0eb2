"""Benchmark of the shared kernel on the configured database.

Measures: working-day arithmetic (deadline computations per second), audit
appends per second and chain verification (entries per second), outbox
emit + dispatch (events per second). Prints human lines, then one JSON line.

    .venv/bin/python bench/foundation.py            # SQLite file in a temp dir
    # on PostgreSQL, against an empty scratch database:
    DATABASE_URL=postgres://…/scratch_db .venv/bin/python bench/foundation.py
"""

from __future__ import annotations

import json
import resource
import time
from datetime import date, timedelta

from _setup import django_on_scratch_database

N_CALENDAR = 20_000
N_AUDIT = 2_000
N_EVENTS = 2_000


def main() -> None:
    django_on_scratch_database()
    from django.db import connection, transaction

    from lienthong.core import audit, outbox
    from lienthong.core.workcalendar import get_calendar

    cal = get_calendar()
    start = date(2025, 1, 1)
    t0 = time.perf_counter()
    for i in range(N_CALENDAR):
        cal.add_working_days(start + timedelta(days=i % 700), 5 + i % 40)
    calendar_per_s = N_CALENDAR / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    for i in range(N_AUDIT):
        audit.record(
            "bench.action", actor="system:bench", object_type="x", object_id=i, data={"i": i}
        )
    audit_per_s = N_AUDIT / (time.perf_counter() - t0)

    t0 = time.perf_counter()
    result = audit.verify()
    verify_per_s = result.checked / (time.perf_counter() - t0)
    assert result.ok

    handled: list[int] = []

    @outbox.consumer("bench.consumer", topics=["bench."])
    def _consume(event: object) -> None:
        handled.append(1)

    t0 = time.perf_counter()
    for start_i in range(0, N_EVENTS, 100):
        with transaction.atomic():
            for i in range(start_i, start_i + 100):
                outbox.emit("bench.created", aggregate_type="x", aggregate_id=i, payload={"i": i})
    while outbox.dispatch(limit=500):
        pass
    events_per_s = N_EVENTS / (time.perf_counter() - t0)
    assert len(handled) == N_EVENTS

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "backend": connection.vendor,
        "calendar_deadlines_per_s": round(calendar_per_s),
        "audit_appends_per_s": round(audit_per_s),
        "audit_verify_entries_per_s": round(verify_per_s),
        "outbox_events_per_s": round(events_per_s),
        "peak_mb": round(peak_mb, 1),
    }
    print(f"calendar: {out['calendar_deadlines_per_s']} deadlines/s")
    print(
        f"audit: {out['audit_appends_per_s']} appends/s, "
        f"verify {out['audit_verify_entries_per_s']} entries/s"
    )
    print(f"outbox: {out['outbox_events_per_s']} events/s (emit + dispatch)")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
