"""The admin (/quan-tri/) bypasses no audited service and shows no secret (issue 13).

Before: the user form set is_superuser, is_staff, groups, permissions and identification
numbers with no audit entry (a citizen made superuser could read any dossier), and the
OAuth2 application page showed the portal's client secret in clear.
"""

from __future__ import annotations

from base64 import b32encode
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from lienthong.accounts import oidc
from lienthong.accounts.constants import Role
from lienthong.accounts.models import User
from lienthong.accounts.seeds import register_portal_client
from lienthong.accounts.services import create_api_client
from lienthong.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PIN = "037090001234"


@pytest.fixture
def superuser(client: Client) -> User:
    root: User = UserFactory(username="quantri", full_name="Quản Trị", admin=True)
    client.force_login(root)
    return root


def _change_form_data(client: Client, url: str) -> dict[str, Any]:
    """What the browser would post back from the change page, unchanged."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, datetime):  # the admin's date and time boxes
            local = timezone.localtime(value)
            data[f"{name}_0"], data[f"{name}_1"] = local.date(), local.strftime("%H:%M:%S")
        elif isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif value is not None:
            data[name] = getattr(value, "pk", value)
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for i, sub in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{i}-id"] = sub.instance.pk
            data[f"{formset.prefix}-{i}-user"] = sub.instance.user_id
    return data


def test_the_admin_cannot_make_a_citizen_superuser_or_change_their_identity(
    client: Client, superuser: User
) -> None:
    citizen = UserFactory(username=PIN, pin=PIN, full_name="Nguyễn Văn An")
    group = Group.objects.create(name="Nhóm có mọi quyền")
    group.permissions.set(Permission.objects.all())
    url = reverse("admin:accounts_user_change", args=[citizen.pk])
    data = _change_form_data(client, url)
    data.update(
        is_superuser="on",
        is_staff="on",
        groups=[group.pk],
        user_permissions=list(Permission.objects.values_list("pk", flat=True)[:5]),
        pin="036190002345",
        tax_code="0100109106",
        username="ke-gia-mao",
        kind="official",
    )
    client.post(url, data)
    citizen.refresh_from_db()
    assert not citizen.is_superuser
    assert not citizen.is_staff
    assert not citizen.groups.exists()
    assert not citizen.user_permissions.exists()
    assert (citizen.username, citizen.pin, citizen.tax_code, citizen.kind) == (
        PIN,
        PIN,
        None,
        "citizen",
    )


def test_what_the_admin_may_edit_goes_through_the_audited_service(
    client: Client, superuser: User
) -> None:
    citizen = UserFactory(username=PIN, pin=PIN, full_name="Nguyễn Văn An", email="")
    url = reverse("admin:accounts_user_change", args=[citizen.pk])
    data = _change_form_data(client, url)
    data.update(full_name="Nguyễn Văn Ân", email="an@example.vn")
    data.pop("is_active")  # unticked: the account is locked
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    citizen.refresh_from_db()
    assert (citizen.full_name, citizen.email, citizen.is_active) == (
        "Nguyễn Văn Ân",
        "an@example.vn",
        False,
    )
    entry = AuditEntry.objects.filter(action="account.updated", object_id=str(citizen.pk)).get()
    assert entry.actor == f"user:{superuser.pk}"
    assert entry.data["changed"] == {
        "full_name": "Nguyễn Văn Ân",
        "email": "an@example.vn",
        "is_active": False,
    }


def test_the_admin_sets_no_password_and_adds_or_deletes_no_account(
    client: Client, superuser: User
) -> None:
    citizen = UserFactory(username=PIN, pin=PIN)
    password_url = reverse("admin:auth_user_password_change", args=[citizen.pk])
    attempt = client.post(
        password_url, {"password1": "MatKhauMoi@2026", "password2": "MatKhauMoi@2026"}
    )
    assert attempt.status_code == 403
    citizen.refresh_from_db()
    assert not citizen.check_password("MatKhauMoi@2026")
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403
    assert client.post(reverse("admin:accounts_user_delete", args=[citizen.pk])).status_code == 403
    assert User.objects.filter(pk=citizen.pk).exists()


def test_role_rows_and_api_clients_are_read_only_in_the_admin(
    client: Client, superuser: User, places: Any, official_with: Any
) -> None:
    clerk = official_with(Role.CLERK, places.own)
    credentials = create_api_client(actor=superuser, agency=places.own, name="Hệ thống một cửa")
    api_client = Application.objects.get(client_id=credentials.client_id).api_client
    change = reverse("admin:accounts_apiclient_change", args=[api_client.pk])
    client.post(
        change,
        {
            "application": api_client.application_id,
            "agency": places.far.pk,  # the system would act for another agency
            "created_by": superuser.pk,
        },
    )
    api_client.refresh_from_db()
    assert api_client.agency_id == places.own.pk
    page = client.get(reverse("admin:accounts_user_change", args=[clerk.pk])).content.decode()
    assert 'name="role_assignments-0-role"' not in page
    assert 'name="role_assignments-0-agency"' not in page


def _secrets(superuser: User, places: Any) -> dict[str, str]:
    """Every kind of secret the platform keeps, one of each in the database."""
    register_portal_client()
    portal = Application.objects.get(client_id=oidc.PORTAL_CLIENT_ID)
    credentials = create_api_client(actor=superuser, agency=places.own, name="Hệ thống một cửa")
    system = Application.objects.get(client_id=credentials.client_id)
    device = TOTPDevice.objects.create(user=superuser, name="Ứng dụng xác thực", confirmed=True)
    later = timezone.now() + timedelta(hours=1)
    access = AccessToken.objects.create(
        user=superuser, application=portal, token="ma-truy-cap-bi-mat-0123456789", expires=later
    )
    RefreshToken.objects.create(
        user=superuser,
        application=portal,
        token="ma-lam-moi-bi-mat-0123456789",
        access_token=access,
    )
    Grant.objects.create(
        user=superuser,
        application=portal,
        code="ma-uy-quyen-bi-mat-0123456789",
        expires=later,
        redirect_uri="http://127.0.0.1/callback",
        code_challenge="thach-thuc-pkce-bi-mat-0123456789",
        code_challenge_method="S256",
        nonce="so-dung-mot-lan-bi-mat",
    )
    IDToken.objects.create(user=superuser, application=portal, expires=later)
    return {
        "portal client secret": oidc.portal_client_secret(),
        "API client secret": credentials.client_secret,
        "API client secret, hashed": system.client_secret,
        "API client secret hash's digest": system.client_secret.rsplit("$", 1)[-1],
        "TOTP key (hex)": device.key,
        "TOTP key (base32)": b32encode(device.bin_key).decode(),
        "access token": "ma-truy-cap-bi-mat-0123456789",
        "refresh token": "ma-lam-moi-bi-mat-0123456789",
        "authorization code": "ma-uy-quyen-bi-mat-0123456789",
        "PKCE challenge": "thach-thuc-pkce-bi-mat-0123456789",
        "nonce": "so-dung-mot-lan-bi-mat",
    }


def test_no_admin_page_shows_a_secret(client: Client, superuser: User, places: Any) -> None:
    secrets = _secrets(superuser, places)
    # A failed login is kept by the login throttle (its admin shows what was posted).
    client.post("/dang-nhap/", {"username": "ai-do", "password": "mat-khau-go-nham-bi-mat"})
    secrets["password typed at login"] = "mat-khau-go-nham-bi-mat"
    pages = 0
    request = client.get("/quan-tri/").wsgi_request
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        urls = [reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")]
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        urls += [
            reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
            for pk in model._default_manager.values_list("pk", flat=True)[:20]
        ]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.content.decode()
            shown = [what for what, secret in secrets.items() if secret in body]
            assert shown == [], url
            pages += 1
    assert pages > 20
    # The pages that used to show them are among those read.
    portal = Application.objects.get(client_id=oidc.PORTAL_CLIENT_ID)
    page = client.get(reverse("admin:oauth2_provider_application_change", args=[portal.pk]))
    assert oidc.PORTAL_CLIENT_ID in page.content.decode()
    device = TOTPDevice.objects.get()
    assert client.get(f"/quan-tri/otp_totp/totpdevice/{device.pk}/config/").status_code in {
        302,
        404,
    }
