"""Over HTTP: the gateway's API for officials and systems, "Ai đã xem dữ liệu của tôi"
for the data subject, the lookup page and the registry owner's desk."""

from __future__ import annotations

import base64
import io

import pytest
from openpyxl import load_workbook

from lienthong.accounts.constants import Role
from lienthong.accounts.services import create_api_client
from lienthong.registries.models import AccessLog, Alert
from tests.factories import UserFactory
from tests.registries.conftest import CITIZEN, WIFE

pytestmark = pytest.mark.django_db


def _system_token(client, world, name="Hệ thống một cửa xã"):
    from lienthong.accounts.models import RoleAssignment

    admin = UserFactory(official=True)
    RoleAssignment.objects.create(user=admin, agency=world.consumer, role=Role.AGENCY_ADMIN)
    creds = create_api_client(actor=admin, agency=world.consumer, name=name)
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    response = client.post(
        "/oidc/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    return creds.client_id, response.json()["access_token"]


def test_a_system_reads_with_client_credentials_and_the_citizen_sees_exactly_that(
    client, world, grant
):
    client_id, token = _system_token(client, world)
    grant(client_id=client_id)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get(
        f"/api/v1/data-services/residence?id={CITIZEN}&purpose=Đăng ký thường trú&dossier=H37.9",
        **auth,
    )
    assert response.status_code == 200, response.content
    assert response.json()["records"][0]["permanent_unit"] == "13786"
    record = client.get(f"/api/v1/registries/population/records/{CITIZEN}?purpose=Kiểm tra", **auth)
    assert record.status_code == 200
    assert "religion" not in record.json()["records"][0]
    client.force_login(world.citizen)
    tracker = client.get("/api/v1/me/data-accesses").json()
    assert tracker["count"] == 2
    newest, oldest = tracker["items"]
    assert (oldest["service"], oldest["dossier"], oldest["system"]) == (
        "residence",
        "H37.9",
        client_id,
    )
    assert oldest["agency_code"] == world.consumer.code
    assert "Nơi thường trú (xã, phường)" in oldest["field_labels"]
    assert newest["service"] == "record"
    # The spouse's number is not in the grant, so it did not leave with his record: her
    # tracker has nothing (the owner's read of the same record names her: see test_gateway).
    client.force_login(world.wife)
    assert client.get("/api/v1/me/data-accesses").json()["count"] == 0


def test_without_a_grant_the_api_refuses_and_the_owner_sees_it(client, world):
    client.force_login(world.far_clerk)
    response = client.get(f"/api/v1/data-services/household?id={CITIZEN}&purpose=Tra cứu")
    assert response.status_code == 403
    assert response.json()["type"].endswith(":no-grant")
    client.force_login(world.owner_official)
    page = client.get("/can-bo/co-so-du-lieu/population/")
    assert page.status_code == 200
    assert "UBND xã Xa" in page.content.decode()
    client.force_login(world.citizen)
    assert client.get("/api/v1/me/data-accesses").json()["items"][0]["outcome"] == "refused"


def test_a_read_that_fails_after_the_log_is_still_in_the_log(client, world, grant, monkeypatch):
    from lienthong.registries import api

    grant()

    def broken(answer):
        raise RuntimeError("serialisation failed")

    monkeypatch.setattr(api, "_answer", broken)
    client.force_login(world.clerk)
    response = client.get(f"/api/v1/data-services/residence?id={CITIZEN}&purpose=Tra cứu")
    assert response.status_code == 500
    assert AccessLog.objects.filter(subject=CITIZEN, outcome="allowed").count() == 1


def test_the_citizen_reports_a_read_and_the_owner_is_alerted(client, world, grant):
    from lienthong.registries import gateway

    grant()
    gateway.consult(
        gateway.Caller(world.consumer, world.clerk), "residence", CITIZEN, purpose="Tra cứu"
    )
    log = AccessLog.objects.get()
    client.force_login(world.wife)  # not hers
    assert (
        client.post(
            f"/api/v1/me/data-accesses/{log.pk}/report",
            {"reason": "?"},
            content_type="application/json",
        ).status_code
        == 404
    )
    client.force_login(world.citizen)
    page = client.post(
        f"/du-lieu-cua-toi/nhat-ky/{log.pk}/phan-anh/", {"reason": "Tôi không nộp hồ sơ nào"}
    )
    assert page.status_code == 302
    alert = Alert.objects.get()
    assert alert.kind == "reported_read"
    assert "Tôi không nộp hồ sơ nào" in alert.message
    again = client.post(
        f"/api/v1/me/data-accesses/{log.pk}/report",
        {"reason": "lần hai"},
        content_type="application/json",
    )
    assert again.status_code == 409
    client.force_login(world.owner_official)
    closed = client.post(f"/can-bo/canh-bao-du-lieu/{alert.pk}/dong/", {"answer": "Đã xác minh"})
    assert closed.status_code == 302
    alert.refresh_from_db()
    assert alert.closed_by == world.owner_official


def test_my_data_and_the_tracker_pages_with_exports(client, world, grant):
    from lienthong.registries import gateway

    grant()
    gateway.consult(
        gateway.Caller(world.consumer, world.clerk), "residence", CITIZEN, purpose="Cấp thẻ BHYT"
    )
    client.force_login(world.citizen)
    mine = client.get("/du-lieu-cua-toi/").content.decode()
    assert "Nguyễn Văn An" in mine
    assert "CSDL hộ tịch" in mine
    assert "3719001234" in mine
    tracker = client.get("/du-lieu-cua-toi/nhat-ky/").content.decode()
    assert "UBND xã Một" in tracker
    assert "Cấp thẻ BHYT" in tracker
    xlsx = client.get("/du-lieu-cua-toi/nhat-ky/?xuat=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Thời điểm"
    assert rows[1][3] == "UBND xã Một"
    assert len(rows) == 2
    pdf = client.get("/du-lieu-cua-toi/nhat-ky/?xuat=pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    bad = client.get("/du-lieu-cua-toi/nhat-ky/?since=2026-02-01&until=2026-01-01")
    assert bad.status_code == 422
    client.force_login(world.wife)
    assert "UBND xã Một" not in client.get("/du-lieu-cua-toi/nhat-ky/").content.decode()


def test_the_lookup_page_for_a_clerk(client, world, grant):
    grant()
    client.force_login(world.clerk)
    response = client.post(
        "/can-bo/khai-thac-du-lieu/",
        {
            "agency": world.consumer.code,
            "service": "residence",
            "id": CITIZEN,
            "purpose": "Đăng ký thường trú",
            "dossier": "",
        },
    )
    assert response.status_code == 200
    assert "Xóm 3, thôn Đông" in response.content.decode()
    refused = client.post(
        "/can-bo/khai-thac-du-lieu/",
        {
            "agency": world.consumer.code,
            "service": "insurance-card",
            "id": CITIZEN,
            "purpose": "Tra cứu",
        },
    )
    assert refused.status_code == 403
    assert "chưa được" in refused.content.decode()
    client.force_login(world.citizen)
    assert client.get("/can-bo/khai-thac-du-lieu/").status_code == 403


def test_the_owner_grants_and_revokes_on_the_desk_and_reads_records(client, world):
    client.force_login(world.owner_official)
    response = client.post(
        "/can-bo/co-so-du-lieu/population/",
        {
            "consumer": world.far.code,
            "services": ["residence"],
            "data_fields": ["pin", "full_name"],
            "purpose": "Giải quyết TTHC",
            "legal_basis": "Nghị định 47/2020/NĐ-CP",
            "valid_from": "2026-01-01",
            "per_minute": 60,
        },
    )
    assert response.status_code == 302, response.content.decode()
    from lienthong.registries.models import AccessGrant

    g = AccessGrant.objects.get()
    assert (g.consumer, g.fields) == (world.far, ["full_name", "pin"])
    # A link only fills in the form: nothing is read (nor logged) without a purpose.
    assert (
        "Xóm 3, thôn Đông"
        not in client.get(f"/can-bo/co-so-du-lieu/population/?ma={CITIZEN}").content.decode()
    )
    assert not AccessLog.objects.exists()
    page = client.post(
        "/can-bo/co-so-du-lieu/population/",
        {"action": "record", "ma": CITIZEN, "purpose": "Xác minh phản ánh của công dân"},
    ).content.decode()
    assert "Xóm 3, thôn Đông" in page
    log = AccessLog.objects.get(subject=CITIZEN, consumer=world.owner)
    assert log.purpose == "Xác minh phản ánh của công dân"
    assert client.post(f"/can-bo/quyen-khai-thac/{g.pk}/thu-hoi/").status_code == 302
    g.refresh_from_db()
    assert g.revoked_at is not None
    client.force_login(world.clerk)
    assert client.get("/can-bo/co-so-du-lieu/population/").status_code == 403
    assert client.get(f"/can-bo/co-so-du-lieu/population/?ma={WIFE}").status_code == 403
