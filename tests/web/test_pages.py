"""The web shell: Vietnamese pages, navigation, login-protected areas."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lienthong.core.models import AuditEntry
from tests.factories import UserFactory


@pytest.mark.django_db
def test_the_home_page_is_in_vietnamese_with_navigation(client):
    html = client.get("/").content.decode()
    assert '<html lang="vi">' in html
    assert "Một hệ thống thống nhất – Một dữ liệu duy nhất – Một dịch vụ liền mạch" in html
    for href in ('href="/"', 'href="/can-bo/"', 'href="/dieu-hanh/"', 'href="/api/v1/docs"'):
        assert href in html
    assert "Bỏ qua, tới nội dung chính" in html  # skip link for keyboard users
    assert "/static/django_htmx/htmx-2.min.js" in html
    head = html.split("<body")[0]
    assert "http://" not in head
    assert "https://" not in head


@pytest.mark.django_db
def test_the_home_page_is_available_in_english(client):
    client.cookies["django_language"] = "en"
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "One unified system – One single source of data – One seamless service" in html


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/can-bo/", "/dieu-hanh/"])
def test_back_office_and_dashboard_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/?next=")


@pytest.mark.django_db
def test_the_back_office_shows_the_working_calendar(client):
    client.force_login(UserFactory(official=True))
    html = client.get("/can-bo/").content.decode()
    assert "Bàn làm việc của cán bộ" in html
    assert "5 ngày làm việc" in html


@pytest.mark.django_db
def test_login_and_a_failed_login_are_audited(client):
    user = UserFactory(username="canbo1")
    bad = client.post(reverse("accounts:login"), {"username": "canbo1", "password": "sai"})
    assert bad.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in bad.content.decode()
    ok = client.post(reverse("accounts:login"), {"username": "canbo1", "password": "MatKhau@2026"})
    assert ok.status_code == 302
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert actions[-2:] == ["auth.login_failed", "auth.login"]
    assert AuditEntry.objects.get(action="auth.login").actor == f"user:{user.pk}"
    assert "sai" not in str(AuditEntry.objects.get(action="auth.login_failed").data)


@pytest.mark.django_db
def test_the_dashboard_starts_a_background_audit_verification(
    client, django_capture_on_commit_callbacks
):
    client.force_login(UserFactory(admin=True))
    assert "Chưa kiểm tra lần nào" in client.get("/dieu-hanh/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        partial = client.post(reverse("web:audit-verify"), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    html = partial.content.decode()
    assert "<html" not in html  # an HTMX fragment, not a page
    assert "Đang chờ tiến trình nền" in html
    assert 'hx-trigger="every 2s"' in html


@pytest.mark.django_db
def test_an_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


@pytest.mark.django_db
def test_the_dashboard_is_for_steering_roles_only(client):
    client.force_login(UserFactory())
    response = client.get("/dieu-hanh/")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()
    assert client.post("/dieu-hanh/kiem-tra-nhat-ky/").status_code == 403
