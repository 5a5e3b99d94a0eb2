"""Brute force is throttled; officials may add a second factor (TOTP) to their login."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from lienthong.accounts.services import confirm_totp, start_totp_enrolment
from lienthong.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset)
    return f"{value:0{device.digits}d}"


def test_five_wrong_passwords_lock_the_account_out_from_that_address(client):
    UserFactory(username="canbo1")
    for _ in range(4):
        response = client.post("/dang-nhap/", {"username": "canbo1", "password": "sai"})
        assert response.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    fifth = client.post("/dang-nhap/", {"username": "canbo1", "password": "sai"})
    assert fifth.status_code == 429
    # Now even the right password is refused until the lock expires.
    locked = client.post("/dang-nhap/", {"username": "canbo1", "password": "MatKhau@2026"})
    assert locked.status_code == 429
    assert "Tạm khoá đăng nhập" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="auth.login_failed").count() >= 5
    assert AuditEntry.objects.filter(action="auth.locked_out").exists()


def test_the_issuer_login_page_is_throttled_too(client):
    UserFactory(username="037090001234")
    for _ in range(5):
        client.post("/oidc/dang-nhap/", {"username": "037090001234", "password": "sai"})
    locked = client.post(
        "/oidc/dang-nhap/", {"username": "037090001234", "password": "MatKhau@2026"}
    )
    assert locked.status_code == 429


def test_a_correct_password_resets_the_count(client):
    UserFactory(username="canbo2")
    for _ in range(4):
        client.post("/dang-nhap/", {"username": "canbo2", "password": "sai"})
    assert (
        client.post("/dang-nhap/", {"username": "canbo2", "password": "MatKhau@2026"}).status_code
        == 302
    )
    client.logout()
    for _ in range(4):
        client.post("/dang-nhap/", {"username": "canbo2", "password": "sai"})
    assert (
        client.post("/dang-nhap/", {"username": "canbo2", "password": "MatKhau@2026"}).status_code
        == 302
    )


def test_an_official_with_a_second_factor_needs_the_code_to_log_in(client):
    official = UserFactory(username="canbo3", official=True)
    device = start_totp_enrolment(user=official)
    confirm_totp(user=official, token=_code(device))
    response = client.post("/dang-nhap/", {"username": "canbo3", "password": "MatKhau@2026"})
    assert response["Location"] == "/dang-nhap/xac-thuc-hai-buoc/"
    assert "_auth_user_id" not in client.session  # not logged in yet
    wrong = client.post("/dang-nhap/xac-thuc-hai-buoc/", {"token": "000000"})
    assert wrong.status_code == 401
    assert "Mã xác thực không đúng" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # the failure above started django-otp's back-off
    # The code used to confirm cannot be replayed; the next 30-second step's code is accepted.
    replay = client.post("/dang-nhap/xac-thuc-hai-buoc/", {"token": _code(device)})
    assert replay.status_code == 401
    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post("/dang-nhap/xac-thuc-hai-buoc/", {"token": _code(device, offset=1)})
    assert ok.status_code == 302
    assert client.session["_auth_user_id"] == str(official.pk)
    assert AuditEntry.objects.filter(action="auth.totp_failed").count() == 2


def test_repeated_wrong_codes_are_throttled(client):
    official = UserFactory(username="canbo4", official=True)
    device = start_totp_enrolment(user=official)
    confirm_totp(user=official, token=_code(device))
    client.post("/dang-nhap/", {"username": "canbo4", "password": "MatKhau@2026"})
    client.post("/dang-nhap/xac-thuc-hai-buoc/", {"token": "000000"})
    # django-otp waits 1 s after the first failure, 2 s after the second, …
    throttled = client.post("/dang-nhap/xac-thuc-hai-buoc/", {"token": _code(device)})
    assert throttled.status_code == 429
    assert "quá nhiều lần" in throttled.content.decode()
    assert "_auth_user_id" not in client.session


def test_enrolment_needs_a_valid_code_and_is_audited(client):
    official = UserFactory(username="canbo5", official=True)
    client.force_login(official)
    page = client.post("/tai-khoan/xac-thuc-hai-buoc/", {"action": "start"})
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=official, confirmed=False)
    bad = client.post("/tai-khoan/xac-thuc-hai-buoc/", {"action": "confirm", "token": "123456"})
    assert "Mã xác thực không đúng" in bad.content.decode()
    assert not TOTPDevice.objects.filter(user=official, confirmed=True).exists()
    device.refresh_from_db()
    device.throttle_reset()  # the wrong code above started django-otp's back-off
    good = client.post(
        "/tai-khoan/xac-thuc-hai-buoc/", {"action": "confirm", "token": _code(device)}
    )
    assert good.status_code == 302
    assert TOTPDevice.objects.filter(user=official, confirmed=True).exists()
    assert AuditEntry.objects.filter(action="auth.totp_enabled").exists()
