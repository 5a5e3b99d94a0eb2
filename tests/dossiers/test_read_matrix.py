"""Who reads which dossier: every page, file and list × every role × where the dossier is.

The expected answers are not written here: they come from ``READS`` and ``scope_of``
in ``lienthong.accounts.permissions``, the data ``lienthong access reads`` and
``lienthong access matrix`` print into docs/access.md (and a test there keeps the
document equal to them). What the cell words mean is ``REACH`` below: "cơ quan mình"
reaches the agency where the role is held, "cơ quan và cơ quan trực thuộc" also the
agencies directly under it, "tỉnh của cơ quan" its province, "toàn quốc" everything.

The places, around Xã Liên Minh (Ninh Bình), as in issue 13:

* ``own``: the People's Committee of Liên Minh, where the role is held;
* ``child``: Liên Minh's public administrative service centre (under the committee);
* ``sibling``: the service centre of Hiển Khánh, another commune of the province;
* ``far``: the People's Committee of Phường Hàm Rồng (Thanh Hóa), another province.

For each place two dossiers: one *received* there (decided by a commune of the same
province nobody here works for) and one *decided* there (received at that commune's
centre), so each table row is checked on the side of the dossier it names.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.accounts.permissions import READS, Read, Scope
from lienthong.catalog import search
from lienthong.catalog import selectors as catalog
from lienthong.catalog.records import parse_procedure
from lienthong.catalog.services import publish_seed
from lienthong.core.workcalendar import get_calendar
from lienthong.directory import selectors as directory
from lienthong.dossiers import documents
from lienthong.dossiers.constants import Status
from lienthong.dossiers.models import Dossier, DossierFile
from lienthong.dossiers.selectors import QUEUES
from lienthong.dossiers.services import submit
from lienthong.geo import selectors as geo
from lienthong.steering import rollup
from tests.catalog.conftest import KHAI_SINH
from tests.dossiers.conftest import ELSEWHERE, HOME, PDF, form
from tests.dossiers.test_documents import BIRTH
from tests.factories import UserFactory

#: A third commune of Ninh Bình (Xã Vụ Bản) and a second one of Thanh Hóa.
THIRD = "13741"
FAR = "14758"  # Phường Hàm Rồng, Thanh Hóa
FAR_OTHER = "14797"  # Phường Hạc Thành, Thanh Hóa

SCOPES = ("own", "child", "sibling", "far")

#: What each cell of the matrix reaches, as docs/access.md words it.
REACH: dict[Scope, frozenset[str]] = {
    Scope.NONE: frozenset(),
    Scope.OWN: frozenset({"own"}),
    Scope.OWN_AND_UNDER: frozenset({"own", "child"}),
    Scope.PROVINCE: frozenset({"own", "child", "sibling"}),
    Scope.COUNTRY: frozenset(SCOPES),
}

#: How a dossier gets into each queue (the step it lists); other rows need no step.
STEP: dict[str, dict[str, object]] = {
    "queue:tiep-nhan": {"status": Status.SUBMITTED},
    "queue:phan-cong": {"status": Status.RECEIVED},
    "queue:xu-ly": {"status": Status.ASSIGNED, "assignee": None},
    "queue:phe-duyet": {"status": Status.AWAITING_SIGNATURE},
    "queue:tra-ket-qua": {"status": Status.RESULT_ISSUED},
    "queue:qua-han": {"status": Status.RECEIVED, "due_at": "past"},
    "queue:sap-den-han": {"status": Status.RECEIVED, "due_at": "soon"},
    "steering-drill": {"status": Status.RECEIVED, "received_at": "now"},
}

#: Rows about one dossier: the URL of each, from the dossier's code and first file.
ONE = {
    "page": "/ho-so/{code}/",
    "file": "/ho-so/{code}/tep/{file}/",
    "receipt": "/ho-so/{code}/giay-tiep-nhan.pdf",
    "result": "/ho-so/{code}/ket-qua.pdf",
    "declaration": "/ho-so/{code}/to-khai.pdf",
    "form": "/ho-so/{code}/mau/6.pdf",
    "api-detail": "/api/v1/dossiers/{code}",
    "api-history": "/api/v1/dossiers/{code}/history",
    "draft": "/ho-so/{code}/du-thao-ket-qua.pdf",
}
#: What a row of one dossier needs of it (a draft exists only before the paper is issued).
STATE: dict[str, dict[str, object]] = {
    "draft": {"status": Status.AWAITING_SIGNATURE, "electronic_result": False},
}
#: Rows that list dossiers.
LISTS = {
    "mine": "/ho-so/",
    "api-list": "/api/v1/dossiers?limit=100",
    # The viewer's own scope (their province, or the nation), this year.
    "steering-drill": "/dieu-hanh/chi-so/ho-so/?co=dossiers&ky={year}",
    **{f"queue:{key}": f"/can-bo/ho-so/?hang={key}" for key in QUEUES},
}


def where(scope: str, side: str) -> dict[str, str]:
    """Where each agency of the dossier ``_dossier(scope, side)`` is, seen from ``own``:
    the named one at ``scope``, the other at a commune of the same province nobody here
    works for (reached like ``sibling`` in Ninh Bình, like ``far`` in Thanh Hóa)."""
    other = "far" if scope == "far" else "sibling"
    return (
        {"receiving": scope, "handling": other}
        if side == "receiving"
        else {
            "receiving": other,
            "handling": scope,
        }
    )


def predicted(row: Read, role: str | None, agencies: dict[str, str], relation: str) -> bool:
    """Whether the tables of docs/access.md show this dossier on this row.

    ``agencies``: where its receiving and handling agencies are (see :func:`where`);
    ``relation``: how the reader is related to it — ``applicant`` (it is for them),
    ``filer`` (they filed it for someone), or ``none``."""
    if relation == "applicant" and row.applicant in ("applicant", "filer"):
        return True
    if relation == "filer" and row.applicant == "filer":
        return True
    if role is None or row.perm is None:
        return False
    sides = ("receiving", "handling") if row.side == "either" else (row.side,)
    return any(agencies[s] in REACH[row.scope(role)] for s in sides)


def test_every_row_of_the_table_is_walked():
    assert {r.key for r in READS} == set(ONE) | set(LISTS)
    assert {r.key for r in READS if r.many} == set(LISTS)
    assert {r.key for r in READS if r.key.startswith("queue:")} | {"steering-drill"} == set(STEP)
    assert sorted(REACH) == sorted(Scope)


@pytest.fixture(autouse=True)
def cheap_documents(monkeypatch, settings, tmp_path):
    """The walk is about who gets a document, not about drawing it: PDFs are stubbed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    for name in ("receipt_pdf", "result_pdf", "form_pdf"):
        monkeypatch.setattr(documents, name, lambda *a, **k: PDF)


@dataclass
class Places:
    agencies: dict[str, object]  # scope -> agency
    elsewhere: dict[str, tuple[object, object]]  # scope -> (centre, committee) of nobody's
    units: dict[str, object]  # scope -> the commune the dossiers there are for


def _agency(unit: str, kind: str):
    return directory.agencies_of_unit(unit).get(kind=kind)


@pytest.fixture
def places(db) -> Places:
    own = _agency(HOME, "people_committee")
    child = _agency(HOME, "service_centre")
    assert child.parent_id == own.pk  # the centre is directly under the committee
    third = (_agency(THIRD, "service_centre"), _agency(THIRD, "people_committee"))
    far_other = (_agency(FAR_OTHER, "service_centre"), _agency(FAR_OTHER, "people_committee"))
    return Places(
        agencies={
            "own": own,
            "child": child,
            "sibling": _agency(ELSEWHERE, "service_centre"),
            "far": _agency(FAR, "people_committee"),
        },
        elsewhere={"own": third, "child": third, "sibling": third, "far": far_other},
        units={
            s: geo.current_unit(FAR_OTHER if s == "far" else THIRD, level="commune") for s in SCOPES
        },
    )


@pytest.fixture
def version(db):
    search.forget()
    publish_seed(parse_procedure(KHAI_SINH), decision_number="Dữ liệu kiểm thử")
    return catalog.get_procedure(KHAI_SINH["code"])


_codes = itertools.count(1)


def _dossier(version, places: Places, scope: str, side: str, applicant, submitted_by=None):
    """A dossier received (``side`` "receiving") or decided ("handling") at ``scope``,
    with one stored file and an electronic result."""
    centre, committee = places.elsewhere[scope]
    here = places.agencies[scope]
    receiving, handling = (here, committee) if side == "receiving" else (centre, here)
    unit = places.units[scope]
    now = timezone.now()
    d = Dossier.objects.create(
        code=f"T-{scope}-{side}-{next(_codes):05d}",
        tracking_key="KHOA1234",
        procedure_version=version,
        applicant=applicant,
        submitted_by=submitted_by or applicant,
        channel="online",
        status=Status.RECEIVED,
        competent_unit=unit,
        receiving_agency=receiving,
        handling_agency=handling,
        province=unit.province,
        submitted_at=now,
        received_at=now,
        due_at=now + dt.timedelta(days=60),
        electronic_result=True,
        form_data={"ho_ten": "Nguyễn Minh Khang", "gioi_tinh": "Nam"},
    )
    DossierFile.objects.create(
        dossier=d,
        component_name="Tờ khai đăng ký khai sinh",
        file=ContentFile(PDF, name="to-khai.pdf"),
        original_name="to-khai.pdf",
        content_type="application/pdf",
        size=len(PDF),
    )
    return d


def _put_in_step(dossiers: list[Dossier], key: str) -> None:
    step = dict(STEP.get(key, {}))
    now = timezone.now()
    if step.get("received_at") == "now":
        step["received_at"] = now
    if step.get("due_at") == "past":
        step["due_at"] = now - dt.timedelta(hours=1)
    elif step.get("due_at") == "soon":
        step["due_at"] = get_calendar().add_working_hours(now, 2)
    if step:
        Dossier.objects.filter(pk__in=[d.pk for d in dossiers]).update(**step)
    if key == "steering-drill":  # the index counts from its rollups
        rollup.rebuild()


def _listed(client, key: str) -> set[str]:
    response = client.get(LISTS[key].format(year=timezone.localdate().year))
    if key == "steering-drill" and response.status_code == 403:
        return set()  # no dashboard for this reader: nothing listed
    assert response.status_code == 200, key
    if key.startswith("api"):
        return {item["code"] for item in response.json()["items"]}
    return set(re.findall(r"T-[a-z]+-[a-z]+-\d{5}", response.content.decode()))


def _status(client, url: str) -> int:
    response = client.get(url)
    if response.streaming:  # a file download: reading it to the end closes the file
        b"".join(response.streaming_content)
    return int(response.status_code)


def walk(client, dossiers: dict[str, Dossier]) -> dict[tuple[str, str], bool]:
    """(row, dossier's name) -> shown, for every row of READS and each dossier."""
    got: dict[tuple[str, str], bool] = {}
    for row in READS:
        if row.many:
            _put_in_step(list(dossiers.values()), row.key)
            listed = _listed(client, row.key)
            for name, d in dossiers.items():
                got[row.key, name] = d.code in listed
            continue
        if row.key in STATE:
            Dossier.objects.filter(pk__in=[d.pk for d in dossiers.values()]).update(
                **STATE[row.key]
            )
        for name, d in dossiers.items():
            url = ONE[row.key].format(code=d.code, file=d.files.get().pk)
            status = _status(client, url)
            assert status in (200, 404), (row.key, name, status)
            got[row.key, name] = status == 200
    return got


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("role", list(Role))
def test_reads_and_lists_follow_the_matrix(client, places, version, role, scope):
    """9 roles × 4 places × 19 rows (9 pages of one dossier, 10 lists), each on a
    dossier received there and one decided there: 684 cells, 1,368 answers."""
    official = UserFactory(official=True)
    RoleAssignment.objects.create(user=official, agency=places.agencies["own"], role=role)
    citizen = UserFactory()
    dossiers = {
        side: _dossier(version, places, scope, side, citizen) for side in ("receiving", "handling")
    }
    client.force_login(official)
    expected = {
        (row.key, side): predicted(row, role, where(scope, side), "none")
        for row in READS
        for side in dossiers
    }
    assert walk(client, dossiers) == expected


@pytest.mark.parametrize("relation", ["applicant", "filer", "none"])
def test_the_applicant_and_whoever_filed_for_them_read_it_and_nobody_else(
    client, places, version, relation
):
    """A citizen's own dossier (at another commune, to be sure no role opens it)."""
    applicant, proxy, stranger = UserFactory(), UserFactory(), UserFactory()
    d = _dossier(version, places, "sibling", "receiving", applicant, submitted_by=proxy)
    reader = {"applicant": applicant, "filer": proxy, "none": stranger}[relation]
    client.force_login(reader)
    expected = {
        (row.key, "d"): predicted(row, None, where("sibling", "receiving"), relation)
        for row in READS
    }
    assert walk(client, {"d": d}) == expected


def test_a_superuser_reads_as_a_platform_administrator(client, places, version):
    citizen = UserFactory()
    dossiers = {s: _dossier(version, places, s, "handling", citizen) for s in SCOPES}
    client.force_login(UserFactory(admin=True))
    got = walk(client, dossiers)
    assert got == {
        (row.key, s): predicted(row, Role.PLATFORM_ADMIN, where(s, "handling"), "none")
        for row in READS
        for s in SCOPES
    }


# -- Issue 13, item 2: the leader of UBND xã Liên Minh read the whole province ----------


def test_a_communes_leader_does_not_read_a_dossier_filed_at_another_commune_for_a_third(
    client, cast
):
    """A citizen of Vụ Bản files at Hiển Khánh (boundary-free). The leader of Liên Minh's
    People's Committee holds ``dossier.view`` for Liên Minh only and ``steering.view``
    for Ninh Bình: the dossier, its file and receipt are "not found", and no list has
    it. The one-stop clerk of Hiển Khánh, who received it, reads all of it."""
    other = UserFactory(pin="037090009876", username="037090009876", full_name="Trần Thị Bình")
    d = submit(
        actor=other,
        procedure_code="1.001193",
        competent_unit_code=THIRD,
        receiving_unit_code=ELSEWHERE,
        uploads=form(),
        form_data=BIRTH,
    )
    ours = submit(  # a dossier Liên Minh decides: the leader's lists are not just empty
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    Dossier.objects.filter(pk__in=[d.pk, ours.pk]).update(electronic_result=True)
    assert d.handling_agency == _agency(THIRD, "people_committee")
    assert d.province == cast.home_committee.province
    upload = d.files.exclude(file="").get()
    urls = [u.format(code=d.code, file=upload.pk) for u in ONE.values()]

    client.force_login(cast.leader)
    for url in urls:
        assert _status(client, url) == 404, url
    problem = client.get(f"/api/v1/dossiers/{d.code}")
    assert problem["Content-Type"] == "application/problem+json"
    assert problem.json()["type"] == "urn:lienthong:problem:not-found"
    unknown = client.get("/api/v1/dossiers/KHONG-CO-HO-SO-NAY").json()
    assert problem.json()["title"] == unknown["title"]  # nothing tells it exists
    listed = client.get("/api/v1/dossiers").json()
    assert [item["code"] for item in listed["items"]] == [ours.code]
    assert listed["count"] == 1
    for key in QUEUES:
        assert d.code not in client.get("/can-bo/ho-so/", {"hang": key}).content.decode()
    assert d.code not in client.get("/ho-so/").content.decode()
    # Acting on it is "not found" too, not "forbidden".
    acted = client.post(
        f"/api/v1/dossiers/{d.code}/actions/receive", {}, content_type="application/json"
    )
    assert acted.status_code == 404
    # The province's steering dashboard still opens for the leader.
    assert client.get("/dieu-hanh/").status_code == 200

    client.force_login(cast.clerk_elsewhere)
    for key, url in zip(ONE, urls, strict=True):
        # The receiving clerk reads it all, but a draft paper is the handling agency's.
        assert _status(client, url) == (404 if key == "draft" else 200), url
    assert d.code in client.get("/can-bo/ho-so/", {"hang": "tiep-nhan"}).content.decode()


def test_a_steering_viewer_sees_the_dashboard_and_no_dossier(client, cast):
    """``steering.view`` of the province (or of the country) opens aggregates only."""
    d = submit(
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    province_viewer = UserFactory(official=True)
    RoleAssignment.objects.create(
        user=province_viewer, agency=cast.home_committee, role=Role.STEERING_VIEWER
    )
    central = directory.search_agencies().get(code="000.00.00.G22")
    national_viewer = UserFactory(official=True)
    RoleAssignment.objects.create(user=national_viewer, agency=central, role=Role.STEERING_VIEWER)
    for viewer in (province_viewer, national_viewer):
        client.force_login(viewer)
        assert client.get("/dieu-hanh/").status_code == 200
        assert client.get(f"/ho-so/{d.code}/").status_code == 404
        assert client.get(f"/api/v1/dossiers/{d.code}").status_code == 404
        assert client.get("/api/v1/dossiers").json()["count"] == 0
