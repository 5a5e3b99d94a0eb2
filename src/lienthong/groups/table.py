"""The transition table of an interconnected application (``core.workflow``, as the
dossiers' engine): the platform moves it as its procedures' dossiers settle."""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy

from lienthong.core.workflow import Step, Table
from lienthong.groups.constants import Status

__all__ = ["SYSTEM", "TABLE"]

#: Only the platform takes these steps (on its procedures' events).
SYSTEM: Final = "system"

S = Status
TABLE: Final = Table.of(
    {s.value: s.label for s in Status},
    [
        Step(
            "advance",
            gettext_lazy("Chuyển hồ sơ sang cơ quan tiếp theo"),
            frozenset({S.IN_PROGRESS}),
            None,
            SYSTEM,
            effects=("file_ready",),
        ),
        Step(
            "complete",
            gettext_lazy("Hoàn thành"),
            frozenset({S.IN_PROGRESS}),
            S.COMPLETED,
            SYSTEM,
            effects=("finish",),
        ),
        Step(
            "complete_partly",
            gettext_lazy("Hoàn thành một phần"),
            frozenset({S.IN_PROGRESS}),
            S.PARTLY_COMPLETED,
            SYSTEM,
            effects=("finish",),
            secondary=True,
        ),
        Step(
            "stop",
            gettext_lazy("Dừng: thủ tục đầu tiên bị từ chối"),
            frozenset({S.IN_PROGRESS}),
            S.REFUSED,
            SYSTEM,
            effects=("finish",),
            secondary=True,
        ),
    ],
)
