"""The index's pages: the nation with its 34 provinces ranked, a province with its
communes, a commune; the dossiers behind a figure (within the viewer's province, the
applicant never shown, the dossier opened only by those who may read it); the formulas;
Excel and PDF; the live stream; and a bad period refused with a message."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.core.outbox import dispatch
from lienthong.directory import selectors as directory
from lienthong.dossiers.services import act
from lienthong.steering import dashboards
from lienthong.steering.models import RollupMark
from tests.directory.conftest import ensure_directory_data
from tests.dossiers.conftest import at, file_online, main_path, pdf_text
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOME = "13786"
NOW = at(2026, 9, 7, 9, 0)
LATE = NOW + dt.timedelta(days=40)


@pytest.fixture(scope="module", autouse=True)
def reference_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()


def _viewer(agency):
    user = UserFactory(official=True, full_name="Lê Văn Điều")
    RoleAssignment.objects.create(user=user, agency=agency, role=Role.STEERING_VIEWER)
    return user


def _late_path(cast):
    """A dossier of Liên Minh received on 7/9/2026 and finished 40 days later: late."""
    d = file_online(cast, now=NOW)
    d = act(actor=cast.clerk_elsewhere, code=d.code, action="receive", now=NOW)
    for actor, action, kw in main_path(cast)[1:6]:
        d = act(actor=actor, code=d.code, action=action, now=LATE, **kw)
    while dispatch():
        pass
    return d


def test_a_province_viewer_drills_from_the_province_to_a_commune_to_the_late_dossiers(client, cast):
    d = _late_path(cast)
    client.force_login(_viewer(cast.home_committee))
    page = client.get("/dieu-hanh/chi-so/?ky=2026-09")  # opens on their province
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ninh Bình" in html
    assert "Xếp hạng các xã, phường" in html
    assert f"pham-vi=commune:{HOME}" in html
    # The province's departments are ranked beside its communes, each a page of its own.
    assert "Xếp hạng các sở, ban, ngành" in html
    department = re.search(r"pham-vi=(agency:[^&\"]+)&amp;ky=2026-09\">Sở Tư pháp", html)
    assert department is not None
    page = client.get(f"/dieu-hanh/chi-so/?pham-vi={department.group(1)}&ky=2026-09")
    assert page.status_code == 200
    assert "Sở Tư pháp" in page.content.decode()
    commune = client.get(f"/dieu-hanh/chi-so/?pham-vi=commune:{HOME}&ky=2026-09")
    assert commune.status_code == 200
    assert "Xã Liên Minh" in commune.content.decode()
    late = client.get(f"/dieu-hanh/chi-so/ho-so/?pham-vi=commune:{HOME}&ky=2026-09&co=late")
    assert late.status_code == 200
    listed = late.content.decode()
    assert d.code in listed
    assert "Nguyễn Văn An" not in listed  # the applicant is not shown
    assert f'href="/ho-so/{d.code}/"' not in listed  # nor the dossier opened
    on_time = client.get(f"/dieu-hanh/chi-so/ho-so/?pham-vi=commune:{HOME}&ky=2026-09&co=eid")
    assert on_time.status_code == 200
    # Another province, or the nation, is not theirs.
    assert client.get("/dieu-hanh/chi-so/?pham-vi=province:01").status_code == 403
    assert client.get("/dieu-hanh/chi-so/ho-so/?pham-vi=province:01&co=late").status_code == 403
    assert client.get("/dieu-hanh/chi-so/?pham-vi=nation").status_code == 403


def test_an_official_who_may_read_the_dossier_opens_it_from_the_list(client, cast):
    d = _late_path(cast)
    RoleAssignment.objects.create(
        user=cast.leader, agency=cast.home_committee, role=Role.STEERING_VIEWER
    )
    client.force_login(cast.leader)
    late = client.get(f"/dieu-hanh/chi-so/ho-so/?pham-vi=commune:{HOME}&ky=2026-09&co=late")
    assert f'href="/ho-so/{d.code}/"' in late.content.decode()


def test_the_reports_behind_group_5_are_listed_without_author_or_text(client, cast):
    from django.utils import timezone

    from lienthong.feedback import services as feedback

    d = _late_path(cast)
    report = feedback.submit(
        actor=cast.citizen,
        category="procedure",
        title="Chậm trả giấy khai sinh của con tôi",
        text="Hồ sơ khai sinh đã quá hẹn mà chưa có kết quả, đề nghị xem xét.",
        dossier_code=d.code,
    )
    while dispatch():
        pass
    month = timezone.localdate().strftime("%Y-%m")
    client.force_login(_viewer(cast.home_committee))
    page = client.get(f"/dieu-hanh/chi-so/?pham-vi=commune:{HOME}&ky={month}")
    assert f"pham-vi=commune:{HOME}&amp;ky={month}&amp;co=reports_on_time" in page.content.decode()
    listed = client.get(f"/dieu-hanh/chi-so/ho-so/?pham-vi=commune:{HOME}&ky={month}&co=reports")
    assert listed.status_code == 200
    html = listed.content.decode()
    assert report.code in html
    assert "1 phản ánh, kiến nghị" in html
    assert "Chậm trả giấy khai sinh" not in html  # not published: no title
    assert "quá hẹn mà chưa có kết quả" not in html  # never the text
    assert cast.citizen.full_name not in html  # nor the author
    assert f'href="/phan-anh/{report.code}/"' not in html  # a watcher does not open it
    # An official who may read the commune's reports opens it from the list.
    RoleAssignment.objects.create(
        user=cast.leader, agency=cast.home_committee, role=Role.STEERING_VIEWER
    )
    client.force_login(cast.leader)
    mine = client.get(f"/dieu-hanh/chi-so/ho-so/?pham-vi=commune:{HOME}&ky={month}&co=reports")
    assert f'href="/phan-anh/{report.code}/"' in mine.content.decode()


def test_the_nation_ranks_34_provinces_and_exports_to_excel_and_pdf(client, cast):
    _late_path(cast)
    client.force_login(_viewer(directory.get_agency("000.00.00.G22")))
    page = client.get("/dieu-hanh/chi-so/?pham-vi=nation&ky=2026-Q3")
    assert page.status_code == 200
    assert "Xếp hạng 34 tỉnh, thành phố" in page.content.decode()
    # The ministries and government agencies are ranked too.
    assert "Xếp hạng các bộ, cơ quan ngang bộ, cơ quan thuộc Chính phủ" in page.content.decode()
    assert "pham-vi=agency:000.00.00.G" in page.content.decode()
    xlsx = client.get("/dieu-hanh/chi-so/?pham-vi=nation&ky=2026-Q3&xuat=xlsx")
    assert xlsx["Content-Disposition"].endswith('chi-so-766-nation-2026-Q3.xlsx"')
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "2.1" in cells
    assert "Tỉnh Ninh Bình" in cells
    got = client.get("/dieu-hanh/chi-so/?pham-vi=nation&ky=2026-Q3&xuat=pdf")
    assert got["Content-Type"] == "application/pdf"
    text = pdf_text(got.content)
    assert "BÁO CÁO CHỈ SỐ PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP" in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text
    assert "Tỉnh Ninh Bình" in text


def test_formulas_and_a_bad_period(client, cast):
    client.force_login(_viewer(cast.home_committee))
    formulas = client.get("/dieu-hanh/chi-so/cong-thuc/")
    assert formulas.status_code == 200
    assert 'id="cong-thuc-5.4"' in formulas.content.decode()
    bad = client.get("/dieu-hanh/chi-so/?ky=2026-13")
    assert bad.status_code == 400
    assert "Kỳ «2026-13» không hợp lệ" in bad.content.decode()
    client.force_login(UserFactory(official=True))
    assert client.get("/dieu-hanh/chi-so/").status_code == 403


def test_the_live_stream_says_when_the_figures_change(client, cast, settings):
    settings.STEERING_LIVE_SECONDS = 2
    client.force_login(_viewer(cast.home_committee))
    RollupMark.objects.update_or_create(pk=1, defaults={"event_id": 5})
    response = client.get("/dieu-hanh/chi-so/su-kien/?tu=5")
    assert response["Content-Type"] == "text/event-stream"
    chunks = iter(response.streaming_content)
    assert next(chunks).startswith(b"retry:")
    assert next(chunks) == b": \n\n"  # nothing new yet
    RollupMark.objects.filter(pk=1).update(event_id=9)
    assert next(chunks) == b'event: change\ndata: {"revision": 9}\n\n'
    list(chunks)  # the stream ends by itself (the browser opens it again)
    # Its slot is given back: as many streams can be opened again.
    streams = [client.get("/dieu-hanh/chi-so/su-kien/") for _ in range(2)]
    assert all(s.status_code == 200 for s in streams)
    assert client.get("/dieu-hanh/chi-so/su-kien/").status_code == 204  # poll instead
    for s in streams:
        assert list(s.streaming_content)
    assert client.get("/dieu-hanh/chi-so/phien-ban/").content == b"9"
    assert dashboards.STREAM_SECONDS <= 60


def test_a_task_links_to_the_index_figure_that_measures_it(client, cast):
    from lienthong.steering.services import load_plan02

    load_plan02()
    client.force_login(_viewer(cast.home_committee))
    page = client.get("/dieu-hanh/ke-hoach-02/KH02-02/").content.decode()
    assert "/dieu-hanh/chi-so/#chi-so-2.1" in page
    assert "/dieu-hanh/chi-so/cong-thuc/#cong-thuc-2.1" in page
