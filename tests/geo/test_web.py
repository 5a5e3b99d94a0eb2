"""The pages under /dia-gioi/: look up units, convert one address, convert a spreadsheet."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import strip_tags
from django_tasks_db.models import DBTaskResult

from lienthong.geo.models import ConversionJob, JobStatus
from lienthong.geo.services import run_conversion_job
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DAI_THANG = "Thôn Nhất, xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định"
UPLOAD = "/dia-gioi/chuyen-doi-tep/"


def _text(markup: str) -> str:
    """What a person reads: no tags, entities decoded, runs of whitespace as one space."""
    return re.sub(r"\s+", " ", html.unescape(strip_tags(markup))).strip()


def _items(markup: str) -> list[str]:
    """The items of the page's own lists (lineage, candidates), not of the navigation."""
    lists = re.findall(r"<ul(?: class=\"lineage\")?>(.*?)</ul>", markup, re.DOTALL)
    return [_text(li) for ul in lists for li in re.findall(r"<li>(.*?)</li>", ul, re.DOTALL)]


def _table(markup: str) -> list[list[str]]:
    return [
        [_text(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)]
        for row in re.findall(r"<tr>(.*?)</tr>", markup, re.DOTALL)
    ]


@pytest.fixture
def official(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = UserFactory(official=True)
    client.force_login(user)
    return user


def _csv_upload(name: str = "ho-so.csv") -> SimpleUploadedFile:
    content = (
        f'STT,Họ tên,Địa chỉ\n1,Nguyễn Văn An,"{DAI_THANG}"\n'
        '2,Trần Thị Bình,"Phường 4, Quận 3, Hồ Chí Minh"\n3,Lê Văn Cường,\n'
    )
    return SimpleUploadedFile(name, content.encode(), content_type="text/csv")


# -- the unit browser ----------------------------------------------------------------------


def test_the_unit_browser_is_a_vietnamese_page(client):
    page = client.get("/dia-gioi/").content.decode()

    assert '<html lang="vi">' in page
    assert "<h1>Địa giới hành chính</h1>" in page
    assert "Tra cứu đơn vị" in page
    assert "Chuyển đổi một địa chỉ cũ" in page


def test_a_search_as_you_type_on_the_old_map_lists_the_old_commune(
    client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        response = client.get(
            "/dia-gioi/", {"q": "dai thang", "ban_do": "cu"}, HTTP_HX_REQUEST="true"
        )

    fragment = response.content.decode()
    assert "<html" not in fragment  # a fragment for htmx to swap in, not a page
    assert "Xã Đại Thắng" in fragment
    assert "Huyện Vụ Bản, Tỉnh Nam Định" in fragment
    assert 'href="/dia-gioi/don-vi/13786/?cap=commune&amp;ban_do=cu"' in fragment


def test_a_search_on_the_new_map_lists_the_new_commune(client):
    fragment = client.get("/dia-gioi/", {"q": "lien minh"}, HTTP_HX_REQUEST="true")

    text = _text(fragment.content.decode())
    assert "13786 Xã Liên Minh Tỉnh Ninh Bình từ 01/07/2025" in text


def test_a_search_without_javascript_renders_the_whole_page_with_results(client):
    page = client.get("/dia-gioi/", {"q": "lien minh"}).content.decode()

    assert '<html lang="vi">' in page
    assert "Xã Liên Minh" in page
    assert 'value="lien minh"' in page


@pytest.mark.parametrize("htmx", [True, False])
def test_an_old_name_on_the_new_map_lists_the_old_communes_and_what_they_became(
    client, django_assert_max_num_queries, htmx
):
    # No commune is called Đại Thắng since 1/7/2025: three old communes were.
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with django_assert_max_num_queries(4 if htmx else 6):
        response = client.get("/dia-gioi/", {"q": "dai thang"}, **headers)

    markup = response.content.decode()
    assert ("<html" in markup) is not htmx
    assert "Không có đơn vị hiện hành nào mang tên này." in _text(markup)
    rows = _table(markup)
    assert ["Mã", "Đơn vị cũ", "Thuộc", "Nay thuộc"] in rows
    assert [
        "13786",
        "Xã Đại Thắng",
        "Huyện Vụ Bản, Tỉnh Nam Định",
        "Xã Liên Minh, tỉnh Ninh Bình",
    ] in rows
    assert [
        "11758",
        "Xã Đại Thắng",
        "Huyện Tiên Lãng, Thành phố Hải Phòng",
        "Xã Quyết Thắng, thành phố Hải Phòng",
    ] in rows
    assert [
        "20542",
        "Xã Đại Thắng",
        "Huyện Đại Lộc, Tỉnh Quảng Nam",
        "Xã Phú Thuận, thành phố Đà Nẵng",
    ] in rows
    assert 'href="/dia-gioi/don-vi/13786/?cap=commune&amp;ban_do=cu"' in markup  # old
    assert 'href="/dia-gioi/don-vi/13786/?cap=commune"' in markup  # new


def test_a_name_on_the_new_map_lists_no_old_units(client):
    response = client.get("/dia-gioi/", {"q": "lien minh"}, HTTP_HX_REQUEST="true")

    text = _text(response.content.decode())

    assert "Xã Liên Minh" in text
    assert "Không có đơn vị hiện hành" not in text
    assert "Nay thuộc" not in text


def test_every_example_of_the_search_box_finds_something_on_the_default_map(client):
    page = client.get("/dia-gioi/").content.decode()
    placeholder = re.search(r'<input id="q"[^>]*placeholder="ví dụ: ([^"]*)"', page)
    assert placeholder is not None
    for example in html.unescape(placeholder.group(1)).split(", "):
        fragment = client.get("/dia-gioi/", {"q": example}, HTTP_HX_REQUEST="true")
        assert "Không tìm thấy đơn vị nào." not in _text(fragment.content.decode()), example
        assert "<td>" in fragment.content.decode(), example


def test_the_new_commune_lists_the_old_communes_it_was_formed_from(client):
    page = client.get("/dia-gioi/don-vi/13786/").content.decode()

    assert "<h1>Xã Liên Minh</h1>" in page
    assert "Xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định (cũ)" in _items(page)


def test_the_old_commune_points_to_the_commune_that_succeeded_it(client):
    # 13786 is the code of both the old Đại Thắng and the new Liên Minh.
    page = client.get("/dia-gioi/don-vi/13786/", {"cap": "commune", "ban_do": "cu"})

    markup = page.content.decode()
    assert "<h1>Xã Đại Thắng" in markup
    assert _items(markup) == ["Xã Đại Thắng, huyện Vụ Bản (cũ) → Xã Liên Minh, tỉnh Ninh Bình"]
    assert 'href="/dia-gioi/don-vi/13786/?cap=commune"' in markup


def test_an_unknown_unit_is_a_404(client):
    assert client.get("/dia-gioi/don-vi/99999/").status_code == 404


# -- one address ---------------------------------------------------------------------------


def test_converting_one_address_shows_the_new_address(client):
    response = client.post("/dia-gioi/chuyen-doi/", {"address": DAI_THANG}, HTTP_HX_REQUEST="true")

    text = _text(response.content.decode())
    assert "<html" not in response.content.decode()
    assert "Địa chỉ mới: Thôn Nhất, Xã Liên Minh, Tỉnh Ninh Bình" in text
    assert "Nhận ra địa chỉ cũ: Xã Đại Thắng, Huyện Vụ Bản, Tỉnh Nam Định" in text


def test_a_split_commune_shows_every_candidate_and_the_default(client):
    response = client.post(
        "/dia-gioi/chuyen-doi/",
        {"address": "Phường 4, Quận 3, Hồ Chí Minh"},
        HTTP_HX_REQUEST="true",
    )

    markup = response.content.decode()
    assert "Cần chọn:" in _text(markup)
    assert _items(markup) == [
        "Phường Bàn Cờ, Thành phố Hồ Chí Minh (mặc định)",
        "Phường Xuân Hòa, Thành phố Hồ Chí Minh",
    ]


@pytest.mark.parametrize("address", ["", "   "])
def test_an_empty_address_asks_for_one(client, address):
    response = client.post("/dia-gioi/chuyen-doi/", {"address": address}, HTTP_HX_REQUEST="true")

    assert _text(response.content.decode()) == "Hãy nhập một địa chỉ."


def test_an_unrecognised_address_says_why(client):
    response = client.post("/dia-gioi/chuyen-doi/", {"address": "abc xyz"}, HTTP_HX_REQUEST="true")

    assert _text(response.content.decode()) == (
        "Không xác định được: Không nhận ra tỉnh, thành phố"
    )


def test_an_address_typed_with_a_slip_is_read_and_shows_what_was_recognised(client):
    # Telex left in the district, one letter swapped in the commune, no diacritics elsewhere.
    response = client.post(
        "/dia-gioi/chuyen-doi/",
        {"address": "thon Nhat - xa Dai Thnag - huyeen Vuj Banr - Nam Dinh"},
        HTTP_HX_REQUEST="true",
    )

    text = _text(response.content.decode())
    assert "Địa chỉ mới: thon Nhat, Xã Liên Minh, Tỉnh Ninh Bình" in text
    assert "Nhận ra địa chỉ cũ: Xã Đại Thắng, Huyện Vụ Bản, Tỉnh Nam Định" in text


def test_a_guess_is_offered_as_a_possibility_not_as_the_new_address(client):
    response = client.post(
        "/dia-gioi/chuyen-doi/",
        {"address": "Xã Không Có Thật, huyện Vụ Bản, tỉnh Nam Định"},
        HTTP_HX_REQUEST="true",
    )

    markup = response.content.decode()
    assert "Địa chỉ mới" not in _text(markup)
    assert "Không xác định được: Không nhận ra xã, phường" in _text(markup)
    assert "Có thể là (hãy kiểm tra lại địa chỉ):" in _text(markup)
    assert _items(markup)[0] == "Xã Vụ Bản, Tỉnh Ninh Bình"


def test_converting_one_address_needs_a_post(client):
    assert client.get("/dia-gioi/chuyen-doi/").status_code == 405


# -- a spreadsheet -------------------------------------------------------------------------


def test_converting_a_file_needs_login(client):
    response = client.get(UPLOAD)

    assert response.status_code == 302
    assert response["Location"] == f"/dang-nhap/?next={UPLOAD}"


def test_a_pdf_is_refused_with_a_vietnamese_error_and_nothing_is_stored(client, official, tmp_path):
    pdf = SimpleUploadedFile("ho-so.pdf", b"%PDF-1.4\n", content_type="application/pdf")

    response = client.post(UPLOAD, {"file": pdf})

    assert response.status_code == 422
    assert 'role="alert">Chỉ nhận tệp .csv hoặc .xlsx.</div>' in response.content.decode()
    assert not ConversionJob.objects.exists()
    assert list(tmp_path.iterdir()) == []


def test_an_upload_without_a_file_asks_for_one(client, official):
    response = client.post(UPLOAD, {})

    assert response.status_code == 422
    assert "Hãy chọn một tệp .csv hoặc .xlsx." in response.content.decode()


def test_an_uploaded_csv_is_queued_for_the_background_worker(
    client, official, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(UPLOAD, {"file": _csv_upload(), "column": ""})

    job = ConversionJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{UPLOAD}{job.uuid}/"
    assert (job.owner, job.original_name, job.status) == (official, "ho-so.csv", "pending")
    task = DBTaskResult.objects.get()
    assert task.task_path == "lienthong.geo.tasks.convert_uploaded_file"
    assert task.args_kwargs == {"args": [str(job.uuid)], "kwargs": {}}


def test_a_converted_file_shows_its_summary_and_can_be_downloaded(client, official):
    response = client.post(UPLOAD, {"file": _csv_upload()}, follow=True)
    job = ConversionJob.objects.get()
    assert "Đang chờ tiến trình nền…" in response.content.decode()

    run_conversion_job(str(job.uuid))

    page = client.get(f"{UPLOAD}{job.uuid}/").content.decode()
    assert "Hoàn thành: 3 dòng." in _text(page)
    assert _table(page) == [
        ["Đã chuyển đổi", "1"],
        ["Đã là địa chỉ mới", "0"],
        ["Cần chọn (xã bị chia, trùng tên)", "1"],
        ["Không xác định được", "1"],
    ]

    download = client.get(f"{UPLOAD}{job.uuid}/tai-ve/")
    assert download.status_code == 200
    assert "ho-so-dia-chi-moi.csv" in download["Content-Disposition"]
    # Reading the stream to its end closes the file (the test client wraps it).
    content = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [r["Họ tên"] for r in rows] == ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"]
    assert [r["Trạng thái"] for r in rows] == ["Đã chuyển đổi", "Cần chọn", "Không xác định"]
    assert rows[0]["Địa chỉ mới"] == "Thôn Nhất, Xã Liên Minh, Tỉnh Ninh Bình"

    listing = client.get(UPLOAD).content.decode()
    assert "ho-so.csv" in listing
    assert "Hoàn thành" in listing


def test_someone_elses_job_is_not_found_exactly_like_a_missing_one(client, official):
    client.post(UPLOAD, {"file": _csv_upload()})
    job = ConversionJob.objects.get()
    run_conversion_job(str(job.uuid))
    client.force_login(UserFactory(official=True))

    for suffix in ("", "tai-ve/"):
        theirs = client.get(f"{UPLOAD}{job.uuid}/{suffix}")
        missing = client.get(f"{UPLOAD}{uuid.uuid4()}/{suffix}")
        assert theirs.status_code == missing.status_code == 404
        assert _text(theirs.content.decode()) == _text(missing.content.decode())
    assert "ho-so.csv" not in client.get(UPLOAD).content.decode()


def test_the_job_status_polls_until_the_job_is_done(client, official):
    client.post(UPLOAD, {"file": _csv_upload()})
    job = ConversionJob.objects.get()
    url = f"{UPLOAD}{job.uuid}/"

    pending = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in pending
    assert 'hx-trigger="every 1s"' in pending
    assert f'hx-get="{url}"' in pending

    # The worker reports progress as it goes.
    ConversionJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, total_rows=3, processed_rows=1
    )
    running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in running
    assert "Đang xử lý: 1 / 3 dòng" in running
    assert 'value="33"' in running

    ConversionJob.objects.filter(pk=job.pk).update(status=JobStatus.PENDING)
    run_conversion_job(str(job.uuid))
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert "Hoàn thành: 3 dòng." in done


def test_a_file_that_cannot_be_read_ends_as_failed_with_the_reason(client, official):
    empty = SimpleUploadedFile("trong.csv", b"", content_type="text/csv")
    client.post(UPLOAD, {"file": empty})
    job = ConversionJob.objects.get()

    run_conversion_job(str(job.uuid))

    partial = client.get(f"{UPLOAD}{job.uuid}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial
    assert _text(partial) == ("Không chuyển đổi được: Tệp không có dữ liệu (thiếu dòng tiêu đề).")
    assert client.get(f"{UPLOAD}{job.uuid}/tai-ve/").status_code == 404


def test_a_citizen_may_not_convert_files(client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lienthong.geo.models import ConversionJob

    settings.MEDIA_ROOT = tmp_path
    client.force_login(UserFactory())
    upload = SimpleUploadedFile("a.csv", "Địa chỉ\nXã Đại Thắng, Vụ Bản, Nam Định\n".encode())
    response = client.post("/dia-gioi/chuyen-doi-tep/", {"file": upload})
    assert response.status_code == 403
    assert "Chỉ cán bộ, công chức" in response.content.decode()
    assert not ConversionJob.objects.exists()
