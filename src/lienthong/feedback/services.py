"""Writes on reports: sending one (``submit``; a Front committee's ``open_supervision``)
and every step after it through the workflow engine (``act``: ``core.engine`` on
``feedback.table``), as the dossiers are handled."""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import RoleChecked, agencies_with, authorize, can
from lienthong.catalog import selectors as catalog
from lienthong.core import audit, engine, outbox
from lienthong.core import files as stored_files
from lienthong.core.engine import bad
from lienthong.core.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
)
from lienthong.core.text import clean_param
from lienthong.core.workcalendar import get_calendar
from lienthong.core.workflow import Table
from lienthong.directory import selectors as directory
from lienthong.dossiers import routing
from lienthong.dossiers import selectors as dossiers
from lienthong.dossiers import services as dossier_services
from lienthong.feedback import redact
from lienthong.feedback.constants import (
    ANSWER_DAYS,
    DECIDE_DAYS,
    SUPPLEMENT_DAYS,
    Category,
    Channel,
    Status,
)
from lienthong.feedback.models import Report, ReportEvent, ReportFile, report_file_name
from lienthong.feedback.selectors import committee_of, get_report_for
from lienthong.feedback.table import INPUTS, TABLE
from lienthong.geo import selectors as geo
from lienthong.geo.text import fold

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency
    from lienthong.geo.models import AdministrativeUnit

__all__ = ["MACHINE", "Upload", "act", "open_supervision", "submit"]

Upload = dossier_services.Upload
Context = engine.Context[Report]

_MAX_FILES: Final = 10
_PHONE_DIGITS: Final = frozenset("0123456789")


# --------------------------------------------------------------------------- sending


def _new_code(now: dt.datetime) -> str:
    """ "PA-261207-3FA2B1": the day, six random hexadecimal digits."""
    return f"PA-{timezone.localtime(now):%y%m%d}-{secrets.token_hex(3).upper()}"


def _working_days(start: dt.datetime, days: int) -> dt.datetime:
    cal = get_calendar()
    return cal.add_working_hours(cal.next_working_moment(start), days * 8)


def _commune(code: str, field: str = "commune") -> AdministrativeUnit:
    try:
        return geo.current_unit(code.strip(), level="commune")
    except NotFound as exc:
        raise bad(field, "unknown_unit", _("Không tìm thấy xã, phường đã chọn.")) from exc


def _point(lat: Any, lon: Any) -> tuple[Decimal | None, Decimal | None]:
    """A point on the map inside Vietnam's bounds (with its islands), or none."""
    if lat in (None, "") and lon in (None, ""):
        return None, None
    try:
        la, lo = Decimal(str(lat).strip()), Decimal(str(lon).strip())
    except (InvalidOperation, ValueError) as exc:
        raise bad("lat", "invalid_point", _("Vị trí trên bản đồ không hợp lệ.")) from exc
    if not (la.is_finite() and lo.is_finite()):  # "nan", "inf"
        raise bad("lat", "invalid_point", _("Vị trí trên bản đồ không hợp lệ."))
    if not (Decimal("6") <= la <= Decimal("24") and Decimal("100") <= lo <= Decimal("118")):
        raise bad("lat", "outside_vietnam", _("Vị trí trên bản đồ phải ở Việt Nam."))
    return la.quantize(Decimal("0.000001")), lo.quantize(Decimal("0.000001"))


def _phone(value: str) -> str:
    digits = "".join(c for c in value if c in _PHONE_DIGITS or c == "+")
    if not digits:
        return ""
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if not (len(digits) == 10 and digits.startswith("0")):
        raise bad(
            "contact_phone",
            "invalid_phone",
            _("Số điện thoại phải là số Việt Nam (10 chữ số, bắt đầu bằng 0)."),
        )
    return digits


def _route(
    category: str, commune: AdministrativeUnit, procedure_code: str, dossier_agency: Agency | None
) -> Agency:
    """The agency a report goes to first: a dossier's handling agency; a procedure's
    competent agency in the commune; the province's People's Committee for a
    regulation; otherwise (the conduct of staff at the commune's service centre, local
    services, anything else) the commune's People's Committee, which runs the centre."""
    if dossier_agency is not None:
        return dossier_agency
    if category == Category.PROCEDURE and procedure_code:
        try:
            version = catalog.get_procedure(procedure_code)
        except NotFound as exc:
            raise bad(
                "procedure", "unknown_procedure", _("Không tìm thấy thủ tục đã chọn.")
            ) from exc
        return routing.competent_agency(version, commune)
    unit = commune.province if category == Category.REGULATION and commune.province else commune
    found = committee_of(unit.code)
    if found is None:
        raise bad("commune", "no_agency", _("Địa bàn đã chọn chưa có cơ quan nhận phản ánh."))
    return found


def submit(
    *,
    actor: User | None,
    category: str,
    title: str,
    text: str,
    commune_code: str = "",
    procedure_code: str = "",
    dossier_code: str = "",
    anonymous: bool = False,
    private: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    latitude: Any = None,
    longitude: Any = None,
    address: str = "",
    uploads: list[Upload] | None = None,
    channel: str = Channel.ONLINE,
    author: User | None = None,
    system: str = "",
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> Report:
    """Send a report. ``actor`` is who sends it: the author, a clerk typing it at a
    counter (``author``: the person, if they have an account; else the contact), or a
    system through the API (None, the contact then required). A report about a dossier
    (``dossier_code``) must be about one of the author's own and goes to its handling
    agency; otherwise to the agency of ``commune_code`` competent for it. Retrying with
    the same ``idempotency_key`` returns the first report (a system's: ``system``, its
    client id, is kept with the report and its retries are recognised too).

    Raises InvalidInput naming the bad field; PermissionDenied when a counter intake is
    not made by a clerk."""
    now = now or timezone.now()
    uploads = uploads or []
    key = idempotency_key.strip()[:100]
    if category not in Category.values or category == Category.SUPERVISION:
        raise bad("category", "unknown_category", _("Chọn lĩnh vực phản ánh."))
    title = clean_param("title", title, max_length=200)
    text = clean_param("text", text, multiline=True, max_length=5000)
    if not title:
        raise bad("title", "required", _("Hãy ghi tiêu đề phản ánh."))
    if len(text) < 10:
        raise bad("text", "too_short", _("Hãy mô tả nội dung phản ánh (ít nhất 10 ký tự)."))
    contact_name = clean_param("contact_name", contact_name, max_length=200)
    contact_phone = _phone(clean_param("contact_phone", contact_phone, max_length=20))
    contact_email = clean_param("contact_email", contact_email, max_length=254)
    address = clean_param("address", address, max_length=300)
    if channel not in Channel.values:
        raise bad("channel", "unknown_channel", _("Kênh gửi không hợp lệ."))
    if channel == Channel.COUNTER:
        # Typed by a clerk for the person in front of them (``author`` if they have an
        # account; otherwise the contact given).
        if actor is None or not agencies_with(actor, Perm.FEEDBACK_RECEIVE):
            raise PermissionDenied(_("Chỉ cán bộ tiếp nhận ghi phản ánh tại quầy."))
    else:
        author = actor
    if author is None and not (contact_phone or contact_email):
        raise bad(
            "contact_phone",
            "contact_required",
            _("Hãy để lại số điện thoại hoặc thư điện tử để nhận trả lời."),
        )
    system = system.strip()[:100] if author is None else ""
    if key and (first := _filed_before(author, system, key)) is not None:
        return _same_or_refused(first, title, text)
    dossier_agency = None
    commune: AdministrativeUnit | None = None
    if dossier_code:
        if author is None:
            raise bad("dossier", "unknown_dossier", _("Không tìm thấy hồ sơ của người gửi."))
        try:
            dossier = dossiers.get_dossier_for(author, dossier_code.strip())
        except NotFound as exc:
            raise bad(
                "dossier", "unknown_dossier", _("Không tìm thấy hồ sơ của người gửi.")
            ) from exc
        if not dossiers.acts_for_applicant(author, dossier):
            raise bad("dossier", "unknown_dossier", _("Không tìm thấy hồ sơ của người gửi."))
        dossier_agency = dossier.handling_agency
        commune = dossier.competent_unit
        procedure_code = dossier.procedure_version.procedure.code
        category = Category.PROCEDURE
        dossier_code = dossier.code
    if commune is None:
        if not commune_code:
            raise bad("commune", "required", _("Chọn xã, phường nơi xảy ra việc phản ánh."))
        commune = _commune(commune_code)
    lat, lon = _point(latitude, longitude)
    agency = _route(category, commune, procedure_code.strip(), dossier_agency)
    report = Report(
        category=category,
        title=title,
        text=text,
        author=author,
        submitted_by=actor,
        anonymous=anonymous,
        private=private,
        contact_name=contact_name or (author.get_full_name() if author else ""),
        contact_phone=contact_phone,
        contact_email=contact_email or (author.email if author else ""),
        channel=channel,
        procedure_code=procedure_code.strip()[:30],
        dossier_code=dossier_code[:40],
        commune=commune,
        province=commune.province or commune,
        latitude=lat,
        longitude=lon,
        address=address,
        handling_agency=agency,
        submitted_at=now,
        step_due_at=_working_days(now, DECIDE_DAYS),
        api_client=system,
        idempotency_key=key if author is not None or system else "",
    )
    files = _file_rows(report, uploads)
    data: dict[str, Any] = {"channel": channel}
    if system:
        data["system"] = system

    def retried() -> Report | None:
        if key and (first := _filed_before(author, system, key)) is not None:
            return _same_or_refused(first, title, text)
        return None

    return _insert(report, actor, agency, now, data, files, uploads, retried)


def _insert(
    report: Report,
    actor: User | None,
    agency: Agency,
    now: dt.datetime,
    data: dict[str, Any],
    files: list[ReportFile],
    uploads: list[Upload],
    retried: Callable[[], Report | None] = lambda: None,
) -> Report:
    """Insert a new report under a fresh code with its files and its first step, in one
    transaction (a code drawn twice: another; a retry that raced: what ``retried``
    finds)."""
    for _attempt in range(3):
        report.code = _new_code(now)
        try:
            with stored_files.staging() as staged, transaction.atomic():
                report.save(force_insert=True)
                engine.file_writes(files, [u.file for u in uploads], report_file_name)(staged)
                _record(report, "submit", "", actor, agency, now, data)
                staged.settle()
            return report
        except IntegrityError:
            report.pk = None
            if (first := retried()) is not None:
                return first
    raise Conflict(_("Chưa tạo được mã phản ánh; hãy thử lại."))


def _same_or_refused(first: Report, title: str, text: str) -> Report:
    """A retry gets the first report; a key reused for another report is refused."""
    if (first.title, first.text) != (title, text):
        raise bad(
            "idempotency_key",
            "key_reused",
            _(
                "Khoá chống gửi trùng đã dùng cho phản ánh %(code)s có nội dung khác; phản ánh "
                "này chưa được gửi, hãy gửi lại."
            )
            % {"code": first.code},
        )
    return first


def _filed_before(author: User | None, system: str, key: str) -> Report | None:
    """The report an author (or a system) sent before under ``key``."""
    if author is not None:
        return Report.objects.filter(author=author, idempotency_key=key).first()
    if system:
        return Report.objects.filter(author=None, api_client=system, idempotency_key=key).first()
    return None


def _file_rows(
    report: Report, uploads: list[Upload], *, already: int = 0, supplement: bool = False
) -> list[ReportFile]:
    """The rows of checked uploads (type, size, name; at most ``_MAX_FILES`` in all),
    before any is stored; raises InvalidInput naming the bad one."""
    checked = [dossier_services.check_upload(u, i) for i, u in enumerate(uploads)]
    check_count(already + len(uploads))
    return [
        ReportFile(
            report=report,
            original_name=(u.name or "tep")[:255],
            content_type=kind,
            size=u.file.size or 0,
            sha256=digest,
            supplement=supplement,
        )
        for u, (kind, digest) in zip(uploads, checked, strict=True)
    ]


def check_count(files: int) -> None:
    if files > _MAX_FILES:
        raise bad(
            "files", "too_many_files", _("Một phản ánh có tối đa %(n)s tệp.") % {"n": _MAX_FILES}
        )


def open_supervision(
    *,
    actor: User,
    front_agency_code: str,
    agency_code: str,
    commune_code: str,
    title: str,
    text: str,
    now: dt.datetime | None = None,
) -> Report:
    """A Front committee's supervision case addressed to an agency, handled as a report
    (same steps, deadlines and history). ``actor`` must supervise for the committee."""
    now = now or timezone.now()
    try:
        front = directory.get_agency(front_agency_code)
        target = directory.get_agency(agency_code)
    except NotFound as exc:
        raise bad("agency", "unknown_agency", _("Không tìm thấy cơ quan.")) from exc
    authorize(actor, Perm.FEEDBACK_SUPERVISE, agency=front)
    title = clean_param("title", title, max_length=200)
    text = clean_param("text", text, multiline=True, max_length=5000)
    if not title or len(text) < 10:
        raise bad("text", "too_short", _("Hãy ghi tiêu đề và nội dung giám sát."))
    commune = _commune(commune_code)
    report = Report(
        category=Category.SUPERVISION,
        title=title,
        text=text,
        author=actor,
        submitted_by=actor,
        contact_name=front.name,
        channel=Channel.ONLINE,
        commune=commune,
        province=commune.province or commune,
        handling_agency=target,
        raised_by_agency=front,
        submitted_at=now,
        step_due_at=_working_days(now, DECIDE_DAYS),
    )
    return _insert(report, actor, front, now, {"supervision": front.code}, [], [])


# --------------------------------------------------------------------------- the steps


def act(
    *,
    actor: User | None,
    code: str,
    action: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
    **inputs: Any,
) -> Report:
    """Take step ``action`` on report ``code`` (``feedback.table``). ``actor`` None is
    the platform (the overdue sweep). Raises NotFound, PermissionDenied,
    IllegalTransition, InvalidInput, Conflict as ``core.engine.run``."""
    if actor is not None:
        report = get_report_for(actor, code)
    else:
        report = Report.objects.select_related("handling_agency").get(code=code)
    return engine.run(
        MACHINE,
        report,
        actor,
        action,
        expected_version=expected_version,
        now=now or timezone.now(),
        inputs=inputs,
    )


def _late_if_past(ctx: Context, deadline: dt.datetime | None) -> None:
    if deadline is not None and ctx.now > deadline:
        ctx.fields["late"] = True
        ctx.data["late"] = True


def _decide(ctx: Context) -> None:
    ctx.fields.update(decided_at=ctx.now, overdue=False)
    _late_if_past(ctx, ctx.case.step_due_at)


def _start_answer_clock(ctx: Context) -> None:
    due = _working_days(ctx.now, ANSWER_DAYS)
    ctx.fields["due_at"] = due
    ctx.data["due_at"] = due.isoformat()


def _pause(ctx: Context) -> None:
    r = ctx.case
    ctx.fields.update(supplement_requested_at=ctx.now, paused_at=ctx.now)
    if r.decided_at is not None:
        _late_if_past(ctx, _working_days(r.decided_at, SUPPLEMENT_DAYS))


def _resume(ctx: Context) -> None:
    r = ctx.case
    if r.paused_at is None:
        return
    cal = get_calendar()
    hours = max(cal.working_hours_between(r.paused_at, ctx.now), 0.0)
    due = cal.add_working_hours(r.due_at, hours) if r.due_at else None
    ctx.fields.update(paused_at=None, due_at=due)
    if due is not None:
        ctx.data["due_at"] = due.isoformat()


def _attach(ctx: Context) -> None:
    uploads: list[Upload] = ctx.inputs.get("files", [])
    rows = _file_rows(ctx.case, uploads, already=ctx.case.files.count(), supplement=True)
    ctx.data["files"] = len(rows)
    ctx.writes.append(engine.file_writes(rows, [u.file for u in uploads], report_file_name))


def _assign(ctx: Context) -> None:
    assignee = ctx.inputs.get("assignee")
    if assignee is None or not can(assignee, Perm.FEEDBACK_HANDLE, agency=ctx.case.handling_agency):
        raise bad(
            "assignee",
            "not_a_handler",
            _("Người được phân công phải là cán bộ xử lý phản ánh của cơ quan."),
        )
    ctx.fields["assignee"] = assignee
    ctx.data["assignee"] = assignee.get_username()


def _hand_over(ctx: Context) -> None:
    """Hand the report to the competent agency: one case, its deadlines kept."""
    try:
        target = directory.get_agency(str(ctx.inputs["agency"]))
    except NotFound as exc:
        raise bad("agency", "unknown_agency", _("Không tìm thấy cơ quan nhận.")) from exc
    if target.pk == ctx.case.handling_agency_id:
        raise bad("agency", "same_agency", _("Phản ánh đang ở chính cơ quan này."))
    ctx.fields.update(handling_agency=target, assignee=None)
    ctx.data.update(from_agency=ctx.case.handling_agency.code, to_agency=target.code)


def _names(report: Report) -> list[str]:
    """The names the platform knows of a report's people (hidden when published)."""
    names = [report.contact_name]
    if report.author is not None:
        names.append(report.author.get_full_name())
    if report.dossier_code:
        with contextlib.suppress(NotFound):
            dossier = dossiers.get_dossier_for_platform(report.dossier_code)
            names.append(dossier.applicant.get_full_name())
            names.append(dossier.on_behalf_of)
    return [n for n in names if n]


def _answer(ctx: Context) -> None:
    r = ctx.case
    answer = clean_param("answer", str(ctx.inputs["answer"]), multiline=True, max_length=10000)
    if len(answer) < 10:
        raise bad("answer", "too_short", _("Nội dung trả lời quá ngắn."))
    names = _names(r)
    ctx.fields.update(
        overdue=False,
        answer=answer,
        answered_at=ctx.now,
        public_title=redact.redact(r.title, names),
        public_text=redact.redact(r.text, names),
        public_answer=redact.redact(answer, names),
    )
    _late_if_past(ctx, r.due_at)


def _publish(ctx: Context) -> None:
    """The answer goes to the author; unless the report is private, the report and the
    answer are published with no personal data left (the leader may edit what is
    published; what still holds personal data is refused, named)."""
    r = ctx.case
    names = _names(r)
    text = clean_param(
        "public_text", str(ctx.inputs.get("public_text") or r.public_text), multiline=True
    )
    answer_text = clean_param(
        "answer", str(ctx.inputs.get("answer") or r.public_answer), multiline=True
    )
    public = not r.private
    if public:
        left = redact.found(f"{r.public_title}\n{text}\n{answer_text}", names)
        if left:
            raise InvalidInput(
                _("Nội dung công bố còn thông tin cá nhân: %(p)s. Hãy sửa trước khi công bố.")
                % {"p": ", ".join(sorted(set(left))[:5])},
                invalid_params=[
                    InvalidParam("public_text", "personal_data", _("Còn thông tin cá nhân."))
                ],
            )
    commune = r.commune.name if r.commune else ""
    ctx.fields.update(
        public_text=text,
        public_answer=answer_text,
        published=public,
        published_at=ctx.now,
        search_text=fold(f"{r.public_title} {text} {answer_text} {commune}") if public else "",
    )
    ctx.data["published"] = public
    _late_if_past(ctx, r.step_due_at)


def _finish(ctx: Context) -> None:
    ctx.fields["overdue"] = False


def _rate(ctx: Context) -> None:
    score = ctx.inputs["score"]
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise bad("score", "score_range", _("Điểm đánh giá từ 1 đến 5."))
    if ctx.case.score is not None:
        raise IllegalTransition(_("Bạn đã đánh giá trả lời này."))
    ctx.fields["score"] = score
    ctx.data.update(score=score, satisfied=score >= 4)
    if ctx.inputs.get("comment"):
        ctx.data["comment"] = ctx.inputs["comment"]


def _reraise(ctx: Context) -> None:
    """The author does not accept the answer: handled again, a new answer deadline."""
    due = _working_days(ctx.now, ANSWER_DAYS)
    # The optimistic lock makes the count exact (of two re-raises one waits and reads).
    ctx.fields.update(reraised=ctx.case.reraised + 1, due_at=due, answered_at=None, score=None)
    ctx.data["due_at"] = due.isoformat()


def _merge(ctx: Context) -> None:
    r = ctx.case
    into_code = str(ctx.inputs["into"]).strip()
    into = Report.objects.filter(code=into_code).select_related("handling_agency").first()
    if into is None or into.pk == r.pk or into.status == Status.MERGED:
        raise bad("into", "unknown_report", _("Không tìm thấy phản ánh để gộp vào."))
    if not can(ctx.actor, Perm.FEEDBACK_RECEIVE, agency=into.handling_agency):
        raise bad("into", "unknown_report", _("Không tìm thấy phản ánh để gộp vào."))
    ctx.fields["merged_into"] = into
    ctx.data["into"] = into.code


EFFECTS: Final[Mapping[str, Callable[[Context], None]]] = {
    "decide": _decide,
    "start_answer_clock": _start_answer_clock,
    "pause": _pause,
    "resume": _resume,
    "attach": _attach,
    "assign": _assign,
    "hand_over": _hand_over,
    "answer": _answer,
    "publish": _publish,
    "finish": _finish,
    "rate": _rate,
    "reraise": _reraise,
    "merge": _merge,
}


class ReportMachine(RoleChecked, engine.Machine[Report]):
    """Reports as the engine runs them."""

    model = Report
    effects = EFFECTS
    inputs = INPUTS
    conflict_message = gettext_lazy(
        "Phản ánh %(code)s vừa được người khác cập nhật. Tải lại để xem trạng thái mới."
    )
    texts = ("note", "comment")
    step_due_column = "step_due_at"

    def table(self, case: Report) -> Table:
        return TABLE

    def place(self, case: Report, where: str) -> Agency | None:
        return case.handling_agency

    def for_author(self, actor: User | None, case: Report) -> Agency:
        if actor is None or actor.pk != case.author_id:
            raise NotFound(_("Không tìm thấy phản ánh %(code)s.") % {"code": case.code})
        return case.handling_agency

    def record(self, ctx: Context, before: str) -> None:
        _record(
            ctx.case,
            ctx.step.action,
            before,
            ctx.actor,
            ctx.agency,
            ctx.now,
            ctx.data,
            note=ctx.inputs.get("note", ""),
            role=ctx.role,
        )


MACHINE: Final = ReportMachine()


def _record(
    report: Report,
    action: str,
    before: str,
    actor: User | None,
    agency: Agency,
    at: dt.datetime,
    data: dict[str, Any],
    *,
    note: str = "",
    role: str = "",
) -> None:
    """The step's history row, outbox event and audit entry."""
    ReportEvent.objects.create(
        report=report,
        action=action,
        from_status=before,
        to_status=report.status,
        actor=actor if getattr(actor, "pk", None) else None,
        role=role,
        agency=agency,
        at=at,
        note=note,
        data=data,
    )
    outbox.emit(
        f"feedback.{action}",
        aggregate_type="report",
        aggregate_id=report.code,
        payload={
            "code": report.code,
            "status": report.status,
            "from": before,
            "category": report.category,
            "handling_agency": report.handling_agency.code,
            "province": report.province.code,
            "commune": report.commune.code if report.commune else "",
            "agency": agency.code,
            "role": role,
            "note": note,
            "at": at.isoformat(),
            "data": data,
        },
    )
    audit.defer(
        audit.pending_row(
            f"feedback.{action}",
            actor=actor,
            object_type="report",
            object_id=report.code,
            at=at,
            data={"from_status": before, "to_status": report.status, "agency": agency.code, **data},
        )
    )
