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

:func:`scope_of` names each cell of the matrix (one role, one permission), and
:func:`reach` gathers a person's cells into the agencies and provinces one
permission reaches, for :func:`can` and for the queries that list what a person
may read. ``READS`` says which permission opens each page, file and list of
dossiers; docs/access.md prints both tables and a test walks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Literal

from django.utils.translation import gettext as _

from lienthong.accounts.constants import (
    PLATFORM_WIDE,
    PROVINCE_SCOPED,
    ROLE_PERMISSIONS,
    Perm,
    Role,
)
from lienthong.core.errors import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency
    from lienthong.geo.models import AdministrativeUnit

__all__ = [
    "READS",
    "Grant",
    "Reach",
    "Read",
    "RoleChecked",
    "Scope",
    "agencies_with",
    "authorize",
    "can",
    "grants_of",
    "is_platform_admin",
    "reach",
    "role_for",
    "scope_of",
    "steering_provinces",
]

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


class Scope(StrEnum):
    """What one role's permission reaches, seen from the agency where the role is held."""

    NONE = "none"
    OWN = "own"  # that agency
    OWN_AND_UNDER = "own_and_under"  # and the agencies directly under it
    PROVINCE = "province"  # its province (the whole country for a central agency)
    COUNTRY = "country"

    @property
    def label(self) -> str:
        """The cell's words in docs/access.md."""
        return _SCOPE_LABELS[self]


_SCOPE_LABELS: Final[dict[Scope, str]] = {
    Scope.NONE: "—",
    Scope.OWN: "cơ quan mình",
    Scope.OWN_AND_UNDER: "cơ quan và cơ quan trực thuộc",
    Scope.PROVINCE: "tỉnh của cơ quan",
    Scope.COUNTRY: "toàn quốc",
}


def scope_of(role: str, perm: str) -> Scope:
    """One cell of the matrix: how far ``role`` may do ``perm``."""
    if role == Role.PLATFORM_ADMIN:
        return Scope.COUNTRY
    if perm in PLATFORM_WIDE or perm not in ROLE_PERMISSIONS[role]:
        return Scope.NONE
    if perm in PROVINCE_SCOPED:
        return Scope.PROVINCE
    if perm.startswith("agency."):
        return Scope.OWN_AND_UNDER
    return Scope.OWN


@dataclass(frozen=True, slots=True)
class Reach:
    """Where one permission of one person reaches: everywhere, or these agencies, the
    agencies directly under these, and the agencies of these provinces."""

    everywhere: bool = False
    agencies: frozenset[int] = frozenset()
    under: frozenset[int] = frozenset()
    provinces: frozenset[int] = frozenset()


def reach(user: User | AnonymousUser | None, perm: str) -> Reach:
    """The union of ``user``'s cells of the matrix for ``perm``."""
    if is_platform_admin(user):
        return Reach(everywhere=True)
    agencies: set[int] = set()
    under: set[int] = set()
    provinces: set[int] = set()
    for g in grants_of(user):
        scope = scope_of(g.role, perm)
        if scope == Scope.COUNTRY or (scope == Scope.PROVINCE and g.central):
            return Reach(everywhere=True)
        if scope == Scope.PROVINCE and g.province_id is not None:
            provinces.add(g.province_id)
        elif scope in (Scope.OWN, Scope.OWN_AND_UNDER):
            agencies.add(g.agency_id)
            if scope == Scope.OWN_AND_UNDER:
                under.add(g.agency_id)
    return Reach(False, frozenset(agencies), frozenset(under), frozenset(provinces))


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
    r = reach(user, perm)
    if r.everywhere:
        return True
    if perm in PROVINCE_SCOPED:
        target_province = _ids(province if province is not None else agency)[2]
        return target_province in r.provinces
    agency_id, parent_id, target_province = _ids(agency)
    if agency_id is None:
        return False
    return (
        agency_id in r.agencies
        or parent_id in r.under
        or (target_province is not None and target_province in r.provinces)
    )


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


class RoleChecked:
    """The permission check of a workflow machine (``core.engine.Machine.authorize``):
    ``actor`` must hold ``permission`` at ``agency``; the role they act in is recorded."""

    def authorize(self, actor: User, permission: str, agency: Agency) -> str:
        authorize(actor, permission, agency=agency)
        return role_for(actor, permission, agency)


def agencies_with(user: User | AnonymousUser | None, perm: str) -> list[int]:
    """Ids of the agencies where ``user`` holds a role that has ``perm`` (their own
    posts, not what the role reaches beyond them; none for a platform administrator
    without a post)."""
    return [g.agency_id for g in grants_of(user) if perm in ROLE_PERMISSIONS[g.role]]


def role_for(user: User | AnonymousUser | None, perm: str, agency: Agency) -> str:
    """The role under which ``user`` holds ``perm`` at ``agency`` (recorded with each
    dossier step): a role held at that agency first, then one reaching it from above;
    ``platform_admin`` for a platform administrator; "" when none does."""
    agency_id, parent_id, province_id = _ids(agency)
    reaching = ""
    for g in grants_of(user):
        scope = scope_of(g.role, perm)
        if scope == Scope.NONE:
            continue
        if g.agency_id == agency_id:
            return g.role
        if (
            scope == Scope.COUNTRY
            or (scope == Scope.PROVINCE and (g.central or g.province_id == province_id))
            or (scope == Scope.OWN_AND_UNDER and g.agency_id == parent_id)
        ):
            reaching = reaching or g.role
    if reaching:
        return reaching
    return Role.PLATFORM_ADMIN.value if is_platform_admin(user) else ""


def steering_provinces(user: User | AnonymousUser | None) -> set[int] | None:
    """Province ids ``user`` may watch on the steering dashboard; ``None`` means all."""
    r = reach(user, Perm.STEERING_VIEW)
    return None if r.everywhere else set(r.provinces)


def matrix_markdown() -> str:
    """The permission matrix as a Markdown table (docs/access.md embeds it; a test compares)."""
    roles = list(Role)
    lines = _head("quyền (permission)", roles)
    for perm in Perm:
        marks = [scope_of(role, perm).label for role in roles]
        lines.append(f"| {perm.label} `{perm.value}` | " + " | ".join(marks) + " |")
    return "\n".join(lines) + "\n"


def _head(first: str, roles: list[Role], *extra: str) -> list[str]:
    cells = [first, *extra, *[f"{r.label} `{r.value}`" for r in roles]]
    return ["| " + " | ".join(cells) + " |", "|" + "---|" * len(cells)]


#: Which agency of a dossier a permission is checked on.
Side = Literal["receiving", "handling", "either"]

_SIDE_LABELS: Final[dict[str, str]] = {
    "receiving": "tiếp nhận",
    "handling": "giải quyết",
    "either": "tiếp nhận hoặc giải quyết",
}


@dataclass(frozen=True, slots=True)
class Read:
    """A page, file or list that shows dossiers, and who sees which dossier there.

    A dossier is shown to its applicant (and to whoever filed it for them) when
    ``applicant`` says so, and to an official whose cell of ``perm`` reaches the
    dossier's ``side`` agency. ``perm`` None: nobody but the applicant. A dossier that
    is not shown answers 404 on a page of one dossier and is left out of a list.
    """

    key: str
    what: str
    perm: str | None
    side: Side
    applicant: Literal["applicant", "filer", "none"]
    many: bool = False
    #: A second permission that also opens it (either one is enough).
    or_perm: str | None = None

    def scope(self, role: str) -> Scope:
        """How far ``role``'s cell reaches on this row (the wider of the two permissions)."""
        if self.perm is None:
            return Scope.NONE
        found = [scope_of(role, p) for p in (self.perm, self.or_perm) if p is not None]
        return max(found, key=_SCOPE_ORDER.index)


_SCOPE_ORDER: Final = (
    Scope.NONE,
    Scope.OWN,
    Scope.OWN_AND_UNDER,
    Scope.PROVINCE,
    Scope.COUNTRY,
)


def _reads() -> tuple[Read, ...]:
    view = Perm.DOSSIER_VIEW
    one = [
        ("page", "Trang hồ sơ, lịch sử, thao tác `/ho-so/{mã}/`"),
        ("file", "Tệp đã nộp `/ho-so/{mã}/tep/{số}/`"),
        ("receipt", "Giấy tiếp nhận, hẹn trả `/ho-so/{mã}/giay-tiep-nhan.pdf`"),
        ("result", "Kết quả điện tử `/ho-so/{mã}/ket-qua.pdf`"),
        ("declaration", "Tờ khai điện tử (PDF) `/ho-so/{mã}/to-khai.pdf`"),
        ("form", "Mẫu phiếu 02–06 `/ho-so/{mã}/mau/{số}.pdf`"),
        ("api-detail", "API một hồ sơ `GET /api/v1/dossiers/{mã}`"),
        ("api-history", "API lịch sử `GET /api/v1/dossiers/{mã}/history`"),
    ]
    queues: list[tuple[str, str, str, Side]] = [
        ("tiep-nhan", "Chờ tiếp nhận", Perm.DOSSIER_RECEIVE, "receiving"),
        ("phan-cong", "Chờ phân công", Perm.DOSSIER_ASSIGN, "handling"),
        ("xu-ly", "Đang xử lý (của mình hoặc chưa giao ai)", Perm.DOSSIER_PROCESS, "handling"),
        ("phe-duyet", "Chờ phê duyệt, ký", Perm.DOSSIER_APPROVE, "handling"),
        ("tra-ket-qua", "Chờ trả kết quả", Perm.DOSSIER_RETURN, "receiving"),
        ("sap-den-han", "Sắp đến hạn", view, "either"),
        ("qua-han", "Quá hạn", view, "either"),
    ]
    return (
        *(Read(key, what, view, "either", "filer") for key, what in one),
        # The paper as it will be signed: for whoever submits it for signature or signs
        # it, before it is issued (docs/results.md).
        Read(
            "draft",
            "Dự thảo kết quả trước khi ký `/ho-so/{mã}/du-thao-ket-qua.pdf`",
            Perm.DOSSIER_PROCESS,
            "handling",
            "none",
            or_perm=Perm.DOSSIER_APPROVE,
        ),
        Read("api-list", "API danh sách `GET /api/v1/dossiers`", view, "either", "filer", True),
        # The dossiers behind a figure of the service index (docs/steering.md): code,
        # procedure, agency, dates, state, never the applicant; opened from there only by
        # those the rows above let read it.
        Read(
            "steering-drill",
            "Hồ sơ phía sau chỉ số (không có người nộp) `/dieu-hanh/chi-so/ho-so/`",
            Perm.STEERING_VIEW,
            "handling",
            "none",
            True,
        ),
        Read("mine", "Hồ sơ của tôi `/ho-so/`", None, "either", "applicant", True),
        *(
            Read(
                f"queue:{key}",
                f"Hàng chờ «{label}» `/can-bo/ho-so/?hang={key}`",
                perm,
                side,
                "none",
                True,
            )
            for key, label, perm, side in queues
        ),
    )


#: Every page, file and list of dossiers (docs/access.md, "Reading dossiers").
READS: Final[tuple[Read, ...]] = _reads()

_APPLICANT_LABELS: Final[dict[str, str]] = {
    "filer": "người đứng tên, người nộp thay",
    "applicant": "người đứng tên",
    "none": "—",
}


def reads_markdown() -> str:
    """Who sees which dossier on each page and list (docs/access.md embeds it)."""
    roles = list(Role)
    lines = _head("trang, danh sách (read, list)", roles, "người nộp", "quyền", "cơ quan của hồ sơ")
    for r in READS:
        if r.perm is None:
            cells = [_APPLICANT_LABELS[r.applicant], "—", "—", *["—"] * len(roles)]
        else:
            perms = f"`{Perm(r.perm).value}`"
            if r.or_perm is not None:
                perms += f" hoặc `{Perm(r.or_perm).value}`"
            cells = [
                _APPLICANT_LABELS[r.applicant],
                perms,
                _SIDE_LABELS[r.side],
                *[r.scope(role).label for role in roles],
            ]
        lines.append(f"| {r.what} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
