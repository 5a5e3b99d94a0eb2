"""The dossier transition table: the standard one-stop path as data, and a
procedure's own path configured on top of it (docs/workflow.md).

Each row (:class:`lienthong.core.workflow.Step`) says who may take the step and at
which of the dossier's agencies, the states it leaves and enters, the inputs it takes
and needs, and its effects by name; ``dossiers.workflow`` runs them. Read by the
engine, by the pages (which buttons to show, the names of steps and states) and by
the catalogue's check of a configured path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.catalog import selectors as catalog
from lienthong.core import memo
from lienthong.core.workflow import APPLICANT, ConfigError, Step, Table, Vocabulary
from lienthong.dossiers.constants import NPSP_STATUS, Status

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from lienthong.catalog.models import ProcedureVersion
    from lienthong.dossiers.models import Dossier

__all__ = [
    "EFFECT_NAMES",
    "INPUTS",
    "PLACES",
    "STANDARD",
    "VOCABULARY",
    "check_configuration",
    "npsp_status",
    "states_left_by",
    "table_for",
    "table_markdown",
]

#: What a row's effects may be (``dossiers.workflow.EFFECTS`` implements each).
EFFECT_NAMES: Final = (
    "start_clock",
    "pause_clock",
    "resume_clock",
    "finish",
    "electronic_result",
    "number_result",
    "returned",
    "assign",
    "hand_over",
    "new_due",
    "paid",
    "rate",
    "attach",
    "consult",
    "end_consult",
    "write_back",
)

S = Status
#: States in which the dossier is being handled (a due date runs or is paused).
OPEN: Final = frozenset(
    {
        S.RECEIVED,
        S.ASSIGNED,
        S.IN_REVIEW,
        S.SUPPLEMENT_REQUESTED,
        S.SUPPLEMENTED,
        S.AWAITING_SIGNATURE,
    }
)
ALL: Final = frozenset(Status.values)


def _row(
    action: str,
    label: StrOrPromise,
    sources: frozenset[str] | set[str],
    target: str | None,
    permission: str,
    *,
    where: str = "handling",
    inputs: tuple[str, ...] = (),
    required: tuple[str, ...] = (),
    effects: tuple[str, ...] = (),
    secondary: bool = False,
    note_label: StrOrPromise = "",
    confirm: StrOrPromise = "",
) -> Step:
    """A row of the standard table; every step takes a note."""
    return Step(
        action=action,
        label=label,
        sources=frozenset(sources),
        target=target,
        permission=permission,
        where=where,
        inputs=frozenset({"note", *inputs, *required}),
        required=frozenset(required),
        effects=effects,
        secondary=secondary,
        note_label=note_label,
        confirm=confirm,
    )


#: The standard one-stop path (Decree 118/2025, Circular 03/2025), every procedure's
#: unless its configuration adds or replaces rows.
STANDARD: Final = Table.of(
    dict(Status.choices),
    [
        _row(
            "receive",
            gettext_lazy("Tiếp nhận"),
            {S.SUBMITTED},
            S.RECEIVED,
            Perm.DOSSIER_RECEIVE,
            where="receiving",
            effects=("start_clock",),
        ),
        _row(
            "refuse_intake",
            gettext_lazy("Từ chối tiếp nhận"),
            {S.SUBMITTED},
            S.REFUSED_AT_INTAKE,
            Perm.DOSSIER_RECEIVE,
            where="receiving",
            required=("note",),
            effects=("finish",),
            secondary=True,
        ),
        _row(
            "assign",
            gettext_lazy("Phân công xử lý"),
            {S.RECEIVED},
            S.ASSIGNED,
            Perm.DOSSIER_ASSIGN,
            inputs=("assignee",),
            effects=("assign",),
        ),
        _row(
            "start_review",
            gettext_lazy("Bắt đầu thẩm định"),
            {S.ASSIGNED, S.SUPPLEMENTED},
            S.IN_REVIEW,
            Perm.DOSSIER_PROCESS,
        ),
        _row(
            "request_supplement",
            gettext_lazy("Yêu cầu bổ sung"),
            {S.RECEIVED, S.ASSIGNED, S.IN_REVIEW},
            S.SUPPLEMENT_REQUESTED,
            Perm.DOSSIER_PROCESS,
            required=("note",),
            effects=("pause_clock",),
        ),
        _row(
            "supplement",
            gettext_lazy("Nộp bổ sung"),
            {S.SUPPLEMENT_REQUESTED},
            S.SUPPLEMENTED,
            APPLICANT,
            required=("files",),
            effects=("attach", "resume_clock"),
        ),
        # The specialist sends the file and the draft result to the leader ("trình
        # ký"); the leader sees the draft before deciding, or sends it back.
        _row(
            "submit_for_signature",
            gettext_lazy("Trình lãnh đạo ký"),
            {S.IN_REVIEW},
            S.AWAITING_SIGNATURE,
            Perm.DOSSIER_PROCESS,
            note_label=gettext_lazy("Ý kiến đề xuất (nếu có)"),
        ),
        _row(
            "return_for_review",
            gettext_lazy("Trả lại chuyên viên"),
            {S.AWAITING_SIGNATURE},
            S.IN_REVIEW,
            Perm.DOSSIER_APPROVE,
            required=("note",),
            secondary=True,
        ),
        _row(
            "approve",
            gettext_lazy("Phê duyệt"),
            {S.AWAITING_SIGNATURE},
            S.APPROVED,
            Perm.DOSSIER_APPROVE,
            effects=("finish",),
        ),
        _row(
            "refuse",
            gettext_lazy("Từ chối giải quyết"),
            {S.AWAITING_SIGNATURE},
            S.REFUSED,
            Perm.DOSSIER_APPROVE,
            required=("note",),
            effects=("finish",),
            secondary=True,
        ),
        _row(
            "issue_result",
            gettext_lazy("Ký số, ban hành kết quả"),
            {S.APPROVED, S.REFUSED},
            S.RESULT_ISSUED,
            Perm.DOSSIER_APPROVE,
            effects=("number_result", "electronic_result", "write_back"),
        ),
        _row(
            "return_result",
            gettext_lazy("Trả kết quả"),
            {S.RESULT_ISSUED},
            S.RETURNED,
            Perm.DOSSIER_RETURN,
            where="receiving",
            effects=("returned",),
        ),
        _row(
            "withdraw",
            gettext_lazy("Rút hồ sơ"),
            {S.SUBMITTED} | OPEN,
            S.WITHDRAWN,
            APPLICANT,
            required=("note",),
            effects=("finish",),
            note_label=gettext_lazy("Lý do rút hồ sơ"),
            confirm=gettext_lazy(
                "Rút hồ sơ này? Cơ quan sẽ dừng giải quyết và bạn phải nộp lại từ đầu nếu "
                "muốn tiếp tục."
            ),
            secondary=True,
        ),
        _row(
            "cancel",
            gettext_lazy("Dừng giải quyết"),
            OPEN,
            S.CANCELLED,
            Perm.DOSSIER_APPROVE,
            required=("note",),
            effects=("finish",),
            secondary=True,
        ),
        # Transfer to the competent agency keeps the code and the due date; its leader
        # assigns it again.
        _row(
            "transfer",
            gettext_lazy("Chuyển cơ quan khác"),
            {S.RECEIVED, S.ASSIGNED, S.IN_REVIEW},
            S.RECEIVED,
            Perm.DOSSIER_PROCESS,
            required=("agency", "note"),
            effects=("hand_over",),
            secondary=True,
        ),
        # Apology with a new appointment (form 04): moves the due date, not the state;
        # the delay still counts against the agency's on-time rate.
        _row(
            "extend",
            gettext_lazy("Xin lỗi, hẹn lại ngày trả"),
            OPEN,
            None,
            Perm.DOSSIER_APPROVE,
            required=("new_due", "note"),
            effects=("new_due",),
            secondary=True,
        ),
        # Fees paid: confirmed by a clerk at the counter, or by a payment gateway's
        # signed callback (the platform as actor). Recorded once.
        _row(
            "payment",
            gettext_lazy("Nộp phí, lệ phí"),
            ALL,
            None,
            Perm.DOSSIER_RECEIVE,
            where="receiving",
            inputs=("reference", "amount", "online"),
            effects=("paid",),
        ),
        _row(
            "rate",
            gettext_lazy("Đánh giá mức độ hài lòng"),
            {S.RETURNED},
            None,
            APPLICANT,
            inputs=("comment",),
            required=("score",),
            effects=("rate",),
        ),
    ],
)


#: The inputs a step may take, with the code and words of a missing required one.
INPUTS: Final[Mapping[str, tuple[str, StrOrPromise]]] = {
    "note": ("note_required", gettext_lazy("Cần ghi rõ lý do.")),
    "assignee": ("not_a_specialist", gettext_lazy("Hãy chọn chuyên viên xử lý.")),
    "files": ("missing_component", gettext_lazy("Hãy đính kèm giấy tờ bổ sung.")),
    "agency": ("unknown_agency", gettext_lazy("Hãy chọn cơ quan nhận.")),
    "new_due": ("required", gettext_lazy("Hãy chọn ngày hẹn mới.")),
    "reference": ("required", gettext_lazy("Hãy ghi số tham chiếu.")),
    "amount": ("required", gettext_lazy("Hãy ghi số tiền.")),
    "online": ("required", gettext_lazy("Hãy cho biết cách nộp phí.")),
    "score": ("score_range", gettext_lazy("Điểm đánh giá từ 1 đến 5.")),
    "comment": ("required", gettext_lazy("Hãy ghi nhận xét.")),
}
#: Which of the dossier's agencies a row's permission is checked at.
PLACES: Final = ("handling", "receiving", "consulted")

VOCABULARY: Final = Vocabulary(
    effects=EFFECT_NAMES,
    inputs=INPUTS.keys(),
    permissions={*Perm.values, APPLICANT},
    places=PLACES,
)


def table_for(version: ProcedureVersion) -> Table:
    """The transition table of dossiers of ``version``: the standard one, with what the
    procedure configures. Raises ConfigError for a configuration that cannot run."""
    if not version.workflow:
        return STANDARD
    return _configured(version.workflow)


@memo.memoize(key=lambda config: json.dumps(config, sort_keys=True))
def _configured(config: Mapping[str, Any]) -> Table:
    return STANDARD.extended(config, VOCABULARY)


def check_configuration(config: Mapping[str, Any]) -> list[str]:
    """The problems of a procedure's workflow configuration (none: it runs)."""
    try:
        STANDARD.extended(config, VOCABULARY)
    except ConfigError as exc:
        return exc.problems
    return []


def npsp_status(dossier: Dossier) -> int:
    """The dossier's status code for the National Public Service Portal (TrangThaiHoSo):
    a procedure's own states are steps of handling, code 4 ("đang xử lý")."""
    return NPSP_STATUS.get(dossier.status, NPSP_STATUS[Status.IN_REVIEW])


@memo.memoize(key=lambda permission: permission)
def states_left_by(permission: str) -> frozenset[str]:
    """The states, in any procedure's table, that a main-path step taken with
    ``permission`` leaves: what a queue for that permission lists (remembered per
    process like the tables)."""
    states = set(STANDARD.leaving_with(permission))
    for version in catalog.versions_with_own_workflow():
        try:
            states |= table_for(version).leaving_with(permission)
        except ConfigError:
            continue  # refused when a step is taken; the queue lists the rest
    return frozenset(states)


_PLACE_WORDS: Final = {
    "handling": "cơ quan giải quyết",
    "receiving": "cơ quan tiếp nhận",
    "consulted": "cơ quan được lấy ý kiến",
}


def table_markdown(table: Table) -> str:
    """The table as docs/workflow.md shows it (``lienthong workflow show``)."""

    def states(codes: frozenset[str]) -> str:
        return ", ".join(f"`{c}`" for c in sorted(codes))

    lines = [
        "| bước (action) | tên | từ trạng thái | sang | ai, ở đâu | đầu vào (* bắt buộc) "
        "| tác động |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for step in table.steps.values():
        who = (
            "người nộp"
            if step.permission == APPLICANT
            else f"`{step.permission}` tại {_PLACE_WORDS.get(step.where, step.where)}"
        )
        inputs = ", ".join(
            f"{name}{'*' if name in step.required else ''}" for name in sorted(step.inputs)
        )
        effects = ", ".join(step.effects) or "—"
        if step.deadline_days:
            effects += f"; hạn riêng {step.deadline_days:g} ngày làm việc"
        lines.append(
            f"| `{step.action}` | {step.label} | {states(step.sources)} "
            f"| {f'`{step.target}`' if step.target else '(giữ nguyên)'} | {who} | {inputs} "
            f"| {effects} |"
        )
    return "\n".join(lines) + "\n"
