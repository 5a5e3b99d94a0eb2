"""The gateway's hot path: how many statements a logged lookup costs (the benchmark's
figures rest on it), and that the SQL read gives what the ORM gives."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lienthong.registries import gateway
from lienthong.registries.fastpath import record_by_key
from lienthong.registries.models import Record
from tests.registries.conftest import CITIZEN

pytestmark = pytest.mark.django_db


def test_the_sql_read_gives_the_record_as_stored(world):
    stored = Record.objects.get(registry=world.population, key=CITIZEN)
    key, subject, version, valid_from, data, group = record_by_key(world.population.pk, CITIZEN)
    assert (key, subject, version, valid_from, data, group) == (
        stored.key,
        stored.subject,
        stored.version,
        stored.valid_from,
        stored.data,
        stored.group,
    )
    assert record_by_key(world.population.pk, "001099999999") is None


def test_a_logged_lookup_costs_a_fixed_number_of_statements(world, grant):
    grant()
    caller = gateway.Caller(world.consumer, world.clerk)
    gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")  # memos warm
    with CaptureQueriesContext(connection) as queries:
        gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    # The grant's rate, the record, the log row (the official's roles were read once for
    # the request, the registry and its grants are remembered); and the transaction's own.
    reads_and_writes = [s for s in statements if s in ("SELECT", "UPDATE", "INSERT")]
    assert reads_and_writes == ["UPDATE", "SELECT", "INSERT"], statements
