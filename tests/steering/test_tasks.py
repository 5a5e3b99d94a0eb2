"""Plan 02's tasks: loaded from the plan's sources, imported from a spreadsheet (bad rows
named, the others saved), reported on by the lead agency through the workflow engine
(evidence required to report one done), reopened by the administrators only, and
flagged overdue, due soon or without a recent report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.core.errors import IllegalTransition, InvalidInput, PermissionDenied
from lienthong.directory import selectors as directory
from lienthong.steering import services
from lienthong.steering.models import Task, TaskReport
from lienthong.steering.selectors import task_rows
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n" + b"0" * 64


@pytest.fixture
def plan(db):
    from tests.directory.conftest import ensure_directory_data

    ensure_directory_data()
    services.load_plan02()
    return Task.objects.all()


def _leader_of(code: str):
    user = UserFactory(official=True)
    RoleAssignment.objects.create(user=user, agency=directory.get_agency(code), role=Role.LEADER)
    return user


def test_the_plans_tasks_load_once_from_their_sources(plan):
    assert plan.count() == 12
    task = Task.objects.get(code="KH02-06")
    assert task.lead.code == "000.00.00.G97"  # Văn phòng Trung ương Đảng
    assert {a.code for a in task.supporting.all()} >= {"000.00.00.G98"}
    assert task.deadline == dt.date(2025, 12, 31)
    assert "Mật" in task.output
    assert task.source
    again = services.load_plan02()
    assert "12 giữ nguyên" in again.summary


def test_an_import_names_each_bad_row_and_saves_the_others(plan):
    admin = UserFactory(admin=True)
    rows = [
        {
            "code": "KH02-90",
            "title": "Nhiệm vụ thử",
            "pillar": "Dữ liệu",
            "phase": "Đột phá",
            "lead": "000.00.00.G01",
            "supporting": "000.00.00.G22; 000.00.00.G15",
            "deadline": "15/12/2026",
            "indicator": "4.5",
        },
        {
            "code": "KH02-91",
            "title": "Không có cơ quan",
            "pillar": "data",
            "phase": "later",
            "lead": "999.99.99.X99",
            "deadline": "15/12/2026",
        },
        {
            "code": "KH02-92",
            "title": "Sai ngày",
            "pillar": "data",
            "phase": "later",
            "lead": "000.00.00.G01",
            "deadline": "31/02/2026",
        },
        {
            "code": "KH02-93",
            "title": "Sai chỉ số",
            "pillar": "data",
            "phase": "later",
            "lead": "000.00.00.G01",
            "deadline": "01/02/2026",
            "indicator": "9.9",
        },
    ]
    got = services.import_tasks(actor=admin, rows=rows)
    assert got.saved == ["KH02-90"]
    assert [n for n, _why in got.errors] == [3, 4, 5]
    assert "999.99.99.X99" in got.errors[0][1]
    assert Task.objects.get(code="KH02-90").supporting.count() == 2
    with pytest.raises(PermissionDenied):
        services.import_tasks(actor=_leader_of("000.00.00.G01"), rows=rows[:1])


def test_the_lead_agency_reports_and_only_it(plan):
    leader = _leader_of("000.00.00.G06")  # Bộ Khoa học và Công nghệ leads KH02-08
    task = services.act(
        actor=leader, code="KH02-08", action="report", progress=40, note="Đã có dự thảo"
    )
    assert (task.status, task.progress) == ("in_progress", 40)
    with pytest.raises(PermissionDenied):
        services.act(
            actor=_leader_of("000.00.00.G01"),
            code="KH02-08",
            action="report",
            progress=50,
            note="x",
        )
    with pytest.raises(InvalidInput) as no_evidence:
        services.act(actor=leader, code="KH02-08", action="complete", note="Đã ban hành")
    assert no_evidence.value.invalid_params[0].code == "evidence_required"
    done = services.act(
        actor=leader,
        code="KH02-08",
        action="complete",
        note="Đã ban hành Kiến trúc tổng thể",
        files=[services.Upload("Quyết định", SimpleUploadedFile("qd.pdf", PDF, "application/pdf"))],
    )
    assert (done.status, done.progress) == ("done", 100)
    last = TaskReport.objects.filter(task=done).first()
    assert last.action == "complete"
    with last.evidence.get().file.open("rb") as stored:
        assert stored.read() == PDF
    with pytest.raises(IllegalTransition):
        services.act(actor=leader, code="KH02-08", action="report", progress=10, note="x")
    with pytest.raises(PermissionDenied):
        services.act(actor=leader, code="KH02-08", action="reopen", note="nhầm")
    reopened = services.act(
        actor=UserFactory(admin=True), code="KH02-08", action="reopen", note="Chưa đủ sản phẩm"
    )
    assert (reopened.status, reopened.progress) == ("in_progress", 99)


def test_where_each_task_stands(plan):
    rows = {r.task.code: r for r in task_rows(today=dt.date(2025, 9, 20))}
    assert rows["KH02-07"].overdue  # due 15/9/2025, not done
    assert rows["KH02-10"].due_soon  # due 30/9/2025
    assert not rows["KH02-03"].overdue
    assert not rows["KH02-03"].due_soon
    assert rows["KH02-03"].stale  # never reported on


def _flat(response) -> str:
    return " ".join(response.content.decode().split())


def test_the_pages_of_the_plan(client, plan):
    import io

    from openpyxl import load_workbook

    citizen = UserFactory()
    client.force_login(citizen)
    assert client.get("/dieu-hanh/ke-hoach-02/").status_code == 403
    assert client.get("/dieu-hanh/ke-hoach-02/KH02-08/").status_code == 403
    leader = _leader_of("000.00.00.G06")
    client.force_login(leader)
    listed = _flat(client.get("/dieu-hanh/ke-hoach-02/", {"tru-cot": "institutions"}))
    assert "KH02-08" in listed
    assert "KH02-03" not in listed  # another pillar
    assert "Quá hạn" in listed  # 2025's deadlines have passed
    page = _flat(client.get("/dieu-hanh/ke-hoach-02/KH02-08/"))
    assert "Báo cáo tiến độ" in page
    sent = client.post(
        "/dieu-hanh/ke-hoach-02/KH02-08/buoc/report/",
        {
            "progress": "60",
            "note": "Đã trình dự thảo",
            "files": SimpleUploadedFile("bc.pdf", PDF, "application/pdf"),
        },
    )
    assert sent.status_code == 302
    report = TaskReport.objects.get()
    evidence = report.evidence.get()
    got = client.get(f"/dieu-hanh/ke-hoach-02/KH02-08/minh-chung/{evidence.pk}/")
    assert b"".join(got.streaming_content) == PDF
    bad = client.post(
        "/dieu-hanh/ke-hoach-02/KH02-08/buoc/report/", {"progress": "150", "note": "x"}
    )
    assert bad.status_code == 302
    assert "Tiến độ từ 0 đến 99" in _flat(client.get("/dieu-hanh/ke-hoach-02/KH02-08/"))
    assert TaskReport.objects.count() == 1  # nothing written
    xlsx = client.get("/dieu-hanh/ke-hoach-02/", {"xuat": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "Mã"
    assert len(rows) == 13


def test_an_administrator_imports_a_csv_and_sees_each_bad_row(client, plan):
    client.force_login(UserFactory(admin=True))
    text = (
        "Mã;Nhiệm vụ;Trụ cột;Giai đoạn;Cơ quan chủ trì (mã định danh);Cơ quan phối hợp (các "
        "mã định danh);Thời hạn (dd/mm/yyyy);Sản phẩm;Chỉ số đo;Nguồn\n"
        "KH02-50;Số hóa hồ sơ lưu trữ;Dữ liệu;Đột phá;000.00.00.G09;;31/12/2026;;;\n"
        "KH02-51;Sai;Dữ liệu;Đột phá;000.00.00.X99;;31/12/2026;;;\n"
    )
    response = client.post(
        "/dieu-hanh/ke-hoach-02/nhap/",
        {"file": SimpleUploadedFile("nv.csv", text.encode("utf-8-sig"), "text/csv")},
    )
    page = _flat(response)
    assert "Đã lưu 1 nhiệm vụ" in page
    assert "Dòng 3:" in page
    assert Task.objects.filter(code="KH02-50").exists()
    refused = client.post(
        "/dieu-hanh/ke-hoach-02/nhap/",
        {"file": SimpleUploadedFile("nv.txt", b"x", "text/plain")},
    )
    assert refused.status_code == 422
