"""The transition table of a Plan 02 task (``core.workflow``), run by ``core.engine``:
the lead agency reports progress (with evidence when it says the task is done); the
platform administrators reopen a task reported done by mistake."""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.core.workflow import Step, Table
from lienthong.steering.constants import AlertStatus, TaskStatus

__all__ = ["ALERT_INPUTS", "ALERT_TABLE", "INPUTS", "TABLE"]

S = TaskStatus
INPUTS: Final = {
    "note": ("note_required", gettext_lazy("Hãy ghi nội dung báo cáo.")),
    "progress": ("progress_required", gettext_lazy("Hãy ghi tiến độ (0–100 %).")),
    "files": ("evidence_required", gettext_lazy("Hãy đính kèm tài liệu minh chứng.")),
}

TABLE: Final = Table.of(
    {s.value: s.label for s in TaskStatus},
    [
        Step(
            "report",
            gettext_lazy("Báo cáo tiến độ"),
            frozenset({S.NOT_STARTED, S.IN_PROGRESS}),
            S.IN_PROGRESS,
            Perm.TASK_REPORT,
            where="lead",
            inputs=frozenset({"note", "progress", "files"}),
            required=frozenset({"note", "progress"}),
            effects=("progress",),
            note_label=gettext_lazy("Nội dung báo cáo (đã làm, khó khăn, kiến nghị)"),
        ),
        Step(
            "complete",
            gettext_lazy("Báo cáo hoàn thành"),
            frozenset({S.NOT_STARTED, S.IN_PROGRESS}),
            S.DONE,
            Perm.TASK_REPORT,
            where="lead",
            inputs=frozenset({"note", "files"}),
            required=frozenset({"note", "files"}),
            effects=("complete",),
            note_label=gettext_lazy("Sản phẩm đã hoàn thành"),
        ),
        Step(
            "reopen",
            gettext_lazy("Mở lại nhiệm vụ"),
            frozenset({S.DONE}),
            S.IN_PROGRESS,
            Perm.TASK_MANAGE,
            where="lead",
            inputs=frozenset({"note"}),
            required=frozenset({"note"}),
            effects=("reopen",),
            secondary=True,
            note_label=gettext_lazy("Lý do mở lại"),
        ),
    ],
)


AS = AlertStatus
ALERT_INPUTS: Final = {
    "note": ("note_required", gettext_lazy("Hãy ghi việc đã làm để xử lý cảnh báo.")),
}

#: An early warning (``steering.alerts``): whoever watches the province (or the
#: responsible agency's leaders) acknowledges it and says when it is handled; the
#: platform clears it when its condition ends.
ALERT_TABLE: Final = Table.of(
    {s.value: s.label for s in AlertStatus},
    [
        Step(
            "acknowledge",
            gettext_lazy("Tiếp nhận cảnh báo"),
            frozenset({AS.OPEN}),
            AS.ACKNOWLEDGED,
            Perm.STEERING_VIEW,
            where="agency",
            inputs=frozenset({"note"}),
            effects=("acknowledge",),
            note_label=gettext_lazy("Ghi chú (không bắt buộc)"),
        ),
        Step(
            "resolve",
            gettext_lazy("Đã xử lý xong"),
            frozenset({AS.OPEN, AS.ACKNOWLEDGED}),
            AS.RESOLVED,
            Perm.STEERING_VIEW,
            where="agency",
            inputs=frozenset({"note"}),
            required=frozenset({"note"}),
            effects=("resolve",),
            note_label=gettext_lazy("Việc đã làm"),
        ),
        Step(
            "clear",
            gettext_lazy("Tự đóng khi hết điều kiện"),
            frozenset({AS.OPEN, AS.ACKNOWLEDGED}),
            AS.CLEARED,
            Perm.TASK_MANAGE,
            where="agency",
            effects=("clear",),
            secondary=True,
        ),
    ],
)
