"""States and channels of the one-stop workflow (Decree 118/2025, Circular 03/2025); its
steps are the transition table of ``dossiers.table``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    pass


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Mới nộp, chờ tiếp nhận")
    RECEIVED = "received", _("Đã tiếp nhận")
    REFUSED_AT_INTAKE = "refused_at_intake", _("Không tiếp nhận")
    ASSIGNED = "assigned", _("Đã phân công")
    IN_REVIEW = "in_review", _("Đang thẩm định, xử lý")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Chờ bổ sung hồ sơ")
    SUPPLEMENTED = "supplemented", _("Đã bổ sung")
    AWAITING_SIGNATURE = "awaiting_signature", _("Đã trình, chờ lãnh đạo phê duyệt, ký")
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
    Status.AWAITING_SIGNATURE: 4,
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


#: Where a dossier's form data keeps what came from a registry (``{key: source}``:
#: registry, its name, record version, the gateway request): ``dossiers.prefill``.
SOURCE_KEY: Final = "_nguon"
