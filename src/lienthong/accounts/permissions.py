"""The one place that decides whether an account may act on an object.

Services call :func:`authorize` first; views and the API only hide what a
service would refuse anyway. The matrix is ``ROLE_PERMISSIONS`` in
``constants.py``; the scoping rules are here:

* agency-bound permissions apply to the agency where the role is held; the
  ``agency.*`` permissions also reach the agencies directly under it (the
  People's Committee's administrator manages its service centre's staff);
* ``steering.view`` applies to the province of that agency, or the whole
  country when the agency is central;
* ``catalog.publish`` and every other permission are the platform
  administrator's everywhere (a superuser counts as one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from lienthong.accounts.constants import PLATFORM_WIDE, PROVINCE_SCOPED, ROLE_PERMISSIONS, Role
from lienthong.core.errors import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency
    from lienthong.geo.models import AdministrativeUnit

__all__ = ["Grant", "authorize", "can", "grants_of", "is_platform_admin", "steering_provinces"]

_CACHE_ATTR = "_lienthong_grants"


@dataclass(frozen=True, slots=True)
class Grant:
    role: str
    agency_id: int
    agency_parent_id: int | None
    province_id: int | None
    central: bool


def grants_of(user: User | AnonymousUser | None) -> tuple[Grant, ...]:
    """The active roles of ``user``, loaded once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return ()
    cached: tuple[Grant, ...] | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    from lienthong.accounts.models import RoleAssignment

    rows = (
        RoleAssignment.objects.active()
        .filter(user_id=user.pk)
        .values_list(
            "role", "agency_id", "agency__parent_id", "agency__province_id", "agency__level"
        )
    )
    grants = tuple(
        Grant(role, agency_id, parent_id, province_id, level == "central")
        for role, agency_id, parent_id, province_id, level in rows
    )
    setattr(user, _CACHE_ATTR, grants)
    return grants


def forget_grants(user: User) -> None:
    """Drop the cached roles after a change (the next check reloads them)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def is_platform_admin(user: User | AnonymousUser | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser) or any(g.role == Role.PLATFORM_ADMIN for g in grants_of(user))


def _ids(target: Agency | AdministrativeUnit | None) -> tuple[int | None, int | None, int | None]:
    """(agency id, agency's parent id, province id) of an agency, or a province unit."""
    if target is None:
        return None, None, None
    if hasattr(target, "kind") and hasattr(target, "province_id"):  # an Agency
        return target.pk, target.parent_id, target.province_id
    return None, None, target.pk  # an AdministrativeUnit (province)


def can(
    user: User | AnonymousUser | None,
    perm: str,
    *,
    agency: Agency | None = None,
    province: AdministrativeUnit | None = None,
) -> bool:
    """Whether ``user`` may do ``perm`` on ``agency`` (or, for steering, ``province``).

    ``province=None`` with ``steering.view`` asks for the national view.
    """
    if is_platform_admin(user):
        return True
    if perm in PLATFORM_WIDE:
        return False
    grants = [g for g in grants_of(user) if perm in ROLE_PERMISSIONS[g.role]]
    if not grants:
        return False
    if perm in PROVINCE_SCOPED:
        target_province = _ids(province if province is not None else agency)[2]
        return any(
            g.central or (target_province and g.province_id == target_province) for g in grants
        )
    agency_id, parent_id, _province = _ids(agency)
    if agency_id is None:
        return False
    if any(g.agency_id == agency_id for g in grants):
        return True
    # The administrator of an agency also manages the agencies directly under it.
    return perm.startswith("agency.") and any(g.agency_id == parent_id for g in grants)


def authorize(
    user: User | AnonymousUser | None,
    perm: str,
    *,
    agency: Agency | None = None,
    province: AdministrativeUnit | None = None,
) -> None:
    """Raise :class:`PermissionDenied` (code ``permission-denied``) unless :func:`can`."""
    if not can(user, perm, agency=agency, province=province):
        raise PermissionDenied(
            _("Tài khoản không có quyền thực hiện thao tác này đối với cơ quan, địa bàn đã chọn.")
        )


def steering_provinces(user: User | AnonymousUser | None) -> set[int] | None:
    """Province ids ``user`` may watch on the steering dashboard; ``None`` means all."""
    from lienthong.accounts.constants import Perm

    if is_platform_admin(user):
        return None
    grants = [g for g in grants_of(user) if Perm.STEERING_VIEW in ROLE_PERMISSIONS[g.role]]
    if any(g.central for g in grants):
        return None
    return {g.province_id for g in grants if g.province_id is not None}


def matrix_markdown() -> str:
    """The permission matrix as a Markdown table (docs/access.md embeds it; a test compares)."""
    from lienthong.accounts.constants import Perm

    roles = list(Role)
    head = (
        "| " + " | ".join(["quyền (permission)", *[f"{r.label} `{r.value}`" for r in roles]]) + " |"
    )
    rule = "|" + "---|" * (len(roles) + 1)
    lines = [head, rule]
    for perm in Perm:
        marks = []
        for role in roles:
            if role == Role.PLATFORM_ADMIN:
                marks.append("toàn quốc")
            elif perm not in ROLE_PERMISSIONS[role]:
                marks.append("—")
            elif perm in PROVINCE_SCOPED:
                marks.append("tỉnh của cơ quan")
            elif perm.startswith("agency."):
                marks.append("cơ quan và cơ quan trực thuộc")
            else:
                marks.append("cơ quan mình")
        lines.append(f"| {perm.label} `{perm.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines) + "\n"
