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
    for href in ('href="/"', 'href="/tra-cuu/"', 'href="/api/v1/docs"', 'href="/dang-nhap/"'):
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
def test_an_unknown_page_is_the_platforms_own_404_in_the_users_language(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    assert "URLconf" not in html
    assert "urlpatterns" not in html
    client.cookies["django_language"] = "en"
    assert "Page not found" in client.get("/khong-co-trang-nay/").content.decode()


def test_debug_is_off_unless_set_on_purpose(run_lienthong):
    """The demo's settings: no DEBUG variable means Django's debug page never shows."""
    done = run_lienthong("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert done.stdout.strip().splitlines()[-1] == "False", done


@pytest.mark.django_db
def test_a_form_from_a_stale_page_gets_a_vietnamese_page(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"username": "a", "password": "b"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "Trang đã hết hạn" in html
    assert "CSRF verification" not in html
    # From an htmx form (the dossier page's steps), the page reloads with a fresh form:
    # htmx swaps no 403.
    hx = strict.post(reverse("accounts:login"), {}, HTTP_HX_REQUEST="true")
    assert hx.status_code == 403
    assert hx["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


@pytest.mark.django_db
def test_the_menu_shows_what_the_persons_roles_open(client):
    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment
    from tests.factories import AgencyFactory

    def menu() -> str:
        html = client.get("/").content.decode()
        return html.split('<nav aria-label="Điều hướng chính">')[1].split("</nav>")[0]

    client.force_login(UserFactory())  # a citizen
    assert 'href="/can-bo/"' not in menu()
    assert 'href="/dieu-hanh/"' not in menu()
    official = UserFactory(official=True)
    client.force_login(official)
    assert 'href="/can-bo/"' in menu()
    assert 'href="/dieu-hanh/"' not in menu()
    RoleAssignment.objects.create(
        user=official, agency=AgencyFactory(central=True), role=Role.STEERING_VIEWER
    )
    assert 'href="/dieu-hanh/"' in menu()


@pytest.mark.django_db
def test_the_header_counts_unread_notifications(client):
    from lienthong.dossiers.models import Notification

    user = UserFactory()
    client.force_login(user)
    assert "chưa đọc" not in client.get("/").content.decode()
    for i in range(3):
        Notification.objects.create(user=user, event_id=9000 + i, title="t", body="b")
    html = client.get("/").content.decode()
    assert '3<span class="visually-hidden"> chưa đọc</span>' in html
    client.get(reverse("dossiers:notifications"))  # reading them marks them read
    assert "chưa đọc" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_the_dashboard_is_for_steering_roles_only(client):
    client.force_login(UserFactory())
    response = client.get("/dieu-hanh/")
    assert response.status_code == 403
    assert "Không có quyền truy cập" in response.content.decode()
    assert client.post("/dieu-hanh/kiem-tra-nhat-ky/").status_code == 403
