"""API of steering: every figure the dashboard shows (the index of a scope and period,
the rankings) and Plan 02's tasks, for the people who may watch them."""

# No ``from __future__ import annotations``: django-ninja reads the endpoints' parameter
# types at import time.
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from ninja import Router
from ninja.params.functions import Query

from lienthong.accounts.auth import ApiRequest, SystemPrincipal, api_auth
from lienthong.core.errors import PermissionDenied
from lienthong.steering import presenters, selectors
from lienthong.steering.schemas import AlertOut, IndexOut, RankingOut, TaskOut

if TYPE_CHECKING:
    from lienthong.accounts.models import User

router = Router(tags=["Điều hành"], auth=api_auth)


def _watcher(request: ApiRequest) -> "User":
    if isinstance(request.auth, SystemPrincipal):
        raise PermissionDenied(code="people-only")
    return request.auth


@router.get(
    "/steering/index", response=IndexOut, summary="Chỉ số phục vụ (QĐ 766) của một phạm vi, một kỳ"
)
def index(
    request: ApiRequest,
    scope: str = Query("nation", description="nation, province:37, commune:13786, agency:<mã>"),
    period: str = Query("", description="2026-09, 2026-Q3 hoặc 2026; trống: tháng này"),
) -> dict[str, object]:
    card = selectors.index_for(_watcher(request), scope=scope, period=period)
    return presenters.index_data(card)


@router.get(
    "/steering/ranking", response=RankingOut, summary="Xếp hạng các đơn vị cấp dưới của một phạm vi"
)
def ranking(
    request: ApiRequest,
    scope: str = Query(
        "nation", description="nation (34 tỉnh, thành phố) hoặc province:<mã> (các xã)"
    ),
    period: str = Query("", description="2026-09, 2026-Q3 hoặc 2026; trống: tháng này"),
    of: str = Query(
        "units",
        description="units: các đơn vị cấp dưới; agencies: các bộ, ngành (toàn quốc) hoặc "
        "các sở, ban, ngành (tỉnh)",
        pattern="^(units|agencies)$",
    ),
) -> dict[str, object]:
    within, when, rows = selectors.ranking_for(
        _watcher(request), scope=scope, period=period, agencies=of == "agencies"
    )
    return {
        "scope": within.text,
        "period": when.text,
        "rows": [presenters.rank_data(r) for r in rows],
    }


@router.get("/steering/tasks", response=list[TaskOut], summary="Nhiệm vụ Kế hoạch 02-KH/BCĐTW")
def tasks(request: ApiRequest, pillar: str = "", phase: str = "") -> list[dict[str, object]]:
    user = _watcher(request)
    if not selectors.may_see_tasks(user):
        raise PermissionDenied(_("Dành cho người theo dõi, điều hành và cơ quan chủ trì nhiệm vụ."))
    return [
        presenters.task_data(r) for r in selectors.task_rows(pillar=pillar[:20], phase=phase[:20])
    ]


@router.get("/steering/alerts", response=list[AlertOut], summary="Cảnh báo sớm")
def alerts(
    request: ApiRequest, all: bool = Query(False, description="cả cảnh báo đã đóng")
) -> list[dict[str, object]]:
    rows = selectors.alerts_for(_watcher(request), open_only=not all)[:500]
    return [presenters.alert_data(a) for a in rows]
