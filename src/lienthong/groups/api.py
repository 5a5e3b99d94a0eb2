"""API of interconnected applications (a person filing for themselves)."""

from typing import TYPE_CHECKING

from ninja import Router, Status
from ninja.params.functions import Header

from lienthong.accounts.auth import ApiRequest, SystemPrincipal, api_auth
from lienthong.core.errors import PermissionDenied
from lienthong.groups import selectors, services
from lienthong.groups.models import GroupApplication
from lienthong.groups.schemas import ApplicationIn, ApplicationOut, StepOut

if TYPE_CHECKING:
    from lienthong.accounts.models import User

router = Router(tags=["Hồ sơ liên thông"], auth=api_auth)


def _out(user: "User", app: GroupApplication) -> ApplicationOut:
    return ApplicationOut(
        code=app.code,
        group=app.group.code,
        status=app.status,
        status_label=str(app.get_status_display()),
        submitted_at=app.submitted_at,
        finished_at=app.finished_at,
        results={k: str(v) for k, v in app.results.items()},
        steps=[
            StepOut(
                order=r.step.order,
                procedure=r.step.procedure_code,
                procedure_name=r.step.procedure_name,
                status=r.step.status,
                status_label=r.status,
                note=r.step.note,
                dossier=r.dossier_code or None,
                agency=r.agency or None,
                due_at=r.due_at,
            )
            for r in selectors.rows_of(user, app)
        ],
    )


@router.post("/group-applications", response={201: ApplicationOut}, summary="Nộp hồ sơ liên thông")
def file_application(
    request: ApiRequest,
    payload: ApplicationIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
) -> Status[ApplicationOut]:
    """Người dân khai một lần trên tờ khai chung của nhóm thủ tục liên thông (`LT-01`:
    khai sinh, thường trú, thẻ BHYT trẻ dưới 6 tuổi; `LT-02`: khai tử, xóa thường trú,
    mai táng phí, tử tuất). Thủ tục đầu tiên thành hồ sơ ngay; các thủ tục sau được nền
    tảng chuyển cho cơ quan tiếp theo khi có kết quả bước trước. Tờ khai sai: 422, mỗi
    lỗi nêu mục `form_data.<khóa>`; không hồ sơ nào được tạo. Gửi lại với cùng tiêu đề
    `Idempotency-Key` trả về đúng hồ sơ liên thông đã tạo (không tạo trùng); khoá đã
    dùng cho hồ sơ có nội dung khác (nhóm, xã, tờ khai): 422 `key_reused`, không nộp gì."""
    if isinstance(request.auth, SystemPrincipal):
        raise PermissionDenied(code="people-only")
    app = services.apply(
        actor=request.auth,
        group_code=payload.group,
        commune_code=payload.commune,
        form_data=dict(payload.form_data),
        idempotency_key=idempotency_key,
    )
    return Status(201, _out(request.auth, selectors.application_for(request.auth, app.code)))


@router.get(
    "/group-applications", response=list[ApplicationOut], summary="Hồ sơ liên thông của tôi"
)
def my_applications(request: ApiRequest) -> list[ApplicationOut]:
    """Hồ sơ liên thông của người đang đăng nhập, mới nhất trước (tối đa 100)."""
    if isinstance(request.auth, SystemPrincipal):
        raise PermissionDenied(code="people-only")
    return [_out(request.auth, a) for a in selectors.applications_of(request.auth)[:100]]


@router.get("/group-applications/{code}", response=ApplicationOut, summary="Một hồ sơ liên thông")
def get_application(request: ApiRequest, code: str) -> ApplicationOut:
    """Trạng thái chung và trạng thái từng thủ tục, cơ quan, hạn giải quyết, lý do từ
    chối; người nộp và cán bộ của cơ quan có một hồ sơ thành phần xem được."""
    if isinstance(request.auth, SystemPrincipal):
        raise PermissionDenied(code="people-only")
    return _out(request.auth, selectors.application_for(request.auth, code))
