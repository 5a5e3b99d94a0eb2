"""The transition table of a report (``core.workflow``), run by ``core.engine`` as the
dossiers' is: who takes each step at which agency, the states it leaves and enters, its
inputs and effects. Deadlines in working days (Decree 20/2008 as amended, indicator 5.2):
accept or refuse within 2, request a supplement within 5 of accepting, answer within 15
of accepting (the author's supplement time added), publish within 2 of answering."""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.core.workflow import APPLICANT, Step, Table
from lienthong.feedback.constants import PUBLISH_DAYS, SUPPLEMENT_DAYS, Status

__all__ = ["EFFECT_NAMES", "INPUTS", "TABLE"]

S = Status
#: Where the report is handled until it is answered (a transfer keeps it in these).
_OPEN: Final = frozenset({S.RECEIVED, S.ACCEPTED, S.ASSIGNED})

#: The inputs steps take: (stable code, message) when a required one is missing.
INPUTS: Final = {
    "note": ("note_required", gettext_lazy("Hãy ghi lý do hoặc nội dung.")),
    "answer": ("answer_required", gettext_lazy("Hãy ghi nội dung trả lời.")),
    "public_text": ("public_text_required", gettext_lazy("Hãy ghi nội dung công bố.")),
    "assignee": ("assignee_required", gettext_lazy("Chọn người xử lý.")),
    "agency": ("agency_required", gettext_lazy("Chọn cơ quan nhận.")),
    "into": ("into_required", gettext_lazy("Nhập mã phản ánh được gộp vào.")),
    "files": ("files_required", gettext_lazy("Hãy đính kèm tệp.")),
    "score": ("score_required", gettext_lazy("Chọn mức đánh giá.")),
    "comment": ("comment_required", gettext_lazy("Hãy ghi nhận xét.")),
}

EFFECT_NAMES: Final = frozenset(
    {
        "decide",
        "start_answer_clock",
        "pause",
        "resume",
        "attach",
        "assign",
        "hand_over",
        "answer",
        "publish",
        "finish",
        "rate",
        "reraise",
        "merge",
    }
)

TABLE: Final = Table.of(
    {s.value: s.label for s in Status},
    [
        Step(
            "accept",
            gettext_lazy("Tiếp nhận xử lý"),
            frozenset({S.RECEIVED}),
            S.ACCEPTED,
            Perm.FEEDBACK_RECEIVE,
            effects=("decide", "start_answer_clock"),
        ),
        Step(
            "refuse",
            gettext_lazy("Không tiếp nhận"),
            frozenset({S.RECEIVED}),
            S.REFUSED,
            Perm.FEEDBACK_RECEIVE,
            inputs=frozenset({"note"}),
            required=frozenset({"note"}),
            effects=("decide", "finish"),
            secondary=True,
            note_label=gettext_lazy("Lý do không tiếp nhận (gửi cho người phản ánh)"),
        ),
        Step(
            "transfer",
            gettext_lazy("Chuyển cơ quan có thẩm quyền"),
            _OPEN,
            None,
            Perm.FEEDBACK_RECEIVE,
            inputs=frozenset({"agency", "note"}),
            required=frozenset({"agency", "note"}),
            effects=("hand_over",),
            secondary=True,
            note_label=gettext_lazy("Lý do chuyển"),
        ),
        Step(
            "merge",
            gettext_lazy("Gộp vào phản ánh trùng"),
            _OPEN,
            S.MERGED,
            Perm.FEEDBACK_RECEIVE,
            inputs=frozenset({"into", "note"}),
            required=frozenset({"into"}),
            effects=("merge", "finish"),
            secondary=True,
        ),
        Step(
            "assign",
            gettext_lazy("Phân công xử lý"),
            frozenset({S.ACCEPTED, S.ASSIGNED}),
            S.ASSIGNED,
            Perm.FEEDBACK_PUBLISH,
            inputs=frozenset({"assignee", "note"}),
            required=frozenset({"assignee"}),
            effects=("assign",),
        ),
        Step(
            "request_supplement",
            gettext_lazy("Đề nghị người gửi bổ sung"),
            frozenset({S.ACCEPTED, S.ASSIGNED}),
            S.SUPPLEMENT,
            Perm.FEEDBACK_HANDLE,
            inputs=frozenset({"note"}),
            required=frozenset({"note"}),
            effects=("pause",),
            deadline_days=SUPPLEMENT_DAYS,
            secondary=True,
            note_label=gettext_lazy("Thông tin cần bổ sung"),
        ),
        Step(
            "supplement",
            gettext_lazy("Bổ sung thông tin"),
            frozenset({S.SUPPLEMENT}),
            S.ACCEPTED,
            APPLICANT,
            inputs=frozenset({"note", "files"}),
            required=frozenset({"note"}),
            effects=("resume", "attach"),
            note_label=gettext_lazy("Thông tin bổ sung"),
        ),
        Step(
            "answer",
            gettext_lazy("Trả lời"),
            frozenset({S.ACCEPTED, S.ASSIGNED}),
            S.ANSWERED,
            Perm.FEEDBACK_HANDLE,
            inputs=frozenset({"answer"}),
            required=frozenset({"answer"}),
            effects=("answer",),
            deadline_days=PUBLISH_DAYS,
        ),
        Step(
            "publish",
            gettext_lazy("Duyệt và công bố trả lời"),
            frozenset({S.ANSWERED}),
            S.CLOSED,
            Perm.FEEDBACK_PUBLISH,
            inputs=frozenset({"public_text", "answer", "note"}),
            effects=("publish", "finish"),
        ),
        Step(
            "return_answer",
            gettext_lazy("Trả lại để sửa trả lời"),
            frozenset({S.ANSWERED}),
            S.ACCEPTED,
            Perm.FEEDBACK_PUBLISH,
            inputs=frozenset({"note"}),
            required=frozenset({"note"}),
            secondary=True,
            note_label=gettext_lazy("Cần sửa gì"),
        ),
        Step(
            "withdraw",
            gettext_lazy("Rút phản ánh"),
            frozenset({S.RECEIVED, S.ACCEPTED, S.ASSIGNED, S.SUPPLEMENT}),
            S.WITHDRAWN,
            APPLICANT,
            inputs=frozenset({"note"}),
            effects=("finish",),
            secondary=True,
            confirm=gettext_lazy("Rút phản ánh này? Phản ánh đã rút không xử lý tiếp."),
        ),
        Step(
            "rate",
            gettext_lazy("Đánh giá trả lời"),
            frozenset({S.CLOSED}),
            None,
            APPLICANT,
            inputs=frozenset({"score", "comment"}),
            required=frozenset({"score"}),
            effects=("rate",),
        ),
        Step(
            "reraise",
            gettext_lazy("Phản ánh lại (chưa đồng ý với trả lời)"),
            frozenset({S.CLOSED}),
            S.ACCEPTED,
            APPLICANT,
            inputs=frozenset({"note", "files"}),
            required=frozenset({"note"}),
            effects=("reraise", "attach"),
            secondary=True,
            note_label=gettext_lazy("Vì sao chưa đồng ý"),
        ),
    ],
)
