"""Early warnings fire and clear on the right conditions (an overdue task, a task due
soon without a recent report, a low on-time rate, a commune with many overdue dossiers,
an index drop, a registry's falling quality); the responsible leaders are told once,
and a daily digest goes out once a day; people acknowledge and resolve through the
engine; a resolved alert does not come back while its condition lasts; nobody sees
another province's alerts; the rules are checked when loaded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.core.errors import InvalidInput, NotFound
from lienthong.core.outbox import dispatch
from lienthong.directory import selectors as directory
from lienthong.steering import alerts, rollup, services
from lienthong.steering.constants import AlertStatus
from lienthong.steering.models import Alert, Task
from tests.directory.conftest import ensure_directory_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = "13786"
PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture(scope="module", autouse=True)
def reference_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()


def _drain() -> None:
    while dispatch():
        pass


def _person(agency, role, email="") -> object:
    user = UserFactory(official=True, email=email or f"{role}-{agency.pk}@example.vn")
    RoleAssignment.objects.create(user=user, agency=agency, role=role)
    return user


def _committee(unit: str):
    return directory.agencies_of_unit(unit).get(kind="people_committee")


def _month(back: int = 0) -> dt.date:
    first = timezone.localdate().replace(day=1)
    for _i in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first


def _cell(agency, month, **counts) -> Callable[..., None]:
    """Counts added to an agency's cell (and its province's and the nation's) as the
    rollups add them; a function that changes them later by a difference."""

    def change(**deltas: int) -> None:
        rollup.add_to_cells({(month, agency.pk, "1.001193", ""): deltas})

    change(**counts)
    return change


def _open(rule: str, subject: str) -> Alert | None:
    return Alert.objects.filter(rule=rule, subject=subject, cleared_at__isnull=True).first()


def test_an_overdue_task_is_red_its_leaders_are_told_and_done_clears_it(mailoutbox):
    services.load_plan02()
    task = Task.objects.get(code="KH02-06")
    leader = _person(task.lead, Role.LEADER, "lanhdao@vptw.example.vn")
    alerts.evaluate()
    alert = _open("task_overdue", "task:KH02-06")
    assert alert is not None
    assert alert.level == "danger"
    assert "quá hạn" in alert.title
    _drain()
    told = [m for m in mailoutbox if "lanhdao@vptw.example.vn" in m.to]
    assert len(told) == 1
    assert "KH02-06" in told[0].subject
    _drain()
    assert len([m for m in mailoutbox if "lanhdao@vptw.example.vn" in m.to]) == 1  # once
    # The lead agency reports it done: the warning ends as the event arrives.
    services.act(
        actor=leader,
        code="KH02-06",
        action="complete",
        note="Đã liên thông văn bản với Mặt trận",
        files=[services.Upload("Minh chứng", SimpleUploadedFile("bb.pdf", PDF, "application/pdf"))],
    )
    _drain()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLEARED
    assert alert.cleared_at is not None


def test_a_task_due_soon_without_a_recent_report_warns_until_it_is_reported():
    services.load_plan02()
    task = Task.objects.get(code="KH02-06")
    Task.objects.filter(pk=task.pk).update(
        deadline=timezone.localdate() + dt.timedelta(days=10), last_report_at=None
    )
    leader = _person(task.lead, Role.LEADER)
    alerts.evaluate()
    assert _open("task_due_soon", "task:KH02-06").level == "warning"
    services.act(actor=leader, code="KH02-06", action="report", note="Đang làm", progress=60)
    _drain()
    assert _open("task_due_soon", "task:KH02-06") is None


def test_a_commune_with_many_overdue_dossiers_and_a_low_on_time_rate():
    home = _committee(HOME)
    cell = _cell(home, _month(), dossiers=30, late=10, overdue_open=6)
    alerts.evaluate()
    many = _open("commune_overdue", f"commune:{HOME}")
    assert many.level == "danger"
    assert many.value == "6"
    assert _open("on_time_low", f"commune:{HOME}").value == "66.67 %"
    assert _open("on_time_low", "province:37") is not None  # the province's rate too
    cell(late=-9, overdue_open=-5)
    alerts.evaluate(communes=[home.unit_id])  # as a dossier event of the commune does
    many.refresh_from_db()
    assert many.status == AlertStatus.CLEARED
    assert _open("on_time_low", f"commune:{HOME}") is None
    assert _open("on_time_low", "province:37") is not None  # only the commune was evaluated


def test_an_index_drop_between_the_last_two_months_warns_the_province():
    home = _committee(HOME)
    _cell(home, _month(2), dossiers=100, late=0, online=100, eid=100)
    _cell(home, _month(1), dossiers=100, late=60, online=10, eid=10)
    alerts.evaluate()
    drop = _open("index_drop", "province:37")
    assert drop is not None
    assert drop.value.startswith("-")


def test_people_acknowledge_and_resolve_and_a_resolved_alert_waits_for_its_condition_to_end():
    home = _committee(HOME)
    cell = _cell(home, _month(), dossiers=30, late=0, overdue_open=9)
    viewer = _person(home, Role.STEERING_VIEWER)
    alerts.evaluate()
    alert = _open("commune_overdue", f"commune:{HOME}")
    alerts.act(actor=viewer, alert_id=alert.pk, action="acknowledge")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by == viewer
    with pytest.raises(InvalidInput):
        alerts.act(actor=viewer, alert_id=alert.pk, action="resolve", note="")
    alerts.act(actor=viewer, alert_id=alert.pk, action="resolve", note="Đã đôn đốc xử lý")
    alerts.evaluate()  # still 9 overdue: no new alert while the episode lasts
    assert Alert.objects.filter(rule="commune_overdue").count() == 1
    cell(overdue_open=-9)
    alerts.evaluate()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.cleared_at is not None
    cell(overdue_open=+7)
    alerts.evaluate()
    assert Alert.objects.filter(rule="commune_overdue").count() == 2  # a new episode


def test_another_provinces_viewer_neither_sees_nor_acts_on_an_alert(client):
    home = _committee(HOME)
    _cell(home, _month(), dossiers=30, late=0, overdue_open=9)
    alerts.evaluate()
    alert = _open("commune_overdue", f"commune:{HOME}")
    stranger = _person(directory.get_agency("000.00.01.H26"), Role.STEERING_VIEWER)
    with pytest.raises(NotFound):
        alerts.act(actor=stranger, alert_id=alert.pk, action="acknowledge")
    client.force_login(stranger)
    assert client.get(f"/dieu-hanh/canh-bao/{alert.pk}/").status_code == 404
    assert str(alert.pk) not in str(client.get("/api/v1/steering/alerts").json())
    viewer = _person(home, Role.STEERING_VIEWER)
    client.force_login(viewer)
    page = client.get("/dieu-hanh/canh-bao/")
    assert alert.title in page.content.decode()
    assert (
        client.post(
            f"/dieu-hanh/canh-bao/{alert.pk}/", {"action": "acknowledge", "note": "Đã nhận"}
        ).status_code
        == 302
    )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    got = client.get("/api/v1/steering/alerts").json()
    assert got[0]["rule"] == "commune_overdue"
    assert got[0]["status"] == "acknowledged"


def test_the_daily_digest_goes_once_a_day_from_seven(mailoutbox):
    home = _committee(HOME)
    _person(home, Role.LEADER, "chutich@lienminh.example.vn")
    _cell(home, _month(), dossiers=30, late=0, overdue_open=9)
    alerts.evaluate()
    mailoutbox.clear()
    day = timezone.localtime().replace(hour=6, minute=30)
    assert alerts.send_digests(day) == 0  # before 7:00
    morning = day.replace(hour=8)
    assert alerts.send_digests(morning) >= 1
    digest = [m for m in mailoutbox if "chutich@lienminh.example.vn" in m.to]
    assert len(digest) == 1
    assert "hồ sơ quá hạn" in digest[0].body
    assert alerts.send_digests(morning.replace(hour=15)) == 0


def test_the_rules_are_checked_when_loaded():
    with pytest.raises(ValueError, match=r"commune_overdue\.more_than"):
        alerts.load({"rules": [{"code": "commune_overdue", "level": "danger", "months": 3}]})
    with pytest.raises(ValueError, match="unknown"):
        alerts.load({"rules": [{"code": "weather", "level": "danger"}]})
    assert set(alerts.rules()) == {
        "task_overdue",
        "task_due_soon",
        "on_time_low",
        "commune_overdue",
        "index_drop",
        "registry_quality",
    }
