"""Writes on accounts: provisioning, roles, login from an identity provider, second factor.

Every change is audited; permission checks come first (``permissions.authorize``).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from lienthong.accounts.constants import Perm, Role
from lienthong.accounts.models import ApiClient, RoleAssignment, User, UserKind
from lienthong.accounts.permissions import authorize, can, forget_grants, is_platform_admin
from lienthong.core import audit
from lienthong.core.errors import (
    Conflict,
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from lienthong.core.identifiers import IdentifierError, normalize_pin, normalize_tax_code
from lienthong.core.text import clean_param

if TYPE_CHECKING:
    from lienthong.directory.models import Agency

__all__ = [
    "ApiCredentials",
    "add_official",
    "confirm_totp",
    "create_api_client",
    "disable_totp",
    "ensure_user",
    "grant_role",
    "login_with_claims",
    "revoke_role",
    "start_totp_enrolment",
    "update_account",
    "verify_second_factor",
]


def _identifier_error(field: str, exc: IdentifierError) -> InvalidInput:
    return InvalidInput(exc.message, invalid_params=[InvalidParam(field, exc.code, exc.message)])


def ensure_user(
    *,
    username: str,
    password: str | None,
    kind: str = UserKind.CITIZEN,
    full_name: str = "",
    pin: str | None = None,
    tax_code: str | None = None,
    email: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: User | None = None,
) -> User:
    """Create the user, or bring an existing one to exactly these attributes.

    Idempotent (used by seeders and provisioning); identifiers are validated
    and normalised first, so nothing is stored when one is wrong. ``password=None``
    leaves the account without a usable password (login through the identity
    provider only).
    """
    try:
        pin = normalize_pin(pin) if pin else None
    except IdentifierError as exc:
        raise _identifier_error("pin", exc) from exc
    try:
        tax_code = normalize_tax_code(tax_code) if tax_code else None
    except IdentifierError as exc:
        raise _identifier_error("tax_code", exc) from exc
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        user.kind = kind
        user.full_name = full_name
        user.pin = pin
        user.tax_code = tax_code
        user.email = email
        user.is_staff = is_staff
        user.is_superuser = is_superuser
        if password is None:
            user.set_unusable_password()
        else:
            user.set_password(password)
        user.save()
        audit.record(
            "account.created" if created else "account.updated",
            actor=actor or "system:provisioning",
            object_type="user",
            object_id=user.pk,
            data={
                "username": username,
                "kind": kind,
                "is_staff": is_staff,
                "is_superuser": is_superuser,
            },
        )
    return user


def update_account(
    *, actor: User, user_id: int, full_name: str, email: str, is_active: bool
) -> User:
    """An administrator corrects an account's name or e-mail, or (de)activates it (the
    admin's only edit of an account). Privileges, identification numbers and roles are
    not changed here. Raises PermissionDenied unless ``actor`` is a platform
    administrator, NotFound for an unknown account; audited with what changed."""
    if not is_platform_admin(actor):
        raise PermissionDenied(_("Chỉ quản trị nền tảng mới sửa được thông tin tài khoản."))
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=user_id).first()
        if user is None:
            raise NotFound(_("Không tìm thấy tài khoản."))
        wanted = {"full_name": " ".join(full_name.split()), "email": email, "is_active": is_active}
        changed = {name: value for name, value in wanted.items() if getattr(user, name) != value}
        if not changed:
            return user
        for name, value in changed.items():
            setattr(user, name, value)
        user.save(update_fields=list(changed))
        audit.record(
            "account.updated",
            actor=actor,
            object_type="user",
            object_id=user.pk,
            data={"changed": changed, "via": "admin"},
        )
    return user


# ------------------------------------------------------------------------ roles


def _check_roles(actor: User, roles: list[str]) -> None:
    unknown = [r for r in roles if r not in Role.values]
    if unknown or not roles:
        raise InvalidInput(
            _("Vai trò không hợp lệ."),
            invalid_params=[
                InvalidParam(
                    "roles", "unknown_role", _("Chọn ít nhất một vai trò trong danh sách.")
                )
            ],
        )
    if Role.PLATFORM_ADMIN in roles and not is_platform_admin(actor):
        raise InvalidInput(
            _("Chỉ quản trị nền tảng mới giao được vai trò quản trị nền tảng."),
            invalid_params=[
                InvalidParam(
                    "roles",
                    "platform_admin_reserved",
                    _("Chỉ quản trị nền tảng mới giao được vai trò này."),
                )
            ],
        )


def _grant(
    actor: User, user: User, agency: Agency, role: str, position: str = ""
) -> RoleAssignment | None:
    held = RoleAssignment.objects.active().filter(user=user, agency=agency, role=role).first()
    if held is not None:
        if position and held.position != position:
            held.position = position
            held.save(update_fields=["position"])
            audit.record(
                "role.position_changed",
                actor=actor,
                object_type="user",
                object_id=user.pk,
                data={"agency": agency.code, "role": role, "position": position},
            )
        return None
    assignment = RoleAssignment.objects.create(
        user=user,
        agency=agency,
        role=role,
        position=position,
        granted_by=actor if actor and actor.pk else None,
    )
    audit.record(
        "role.granted",
        actor=actor,
        object_type="user",
        object_id=user.pk,
        data={"agency": agency.code, "role": role, "position": position},
    )
    forget_grants(user)
    return assignment


def grant_role(*, actor: User, user: User, agency: Agency, role: str) -> RoleAssignment | None:
    """Give ``user`` the ``role`` at ``agency``; ``None`` when it was already held.

    Raises PermissionDenied unless ``actor`` manages the agency's officials, and
    InvalidInput for an unknown role or a platform-admin role from a non-platform admin.
    """
    authorize(actor, Perm.AGENCY_MANAGE_OFFICIALS, agency=agency)
    _check_roles(actor, [role])
    with transaction.atomic():
        if user.kind != UserKind.OFFICIAL and user.kind != UserKind.BUSINESS:
            user.kind = UserKind.OFFICIAL
            user.save(update_fields=["kind"])
        return _grant(actor, user, agency, role)


def add_official(
    *,
    actor: User,
    agency: Agency,
    pin: str,
    full_name: str,
    roles: list[str],
    email: str = "",
    position: str = "",
) -> User:
    """Attach a person (by personal identification number) to ``agency`` with ``roles``
    and ``position`` (chức vụ, printed under their signature on results they sign).

    The person's account is created when it does not exist yet (they log in with
    their national e-ID; no password is set here). Idempotent: roles already held
    are kept. Raises PermissionDenied, or InvalidInput naming the bad field.
    """
    authorize(actor, Perm.AGENCY_MANAGE_OFFICIALS, agency=agency)
    try:
        pin = normalize_pin(pin)
    except IdentifierError as exc:
        raise _identifier_error("pin", exc) from exc
    full_name = " ".join(full_name.split())
    if not full_name:
        raise InvalidInput(
            _("Họ và tên không được để trống."),
            invalid_params=[InvalidParam("full_name", "required", _("Nhập họ và tên."))],
        )
    _check_roles(actor, roles)
    position = clean_param("position", position, max_length=120)
    with transaction.atomic():
        user = User.objects.filter(pin=pin).first()
        if user is None:
            user = User(username=pin, pin=pin, full_name=full_name, email=email)
            user.set_unusable_password()
            user.kind = UserKind.OFFICIAL
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as exc:  # the username is taken by another account
                raise Conflict(_("Tên đăng nhập %(u)s đã được dùng.") % {"u": pin}) from exc
            audit.record(
                "account.created",
                actor=actor,
                object_type="user",
                object_id=user.pk,
                data={"kind": UserKind.OFFICIAL, "via": "add_official"},
            )
        else:
            changed = []
            if user.kind != UserKind.OFFICIAL:
                user.kind = UserKind.OFFICIAL
                changed.append("kind")
            if email and not user.email:
                user.email = email
                changed.append("email")
            if changed:
                user.save(update_fields=changed)
        for role in roles:
            _grant(actor, user, agency, role, position)
    return user


def revoke_role(*, actor: User, assignment_id: int) -> RoleAssignment:
    """End a role assignment (the row stays, with who revoked it and when).

    Raises NotFound for an unknown or already revoked assignment, and the same NotFound
    when ``actor`` may not even see the officials of the assignment's agency (an id of
    another agency says nothing: docs/access.md); PermissionDenied when they see them
    but do not manage them.
    """
    assignment = (
        RoleAssignment.objects.active()
        .select_related("agency", "user")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None or not can(actor, Perm.AGENCY_VIEW_OFFICIALS, agency=assignment.agency):
        raise NotFound(_("Không tìm thấy vai trò này (có thể đã được thu hồi)."))
    authorize(actor, Perm.AGENCY_MANAGE_OFFICIALS, agency=assignment.agency)
    if assignment.role == Role.PLATFORM_ADMIN and not is_platform_admin(actor):
        raise InvalidInput(_("Chỉ quản trị nền tảng mới thu hồi được vai trò này."))
    with transaction.atomic():
        assignment.revoked_at = timezone.now()
        assignment.revoked_by = actor if actor and actor.pk else None
        assignment.save(update_fields=["revoked_at", "revoked_by"])
        audit.record(
            "role.revoked",
            actor=actor,
            object_type="user",
            object_id=assignment.user_id,
            data={"agency": assignment.agency.code, "role": assignment.role},
        )
    forget_grants(assignment.user)
    return assignment


# ------------------------------------------------------------------- identity


def login_with_claims(
    *, issuer: str, claims: dict[str, Any], pin_claim: str, tax_code_claim: str, ip: str = ""
) -> User:
    """The account an identity provider's verified ID token stands for.

    A person is matched by the personal identification number claim, a business
    by the tax code claim (VNeID's model); an unknown person or business gets an
    account on first login. Raises Unauthenticated (code ``missing-identity-claim``
    or ``invalid-identity-claim``) when the token carries neither usable claim;
    nothing is created then. The caller logs the session in.
    """
    raw_pin = claims.get(pin_claim)
    raw_tax = claims.get(tax_code_claim)
    name = str(claims.get("name") or "").strip()[:200]
    try:
        pin = normalize_pin(str(raw_pin)) if raw_pin else None
        tax_code = normalize_tax_code(str(raw_tax)) if raw_tax and not pin else None
    except IdentifierError as exc:
        audit.record(
            "auth.oidc_rejected",
            actor="anonymous",
            ip=ip,
            data={"issuer": issuer, "sub": str(claims.get("sub", ""))[:100], "reason": exc.code},
        )
        raise Unauthenticated(
            _("Định danh điện tử trả về số định danh hoặc mã số thuế không hợp lệ."),
            code="invalid-identity-claim",
        ) from exc
    if not pin and not tax_code:
        audit.record(
            "auth.oidc_rejected",
            actor="anonymous",
            ip=ip,
            data={"issuer": issuer, "sub": str(claims.get("sub", ""))[:100], "reason": "missing"},
        )
        raise Unauthenticated(
            _("Định danh điện tử không trả về số định danh cá nhân hoặc mã số thuế."),
            code="missing-identity-claim",
        )
    with transaction.atomic():
        user = (
            User.objects.filter(pin=pin).first()
            if pin
            else User.objects.filter(tax_code=tax_code).first()
        )
        created = user is None
        if user is None:
            ident = str(pin or tax_code)
            username = (
                ident
                if not User.objects.filter(username=ident).exists()
                else (f"{ident}-{secrets.token_hex(3)}")
            )
            user = User(
                username=username,
                pin=pin,
                tax_code=tax_code,
                full_name=name,
                kind=UserKind.CITIZEN if pin else UserKind.BUSINESS,
            )
            user.set_unusable_password()
            user.save()
        elif name and not user.full_name:
            user.full_name = name
            user.save(update_fields=["full_name"])
        audit.record(
            "auth.oidc_identity",
            actor=user,
            object_type="user",
            object_id=user.pk,
            ip=ip,
            data={"issuer": issuer, "sub": str(claims.get("sub", ""))[:100], "created": created},
        )
    if not user.is_active:
        raise Unauthenticated(_("Tài khoản đã bị khoá."), code="account-disabled")
    return user


# ---------------------------------------------------------------- second factor


def start_totp_enrolment(*, user: User) -> TOTPDevice:
    """A new, unconfirmed authenticator for ``user`` (a previous unconfirmed one is dropped)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=_("Ứng dụng xác thực"), confirmed=False)


def _bad_code() -> InvalidInput:
    return InvalidInput(
        _("Mã xác thực không đúng hoặc đã hết hạn."),
        invalid_params=[
            InvalidParam("token", "invalid_token", _("Nhập mã 6 số đang hiện trong ứng dụng."))
        ],
    )


def confirm_totp(*, user: User, token: str) -> TOTPDevice:
    """Confirm the pending authenticator with a current code; from then on login asks for one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise NotFound(_("Chưa bắt đầu đăng ký ứng dụng xác thực."))
    if not device.verify_token(token.strip()):
        raise _bad_code()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record("auth.totp_enabled", actor=user, object_type="user", object_id=user.pk)
    return device


def verify_second_factor(*, user: User, token: str, ip: str = "") -> TOTPDevice:
    """Check a login code against the user's authenticator (django-otp throttles repeats)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        raise NotFound(_("Tài khoản chưa bật xác thực hai bước."))
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        audit.record(
            "auth.totp_throttled", actor=user, object_type="user", object_id=user.pk, ip=ip
        )
        raise InvalidInput(
            _("Nhập sai quá nhiều lần. Vui lòng chờ ít phút rồi thử lại."), code="too-many-attempts"
        )
    if not device.verify_token(token.strip()):
        audit.record("auth.totp_failed", actor=user, object_type="user", object_id=user.pk, ip=ip)
        raise _bad_code()
    return device


def disable_totp(*, user: User, token: str) -> None:
    """Turn the second factor off; needs a current code so a stolen session cannot do it."""
    verify_second_factor(user=user, token=token)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        audit.record("auth.totp_disabled", actor=user, object_type="user", object_id=user.pk)


# -------------------------------------------------------------------- API clients


@dataclass(frozen=True)
class ApiCredentials:
    client_id: str
    client_secret: str
    agency_code: str


def create_api_client(*, actor: User, agency: Agency, name: str) -> ApiCredentials:
    """Register a system that calls the API for ``agency`` (OAuth2 client credentials).

    The secret is returned once and stored only hashed.
    """
    from oauth2_provider.models import Application

    authorize(actor, Perm.AGENCY_MANAGE_OFFICIALS, agency=agency)
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(
            _("Tên hệ thống không được để trống."),
            invalid_params=[InvalidParam("name", "required", _("Nhập tên hệ thống."))],
        )
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        app = Application.objects.create(
            name=name[:255],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
            client_secret=secret,
            hash_client_secret=True,
        )
        ApiClient.objects.create(application=app, agency=agency, created_by=actor)
        audit.record(
            "api_client.created",
            actor=actor,
            object_type="api_client",
            object_id=app.client_id,
            data={"agency": agency.code, "name": name},
        )
    return ApiCredentials(app.client_id, secret, agency.code)


def ensure_sample_citizens(count: int, rng: random.Random) -> list[int]:
    """Primary keys of ``count`` generated citizens (``sinh-0`` …), created in bulk where
    missing. Only for ``lienthong seed --dossiers`` (generated history, not audited): they
    have no usable password and PINs no real person holds in the demo."""
    existing = list(
        User.objects.filter(username__startswith="sinh-").values_list("pk", flat=True)[:count]
    )
    if len(existing) >= count:
        return existing
    password = make_password(None)
    prefixes = ["001", "036", "037", "038", "040", "079", "092"]
    users = []
    for i in range(len(existing), count):
        pin = f"{rng.choice(prefixes)}{rng.choice('0123')}{rng.randint(40, 99) % 100:02d}{i:06d}"
        users.append(
            User(
                username=f"sinh-{i}",
                pin=pin,
                full_name=f"Công dân mẫu {i}",
                kind=UserKind.CITIZEN,
                password=password,
            )
        )
    User.objects.bulk_create(users, batch_size=5_000, ignore_conflicts=True)
    return list(User.objects.filter(username__startswith="sinh-").values_list("pk", flat=True))
