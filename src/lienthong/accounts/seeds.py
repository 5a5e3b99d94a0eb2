"""Reference data (the portal's client at the development issuer) and demo accounts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare

from lienthong.accounts import oidc
from lienthong.accounts.constants import Role
from lienthong.accounts.models import UserKind
from lienthong.accounts.services import add_official, ensure_user
from lienthong.core.reference import DemoAccount, StepResult, register_loader, register_seeder
from lienthong.directory import selectors as directory

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency

DEMO_PASSWORD = "LienThong@2026"  # noqa: S105  demo-only accounts, printed to the operator
DEMO_ADMIN = DemoAccount(
    role="Quản trị nền tảng",
    username="quantri",
    password=DEMO_PASSWORD,
    note="mật khẩu tại /dang-nhap/ hoặc /quan-tri/",
)
#: The demo commune: Xã Liên Minh, tỉnh Ninh Bình (formerly Vụ Bản, Nam Định), and a
#: neighbouring commune where residents of Liên Minh may file boundary-free dossiers.
DEMO_COMMUNE = "13786"
#: The demo citizen (Nguyễn Văn An of Xã Liên Minh).
DEMO_CITIZEN_PIN = "037090001234"
OTHER_COMMUNE = "13753"


@register_loader(
    "accounts.portal_client",
    order=40,
    description="Ứng dụng cổng dịch vụ tại nhà cung cấp định danh thử nghiệm",
)
def register_portal_client() -> StepResult:
    """Register the portal as a client of the development issuer (idempotent)."""
    from oauth2_provider.models import Application

    if not settings.OIDC_DEV_ISSUER:
        return StepResult("bỏ qua: nhà cung cấp định danh thử nghiệm đang tắt")
    callback = f"/dang-nhap/oidc/{oidc.DEV_ISSUER}/callback/"
    # Loopback redirect URIs accept any port (RFC 8252), so `serve --port` works too.
    redirect_uris = f"http://127.0.0.1{callback} http://localhost{callback}"
    public = settings.PUBLIC_URL.rstrip("/")
    if public and not public.startswith(("http://127.0.0.1", "http://localhost")):
        redirect_uris += f" {public}{callback}"  # a staging server's own address
    secret = oidc.portal_client_secret()
    with transaction.atomic():
        app, created = Application.objects.get_or_create(
            client_id=oidc.PORTAL_CLIENT_ID,
            defaults={
                "name": "Cổng dịch vụ công LiênThông",
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "client_secret": secret,
                # 256 bits from SECRET_KEY: a slow password hash adds ~0.25 s to every
                # login and no protection; compared in constant time.
                "hash_client_secret": False,
                "redirect_uris": redirect_uris,
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
            },
        )
        changed = created
        if not created and (
            app.redirect_uris != redirect_uris
            or app.hash_client_secret
            or not constant_time_compare(secret, app.client_secret)
        ):
            app.redirect_uris = redirect_uris
            app.hash_client_secret = False
            app.client_secret = secret
            app.save()
            changed = True
    return StepResult("đã đăng ký" if changed else "không thay đổi")


@dataclass(frozen=True)
class DemoPerson:
    role_label: str
    pin: str
    name: str
    role: str
    where: str  # "commune", "centre" or "province"
    position: str = ""


_OFFICIALS = (
    DemoPerson("Cán bộ một cửa", "036190002345", "Trần Thị Bình", Role.CLERK, "centre"),
    DemoPerson("Cán bộ một cửa xã khác", "036190002399", "Vũ Thị Hạnh", Role.CLERK, "other_centre"),
    DemoPerson("Chuyên viên", "036088003456", "Lê Văn Cường", Role.SPECIALIST, "commune"),
    DemoPerson(
        "Lãnh đạo UBND xã", "037175004567", "Phạm Thị Dung", Role.LEADER, "commune", "Phó Chủ tịch"
    ),
    DemoPerson("Quản trị cơ quan", "037085005678", "Hoàng Văn Hải", Role.AGENCY_ADMIN, "commune"),
    DemoPerson(
        "Theo dõi điều hành tỉnh", "037080006789", "Đỗ Văn Giang", Role.STEERING_VIEWER, "province"
    ),
)


def demo_admin() -> User:
    """The demo's platform administrator (created when missing)."""
    return ensure_user(
        username=DEMO_ADMIN.username,
        password=DEMO_PASSWORD,
        kind=UserKind.OFFICIAL,
        full_name="Quản trị viên thử nghiệm",
        is_staff=True,
        is_superuser=True,
    )


def demo_official(admin: User, person: DemoPerson, agency: Agency) -> DemoAccount:
    """An official of the demo with their role at ``agency`` and the demo password."""
    user = add_official(
        actor=admin,
        agency=agency,
        pin=person.pin,
        full_name=person.name,
        roles=[person.role],
        position=person.position,
    )
    if not user.has_usable_password():
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return DemoAccount(person.role_label, user.username, DEMO_PASSWORD, agency.name)


@register_seeder("accounts.demo", order=10, description="Tài khoản thử nghiệm")
def seed_demo_accounts() -> StepResult:
    admin = demo_admin()
    accounts = [DEMO_ADMIN]
    citizen = ensure_user(
        username="037090001234",
        password=DEMO_PASSWORD,
        full_name="Nguyễn Văn An",
        pin="037090001234",
    )
    business = ensure_user(
        username="2701234560",
        password=DEMO_PASSWORD,
        kind=UserKind.BUSINESS,
        full_name="Công ty TNHH Nông sản Liên Minh",
        tax_code="2701234560",
    )
    accounts += [
        DemoAccount("Công dân", citizen.username, DEMO_PASSWORD, "qua «Định danh thử nghiệm»"),
        DemoAccount("Doanh nghiệp", business.username, DEMO_PASSWORD, "qua «Định danh thử nghiệm»"),
    ]
    commune = directory.agencies_of_unit(DEMO_COMMUNE)
    places = {
        "commune": commune.get(kind="people_committee"),
        "centre": commune.get(kind="service_centre"),
        "other_centre": directory.agencies_of_unit(OTHER_COMMUNE).get(kind="service_centre"),
    }
    province = places["commune"].province
    if province is None:  # the loader gives every commune's agencies their province
        raise LookupError(f"the People's Committee of commune {DEMO_COMMUNE} has no province")
    places["province"] = directory.search_agencies(
        province=province.code, kind="people_committee", level="province"
    ).get()
    for person in _OFFICIALS:
        accounts.append(demo_official(admin, person, places[person.where]))
    return StepResult(f"{len(accounts)} tài khoản thử nghiệm", accounts=accounts)
