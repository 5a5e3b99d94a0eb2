"""States, actions and channels of the one-stop workflow (Decree 118/2025, Circular 03/2025)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Mới nộp, chờ tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    REFUSED_AT_INTAKE = "refused_at_intake", _("Không tiếp nhận")
    ASSIGNED = "assigned", _("Đã phân công")
    IN_REVIEW = "in_review", _("Đang thẩm định, xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Chờ bổ sung hồ sơ")
    SUPPLEMENTED = "supplemented", _("Đã bổ sung")
    APPROVED = "approved", _("Đã phê duyệt")
    REFUSED = "refused", _("Từ chối giải quyết")
    RESULT_ISSUED = "result_issued", _("Đã có kết quả, chờ trả")
    RETURNED = "returned", _("Đã trả kết quả")
    WITHDRAWN = "withdrawn", _("Người nộp đã rút hồ sơ")
    CANCELLED = "cancelled", _("Dừng giải quyết")


#: The ten status codes synchronised with the National Public Service Portal (TrangThaiHoSo).
NPSP_STATUS: Final[dict[str, int]] = {
    Status.SUBMITTED: 1,  # mới đăng ký trực tuyến
    Status.RECEIVED: 2,  # được tiếp nhận
    Status.REFUSED_AT_INTAKE: 3,  # không được tiếp nhận
    Status.ASSIGNED: 4,  # đang xử lý
    Status.IN_REVIEW: 4,
    Status.SUPPLEMENTED: 4,
    Status.SUPPLEMENT_REQUESTED: 5,  # yêu cầu bổ sung giấy tờ
    Status.APPROVED: 9,  # đã xử lý xong
    Status.REFUSED: 9,
    Status.RESULT_ISSUED: 9,
    Status.WITHDRAWN: 7,  # công dân yêu cầu rút hồ sơ
    Status.CANCELLED: 8,  # dừng xử lý
    Status.RETURNED: 10,  # đã trả kết quả
}
#: Code 6 (yêu cầu thực hiện nghĩa vụ tài chính) is reported while a fee is due and unpaid.
NPSP_AWAITING_PAYMENT: Final = 6

CLOSED: Final = frozenset(
    {Status.REFUSED_AT_INTAKE, Status.RETURNED, Status.WITHDRAWN, Status.CANCELLED}
)


class Channel(models.TextChoices):
    """KenhThucHien of Decision 766: 1 in person, 2 online, 3 public postal service."""

    COUNTER = "counter", _("Trực tiếp")
    ONLINE = "online", _("Trực tuyến")
    POST = "post", _("Qua bưu chính công ích")


NPSP_CHANNEL: Final[dict[str, int]] = {Channel.COUNTER: 1, Channel.ONLINE: 2, Channel.POST: 3}


@dataclass(frozen=True)
class Transition:
    action: str
    #: Lazy: shown in the language of the page that shows it.
    label: StrOrPromise
    sources: frozenset[str]
    target: str
    #: "applicant" or a permission code of accounts.constants.Perm.
    who: str
    #: Which agency the permission is checked at: "receiving" or "handling".
    where: str = "handling"
    note_required: bool = False


def _t(
    action: str,
    label: StrOrPromise,
    sources: set[str],
    target: str,
    who: str,
    *,
    where: str = "handling",
    note_required: bool = False,
) -> Transition:
    return Transition(
        action,
        label,
        frozenset(sources),
        target,
        who,
        where=where,
        note_required=note_required,
    )


S = Status
TRANSITIONS: Final[dict[str, Transition]] = {
    t.action: t
    for t in (
        _t(
            "receive",
            _("Tiếp nhận"),
            {S.SUBMITTED},
            S.RECEIVED,
            "dossier.receive",
            where="receiving",
        ),
        _t(
            "refuse_intake",
            _("Từ chối tiếp nhận"),
            {S.SUBMITTED},
            S.REFUSED_AT_INTAKE,
            "dossier.receive",
            where="receiving",
            note_required=True,
        ),
        _t("assign", _("Phân công xử lý"), {S.RECEIVED}, S.ASSIGNED, "dossier.assign"),
        _t(
            "start_review",
            _("Bắt đầu thẩm định"),
            {S.ASSIGNED, S.SUPPLEMENTED},
            S.IN_REVIEW,
            "dossier.process",
        ),
        _t(
            "request_supplement",
            _("Yêu cầu bổ sung"),
            {S.RECEIVED, S.ASSIGNED, S.IN_REVIEW},
            S.SUPPLEMENT_REQUESTED,
            "dossier.process",
            note_required=True,
        ),
        _t("supplement", _("Nộp bổ sung"), {S.SUPPLEMENT_REQUESTED}, S.SUPPLEMENTED, "applicant"),
        _t("approve", _("Phê duyệt"), {S.IN_REVIEW}, S.APPROVED, "dossier.approve"),
        _t(
            "refuse",
            _("Từ chối giải quyết"),
            {S.IN_REVIEW},
            S.REFUSED,
            "dossier.approve",
            note_required=True,
        ),
        _t(
            "issue_result",
            _("Ban hành kết quả"),
            {S.APPROVED, S.REFUSED},
            S.RESULT_ISSUED,
            "dossier.approve",
        ),
        _t(
            "return_result",
            _("Trả kết quả"),
            {S.RESULT_ISSUED},
            S.RETURNED,
            "dossier.return",
            where="receiving",
        ),
        _t(
            "withdraw",
            _("Rút hồ sơ"),
            {
                S.SUBMITTED,
                S.RECEIVED,
                S.ASSIGNED,
                S.IN_REVIEW,
                S.SUPPLEMENT_REQUESTED,
                S.SUPPLEMENTED,
            },
            S.WITHDRAWN,
            "applicant",
        ),
        _t(
            "cancel",
            _("Dừng giải quyết"),
            {S.RECEIVED, S.ASSIGNED, S.IN_REVIEW, S.SUPPLEMENT_REQUESTED, S.SUPPLEMENTED},
            S.CANCELLED,
            "dossier.approve",
            note_required=True,
        ),
    )
}
#: Apology with a new appointment (form 04 of Circular 03/2025): a recorded step that moves
#: the due date, not the status.
EXTEND: Final = "extend"
#: Transfer to another agency keeps the status (and the deadline); listed for the API.
TRANSFER: Final = "transfer"
TRANSFERABLE: Final = frozenset({S.RECEIVED, S.ASSIGNED, S.IN_REVIEW})
