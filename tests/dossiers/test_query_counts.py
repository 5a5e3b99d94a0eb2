"""How many statements the busiest paths send: a change that adds a read fails here.

Counted once the per-process memos are warm (the calendar, the procedure, the
routing), as in production. On PostgreSQL an online submission is one statement sent
through psycopg directly (``dossiers/intake.py``), which Django's log does not see: it
is counted at psycopg's cursor.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lienthong.dossiers import workflow
from tests.dossiers.conftest import at, file_online

NOW = at(2026, 11, 23, 9, 0)


def _file(cast):
    return file_online(cast, now=NOW)


@pytest.fixture
def raw_statements(monkeypatch):
    """Statements sent through psycopg's RawCursor (the PostgreSQL intake)."""
    sent: list[str] = []
    execute = psycopg.RawCursor.execute

    def counted(self, query, *args, **kwargs):
        sent.append(str(query)[:60])
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.RawCursor, "execute", counted)
    return sent


def test_an_online_submission(cast, raw_statements):
    _file(cast)  # warm the memos
    raw_statements.clear()
    with CaptureQueriesContext(connection) as queries:
        _file(cast)
    if connection.vendor == "postgresql":
        # The pending file name, then the one intake statement (in a savepoint here,
        # inside the test's transaction; alone in production).
        assert len(raw_statements) == 1
        assert len(queries) == 3, "\n".join(q["sql"][:150] for q in queries)
    else:
        # The pending file name; then in one transaction (two savepoints here, inside
        # the test's): day counter, dossier, file, history row, outbox event, audit
        # entry, the pending name forgotten.
        assert len(queries) == 12, "\n".join(q["sql"][:150] for q in queries)


def test_one_step(cast):
    d = _file(cast)
    workflow.perform(cast.clerk_elsewhere, d.code, "receive", now=NOW)  # warm the memos
    d = _file(cast)
    with CaptureQueriesContext(connection) as queries:
        workflow.perform(cast.clerk_elsewhere, d.code, "receive", now=NOW)
    # Read the dossier (the actor's roles are remembered for the request); then in one
    # transaction: update under the lock, history row, outbox event, audit entry.
    assert len(queries) == 7, "\n".join(q["sql"][:150] for q in queries)


@pytest.mark.parametrize(
    ("name", "count"),
    # A leader: their roles open four queues (assignment, approval, due soon, late);
    # asking for one they do not have opens the first with work (assignment).
    [("tiep-nhan", 9), ("phan-cong", 9), ("xu-ly", 9), ("phe-duyet", 9), ("qua-han", 9)],
)
def test_a_queue_page(cast, client, name, count):
    for _ in range(3):
        workflow.perform(cast.clerk_elsewhere, _file(cast).code, "receive", now=NOW)
    client.force_login(cast.leader)
    client.get("/can-bo/ho-so/", {"hang": name})  # warm the memos
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/can-bo/ho-so/", {"hang": name})
    assert response.status_code == 200
    # Session, user, the leader's roles, the counts of the four queues their roles open,
    # the header's unread notifications, one page of dossiers: the same however many
    # dossiers there are.
    assert len(queries) == count, "\n".join(q["sql"][:150] for q in queries)
