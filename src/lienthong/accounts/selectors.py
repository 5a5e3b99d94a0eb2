"""Reads on accounts, with the access checks of ``permissions``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from lienthong.accounts.constants import Perm, Role
from lienthong.accounts.models import ApiClient, RoleAssignment, User, UserKind
from lienthong.accounts.permissions import can, grants_of, is_platform_admin, reach
from lienthong.core.errors import NotFound
from lienthong.directory import selectors as directory

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lienthong.directory.models import Agency

__all__ = [
    "Menu",
    "Official",
    "agencies_administered_by",
    "api_clients_of",
    "get_agency_for",
    "has_second_factor",
    "menu_of",
    "officials_of",
    "position_of",
    "roles_of",
]


def roles_of(user: User | AnonymousUser) -> list[RoleAssignment]:
    """The active roles of ``user`` with their agencies, for display."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return []
    return list(
        RoleAssignment.objects.active()
        .filter(user_id=user.pk)
        .select_related("agency", "agency__province")
        .order_by("agency__code", "role")
    )


@dataclass(frozen=True)
class Menu:
    """Which parts of the site a person's roles open, for the header: a citizen sees
    neither the officials' desk nor the dashboard (they would only meet a 403)."""

    official: bool = False
    steering: bool = False


def menu_of(user: User | AnonymousUser) -> Menu:
    """The header's menu of ``user`` (the roles are read once per request)."""
    if not isinstance(user, User):
        return Menu()
    admin = is_platform_admin(user)
    watch = reach(user, Perm.STEERING_VIEW)
    return Menu(
        official=admin or bool(grants_of(user)) or user.kind == UserKind.OFFICIAL,
        steering=watch.everywhere or bool(watch.agencies or watch.provinces),
    )


def position_of(user: User, agency: Agency) -> str:
    """The position ``user`` holds at ``agency`` (chức vụ, printed under a signature);
    empty when none is recorded."""
    held = dict(
        RoleAssignment.objects.active()
        .filter(user_id=user.pk, agency=agency)
        .exclude(position="")
        .values_list("role", "position")
    )
    # The position of the role that signs first (a leader's), whatever the row order.
    for role in (Role.LEADER, *Role.values):
        if role in held:
            return str(held[role])
    return ""


def get_agency_for(user: User | AnonymousUser, code: str, perm: str) -> Agency:
    """The agency ``code`` if ``user`` may do ``perm`` there; the same NotFound otherwise."""
    try:
        agency = directory.get_agency(code)
    except NotFound:
        agency = None
    if agency is None or not can(user, perm, agency=agency):
        raise NotFound(_("Không tìm thấy cơ quan, hoặc tài khoản không có quyền với cơ quan này."))
    return agency


@dataclass
class Official:
    user: User
    assignments: list[RoleAssignment] = field(default_factory=list)

    @property
    def roles(self) -> list[str]:
        return [a.role for a in self.assignments]


def officials_of(agency: Agency) -> list[Official]:
    """People holding an active role at ``agency``, by name, with their assignments."""
    found: dict[int, Official] = {}
    rows = (
        RoleAssignment.objects.active()
        .filter(agency=agency)
        .select_related("user")
        .order_by("user__full_name", "user__username", "role")
    )
    for a in rows:
        found.setdefault(a.user_id, Official(a.user)).assignments.append(a)
    return list(found.values())


def holders_of(agency: Agency, role: str) -> list[User]:
    """People holding ``role`` at ``agency`` now (the specialists a leader assigns to)."""
    return [
        a.user
        for a in RoleAssignment.objects.active()
        .filter(agency=agency, role=role)
        .select_related("user")
    ]


def agencies_administered_by(user: User) -> QuerySet[Agency] | None:
    """Agencies whose officials ``user`` manages; ``None`` for a platform admin (all)."""
    if is_platform_admin(user):
        return None
    own = RoleAssignment.objects.active().filter(user_id=user.pk, role=Role.AGENCY_ADMIN)
    ids = list(own.values_list("agency_id", flat=True))
    return directory.search_agencies().filter(Q(pk__in=ids) | Q(parent_id__in=ids)).order_by("code")


def api_clients_of(agency: Agency) -> QuerySet[ApiClient]:
    return (
        ApiClient.objects.filter(agency=agency)
        .select_related("application")
        .order_by("-created_at")
    )


def has_second_factor(user: User) -> bool:
    return bool(TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists())


def can_publish_catalog(user: User | AnonymousUser) -> bool:
    return can(user, Perm.CATALOG_PUBLISH)


def can_manage(user: User | AnonymousUser, agency: Agency) -> bool:
    return can(user, Perm.AGENCY_MANAGE_OFFICIALS, agency=agency)


@dataclass(frozen=True)
class SteeringScope:
    """What a person may watch on the steering dashboard."""

    allowed: bool
    national: bool
    provinces: list[str]


def steering_scope(user: User | AnonymousUser) -> SteeringScope:
    """The provinces ``user`` may watch (by name), the whole country, or nothing."""
    from lienthong.accounts.permissions import steering_provinces
    from lienthong.geo.selectors import unit_names

    ids = steering_provinces(user) if getattr(user, "is_authenticated", False) else set()
    if ids is None:
        return SteeringScope(True, True, [])
    return SteeringScope(bool(ids), False, unit_names(ids))


def steering_province_ids(user: User | AnonymousUser) -> set[int] | None:
    """Province ids ``user`` may watch (None: the whole country; empty: none)."""
    from lienthong.accounts.permissions import steering_provinces

    if not getattr(user, "is_authenticated", False):
        return set()
    return steering_provinces(user)


def get_user(user_id: int) -> User | None:
    """The account with this id, or None."""
    return User.objects.filter(pk=user_id).first()


def user_by_pin(pin: str) -> User | None:
    """The account of a personal identification number, or None."""
    pin = pin.strip()
    return User.objects.filter(pin=pin).first() if pin else None
