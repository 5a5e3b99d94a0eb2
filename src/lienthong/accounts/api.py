"""API of accounts: who am I, and the officials of an agency."""

from __future__ import annotations

from ninja import Router, Status

from lienthong.accounts import selectors, services
from lienthong.accounts.auth import ApiRequest, SystemPrincipal, api_auth
from lienthong.accounts.constants import Perm
from lienthong.accounts.models import RoleAssignment, User
from lienthong.accounts.schemas import MeOut, OfficialIn, OfficialOut, RoleOut
from lienthong.core.errors import PermissionDenied

router = Router(tags=["Tài khoản và phân quyền"], auth=api_auth)


def _role(a: RoleAssignment) -> RoleOut:
    return RoleOut(
        id=a.pk,
        role=a.role,
        role_label=str(a.get_role_display()),
        agency_code=a.agency.code,
        agency_name=a.agency.name,
        granted_at=a.granted_at,
    )


def _person(request: ApiRequest) -> User:
    if isinstance(request.auth, SystemPrincipal):
        raise PermissionDenied(code="people-only")
    return request.auth


@router.get("/me", response=MeOut, summary="Tài khoản đang gọi API")
def me(request: ApiRequest) -> MeOut:
    """Người (token của người dùng hoặc phiên web) hoặc hệ thống (client credentials) đang
    gọi API, với các vai trò tại các cơ quan."""
    principal = request.auth
    if isinstance(principal, SystemPrincipal):
        return MeOut(kind="system", name=principal.name, agency_code=principal.agency.code)
    return MeOut(
        kind=principal.kind,
        name=principal.get_full_name(),
        pin=principal.pin,
        tax_code=principal.tax_code,
        roles=[_role(a) for a in selectors.roles_of(principal)],
        second_factor=selectors.has_second_factor(principal),
    )


@router.get(
    "/agencies/{code}/officials", response=list[OfficialOut], summary="Cán bộ của một cơ quan"
)
def list_officials(request: ApiRequest, code: str) -> list[OfficialOut]:
    """Cán bộ và vai trò tại cơ quan; cần vai trò lãnh đạo hoặc quản trị của cơ quan đó."""
    agency = selectors.get_agency_for(_person(request), code, Perm.AGENCY_VIEW_OFFICIALS)
    return [
        OfficialOut(
            name=o.user.get_full_name(), pin=o.user.pin, roles=[_role(a) for a in o.assignments]
        )
        for o in selectors.officials_of(agency)
    ]


@router.post(
    "/agencies/{code}/officials",
    response={201: OfficialOut},
    summary="Thêm cán bộ, giao vai trò",
)
def add_official(request: ApiRequest, code: str, payload: OfficialIn) -> Status[OfficialOut]:
    """Gắn một người (theo số định danh cá nhân) vào cơ quan với các vai trò; lặp lại không
    tạo trùng. Cần vai trò quản trị cơ quan."""
    actor = _person(request)
    agency = selectors.get_agency_for(actor, code, Perm.AGENCY_VIEW_OFFICIALS)
    user = services.add_official(actor=actor, agency=agency, **payload.dict())
    assignments = [
        a for o in selectors.officials_of(agency) if o.user.pk == user.pk for a in o.assignments
    ]
    out = OfficialOut(
        name=user.get_full_name(), pin=user.pin, roles=[_role(a) for a in assignments]
    )
    return Status(201, out)


@router.post(
    "/role-assignments/{assignment_id}/revoke", response=RoleOut, summary="Thu hồi vai trò"
)
def revoke_role(request: ApiRequest, assignment_id: int) -> RoleOut:
    """Kết thúc một vai trò (bản ghi được giữ lại cùng người thu hồi, thời điểm)."""
    return _role(services.revoke_role(actor=_person(request), assignment_id=assignment_id))
