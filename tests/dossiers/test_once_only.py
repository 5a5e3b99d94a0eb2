"""Once-only, counted: each filing adds the papers its applicant did not give (registry
data, a result reused from the store, the declaration on the electronic form) to its
procedure's cell; the steering dashboard shows the tallies of the provinces it watches;
a rebuild from history gives the same numbers."""

from __future__ import annotations

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.catalog.models import ProcedureVersion
from lienthong.core.outbox import dispatch
from lienthong.dossiers import onceonly
from lienthong.dossiers.models import OnceOnlyTally
from tests.dossiers.test_declarations import DEATH, MARRIAGE, _filed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _drain():
    while dispatch():
        pass


def _cells():
    return {
        (t.procedure_code, t.province_id, t.month): (
            t.dossiers,
            t.from_registry,
            t.from_store,
            t.on_form,
        )
        for t in OnceOnlyTally.objects.all()
    }


def test_each_filing_counts_the_papers_not_asked_for_and_a_rebuild_agrees(client, family):
    death = ProcedureVersion.objects.get(procedure__code="1.000656", status="published")
    from_registries = sum(1 for c in death.components.all() if c.data_registry)
    first = _filed(family, "1.000656", DEATH)
    _filed(family, "1.000656", {**DEATH, "ho_ten": "Nguyễn Văn Cường"})
    _filed(family, "1.000894", MARRIAGE)
    assert not OnceOnlyTally.objects.exists()  # counted by the worker, not the filing
    _drain()
    counted = _cells()
    month = first.submitted_at.date().replace(day=1)
    province = first.province_id
    assert counted[("1.000656", province, month)] == (2, 2 * from_registries, 0, 2)
    assert counted[("1.000894", province, month)][0] == 1
    assert counted[("1.000894", province, month)][3] == 1  # declared on the form
    # Recomputed from history: the same numbers.
    assert onceonly.rebuild() == 2
    assert _cells() == counted

    # The province's steering viewer sees them; another province's does not.
    watcher = UserFactory(official=True)
    RoleAssignment.objects.create(user=watcher, agency=family.committee, role=Role.STEERING_VIEWER)
    client.force_login(watcher)
    page = " ".join(client.get("/dieu-hanh/").content.decode().split())
    assert "Giấy tờ người dân không phải nộp lại" in page
    assert death.name in page
    spared = 2 * from_registries + 2
    assert f'<td class="num"><strong>{spared}</strong></td>' in page
    other = UserFactory(official=True)
    elsewhere = (
        type(family.committee)
        .objects.filter(kind="people_committee")
        .exclude(province_id=family.committee.province_id)
        .first()
    )
    RoleAssignment.objects.create(user=other, agency=elsewhere, role=Role.STEERING_VIEWER)
    client.force_login(other)
    assert death.name not in client.get("/dieu-hanh/").content.decode()
