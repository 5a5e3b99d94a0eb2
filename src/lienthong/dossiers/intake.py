"""Intake: submission (online, counter, post) in one place — the checks of what is
filed and of every uploaded file; idempotency (a retry of a submission returns the
dossier its first attempt filed); and writing a new dossier — its number, the dossier,
its components, the history row, the outbox event and the audit entry — all or nothing.
A counter intake is received at once through the workflow engine, in the same
transaction.

On PostgreSQL it is one statement (a chain of ``INSERT … RETURNING`` in a ``WITH``):
one round trip, one commit, and the centre's day counter is locked only while that
statement runs, so submissions to one centre do not queue behind each other's
transactions. Elsewhere (SQLite, which has no data-modifying ``WITH``) the same rows
are written by consecutive inserts in one transaction. Measured in docs/performance.md.
"""

# ruff: noqa: S608  (the SQL is built from model metadata only; values are parameters)
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec

import psycopg
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import agencies_with, is_platform_admin
from lienthong.catalog import eforms
from lienthong.catalog import selectors as catalog
from lienthong.core import fastsql, outbox
from lienthong.core import files as stored_files
from lienthong.core.errors import InvalidInput, InvalidParam, NotFound, PermissionDenied
from lienthong.core.identifiers import new_tracking_key
from lienthong.core.models import AuditPending, OutboxEvent, PendingFile
from lienthong.core.text import UnsafeText, clean_filename, clean_param
from lienthong.directory import selectors as directory
from lienthong.dossiers import routing, selectors, workflow
from lienthong.dossiers.constants import SOURCE_KEY, Channel
from lienthong.dossiers.models import (
    Dossier,
    DossierEvent,
    DossierFile,
    DossierSequence,
    WalletDocument,
    stored_file_name,
)
from lienthong.geo import selectors as geo

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.catalog.models import ProcedureVersion
    from lienthong.directory.models import Agency
    from lienthong.geo.models import AdministrativeUnit

P = ParamSpec("P")

__all__ = [
    "ALLOWED_TYPES",
    "MAX_FILES_PER_DOSSIER",
    "MAX_FILE_BYTES",
    "Upload",
    "a_retry_returns_the_first",
    "bad",
    "check_count",
    "check_upload",
    "code",
    "file_row",
    "filed_before",
    "insert_new",
    "prefix",
    "submit",
]

# --------------------------------------------------------------------------- files

MAX_FILE_BYTES = 10 * 1024 * 1024
#: Files of one dossier, supplements included (a dossier lists a dozen papers at most).
MAX_FILES_PER_DOSSIER = 40
ALLOWED_TYPES = {
    "application/pdf": b"%PDF",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG",
}


@dataclass(frozen=True)
class Upload:
    component: str
    file: UploadedFile[bytes]

    @property
    def name(self) -> str:
        """The file's own name as kept aside (NFC, one line; checked by check_upload)."""
        try:
            return clean_filename(self.file.name or "tep")
        except UnsafeText:
            return "tep"


def bad(field: str, code: str, reason: str) -> InvalidInput:
    return InvalidInput(reason, invalid_params=[InvalidParam(field, code, reason)])


def check_upload(upload: Upload, index: int) -> tuple[str, str]:
    """(content type, sha256) of an upload whose type and size are acceptable."""
    f = upload.file
    field = f"files[{index}]"
    try:
        clean_filename(f.name or "tep")
    except UnsafeText as exc:
        raise bad(field, exc.code, str(exc.reason)) from exc
    if f.size is None or f.size == 0:
        raise bad(field, "empty_file", _("Tệp «%(n)s» rỗng.") % {"n": f.name})
    if f.size > MAX_FILE_BYTES:
        raise bad(field, "file_too_large", _("Tệp «%(n)s» lớn hơn 10 MB.") % {"n": f.name})
    f.seek(0)
    head = f.read(8)
    kind = next((t for t, magic in ALLOWED_TYPES.items() if head.startswith(magic)), None)
    if kind is None:
        raise bad(field, "file_type", _("Tệp «%(n)s» phải là PDF, JPEG hoặc PNG.") % {"n": f.name})
    f.seek(0)
    digest = hashlib.sha256()
    for chunk in f.chunks():
        digest.update(chunk)
    f.seek(0)
    return kind, digest.hexdigest()


def check_count(files: int) -> None:
    if files > MAX_FILES_PER_DOSSIER:
        raise bad(
            "files",
            "too_many_files",
            _("Một hồ sơ có tối đa %(n)s tệp.") % {"n": MAX_FILES_PER_DOSSIER},
        )


def file_row(
    dossier: Dossier, upload: Upload, kind: str, digest: str, **flags: bool
) -> DossierFile:
    return DossierFile(
        dossier=dossier,
        component_name=upload.component[:500],
        original_name=upload.name,
        content_type=kind,
        size=upload.file.size or 0,
        sha256=digest,
        **flags,
    )


# --------------------------------------------------------------------------- idempotency


def filed_before(
    *,
    actor: User,
    procedure_code: str,
    competent_unit_code: str,
    idempotency_key: str = "",
    applicant: User | None = None,
    channel: str = Channel.ONLINE,
    **_rest: Any,
) -> Dossier | None:
    """The dossier the same submitter already filed under the request's idempotency key,
    if it is for the same applicant, procedure, place and channel; None if there is none.
    Takes ``submit``'s arguments. Raises InvalidInput (``key_reused``) when the key was
    used for a different dossier: a clerk who goes back and files for someone else must
    not be told it is done."""
    first = selectors.filed_with_key(actor, idempotency_key)
    if first is None:
        return None
    applicant = applicant or actor
    if (
        first.applicant_id == getattr(applicant, "pk", None)
        and first.procedure_version.procedure.code == procedure_code.strip()
        and first.competent_unit.code == competent_unit_code.strip()
        and first.channel == channel
    ):
        return first
    raise bad(
        "idempotency_key",
        "key_reused",
        _(
            "Khoá chống gửi trùng đã dùng cho hồ sơ %(code)s có nội dung khác; hồ sơ này "
            "chưa được nộp, hãy gửi lại."
        )
        % {"code": first.code},
    )


def a_retry_returns_the_first(fn: Callable[P, Dossier]) -> Callable[P, Dossier]:
    """A retry that the checks now refuse (the applicant's files were already sent, the
    procedure changed since) still returns the dossier its first attempt filed: the
    lookup is made only when a check fails, so a first submission pays nothing for it."""

    @functools.wraps(fn)
    def submit(*args: P.args, **kwargs: P.kwargs) -> Dossier:
        try:
            return fn(*args, **kwargs)
        except (InvalidInput, PermissionDenied) as refused:
            arguments: dict[str, Any] = kwargs  # submit's, keyword-only
            try:
                first = filed_before(**arguments)
            except InvalidInput:
                first = None  # the key names another dossier: the checks' answer stands
            if first is None:
                raise refused from None
            return first

    return submit


# --------------------------------------------------------------------------- the insert


def prefix(agency_code: str, day: dt.date) -> str:
    """``<receiving agency code>-<yymmdd>-``: a dossier code without its number."""
    return f"{agency_code}-{day:%y%m%d}-"


def code(agency_code: str, day: dt.date, last: int) -> str:
    """The dossier code with the day's number ``last``: four digits, more past 9,999
    (the statement in ``_statement`` formats it the same way)."""
    return f"{prefix(agency_code, day)}{last:04d}"


def _take_number() -> str:
    """Upsert of the centre's day counter, returning the number taken."""
    table = connection.ops.quote_name(DossierSequence._meta.db_table)
    return (
        f"INSERT INTO {table} (agency_id, day, last) VALUES (%s, %s, 1) "
        f"ON CONFLICT (agency_id, day) DO UPDATE SET last = {table}.last + 1 RETURNING last"
    )


def _next(agency_id: int, day: dt.date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(_take_number(), [agency_id, day])
        return int(cursor.fetchone()[0])


@functools.cache
def _statement(files: int, pending: bool = False) -> str:
    q = connection.ops.quote_name
    linked = {"dossier_id": "d.id"}
    parts = [
        f"seq AS ({_take_number()})",
        f"d AS (INSERT INTO {q(Dossier._meta.db_table)} ({fastsql.column_list(Dossier)}) "
        "SELECT "
        + fastsql.placeholders(
            Dossier,
            {
                "code": "%s || CASE WHEN seq.last < 10000 THEN lpad(seq.last::text, 4, '0') "
                "ELSE seq.last::text END"
            },
        )
        + " FROM seq RETURNING id, code)",
        f"e AS (INSERT INTO {q(DossierEvent._meta.db_table)} "
        f"({fastsql.column_list(DossierEvent)}) "
        f"SELECT {fastsql.placeholders(DossierEvent, linked)} FROM d)",
        f"o AS (INSERT INTO {q(OutboxEvent._meta.db_table)} ({fastsql.column_list(OutboxEvent)}) "
        "SELECT "
        + fastsql.placeholders(
            OutboxEvent,
            {
                "aggregate_id": "d.code",
                "payload": "%s::jsonb || jsonb_build_object('code', d.code)",
            },
        )
        + " FROM d)",
        f"a AS (INSERT INTO {q(AuditPending._meta.db_table)} "
        f"({fastsql.column_list(AuditPending)}) "
        f"SELECT {fastsql.placeholders(AuditPending, {'object_id': 'd.code'})} FROM d)",
    ]
    if files:
        # VALUES rows without the dossier column, which the select takes from ``d``.
        row = f"({fastsql.placeholders(DossierFile, {}, skip=frozenset({'dossier_id'}))})"
        names = [f"c{i}" for i in range(len(fastsql.columns(DossierFile)))]
        select = ", ".join(
            "d.id" if f.column == "dossier_id" else f"v.{n}"
            for f, n in zip(fastsql.columns(DossierFile), names, strict=True)
        )
        others = ", ".join(
            n
            for f, n in zip(fastsql.columns(DossierFile), names, strict=True)
            if f.column != "dossier_id"
        )
        parts.append(
            f"f AS (INSERT INTO {q(DossierFile._meta.db_table)} "
            f"({fastsql.column_list(DossierFile)}) "
            f"SELECT {select} FROM d, (VALUES {', '.join([row] * files)}) AS v ({others}))"
        )
    if pending:
        # The stored files stop being pending in the statement that names them.
        parts.append(f"p AS (DELETE FROM {q(PendingFile._meta.db_table)} WHERE name = ANY(%s))")
    sql = "WITH " + ",\n".join(parts) + "\nSELECT id, code FROM d"
    # PostgreSQL's own $n placeholders: psycopg rewrites %s for every execution of a
    # statement this long (its cache stops at 4 KB and 50 parameters), which cost a
    # third of a submission's Python time.
    numbers = itertools.count(1)
    return re.sub(r"%s", lambda _: f"${next(numbers)}", sql)


def insert_new(
    dossier: Dossier,
    files: Sequence[DossierFile],
    event: DossierEvent,
    outbox_event: OutboxEvent,
    audit_row: AuditPending,
    *,
    day: dt.date,
    pending: Sequence[str] = (),
) -> None:
    """Number ``dossier`` (receiving centre, ``day``) and write it with its rows.

    ``pending`` names the files stored for it (core/files.py): they stop being pending
    in the same commit.

    Sets ``dossier.pk`` and ``dossier.code``. Raises IntegrityError (nothing written,
    no number taken on PostgreSQL) when a unique constraint refuses the dossier.
    """
    if connection.vendor != "postgresql":
        with transaction.atomic():
            dossier.code = code(
                dossier.receiving_agency.code, day, _next(dossier.receiving_agency_id, day)
            )
            fastsql.insert([dossier], returning_pk=True)
            rows: tuple[DossierFile | DossierEvent, ...] = (*files, event)
            for row in rows:
                row.dossier = dossier
            fastsql.insert(list(files))
            fastsql.insert([event])
            outbox_event.aggregate_id = dossier.code
            outbox_event.payload = {**outbox_event.payload, "code": dossier.code}
            outbox.record(outbox_event)
            audit_row.object_id = dossier.code
            fastsql.insert([audit_row])
            if pending:
                PendingFile.objects.filter(name__in=list(pending)).delete()
        return
    dossier.code = prefix(dossier.receiving_agency.code, day)  # the statement adds the number
    params: list[object] = [dossier.receiving_agency_id, day]
    params += fastsql.values(dossier)
    params += fastsql.values(event, skip=frozenset({"dossier_id"}))
    params += fastsql.values(outbox_event, skip=frozenset({"aggregate_id"}))
    params += fastsql.values(audit_row, skip=frozenset({"object_id"}))
    for row in files:
        params += fastsql.values(row, skip=frozenset({"dossier_id"}))
    if pending:
        params.append(list(pending))
    # psycopg's own cursor binds on the server and prepares the statement once per
    # pooled connection: parsing and planning a hundred-parameter statement on every
    # submission cost more than running it. (Django's query log does not see it.)
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(_statement(len(files), bool(pending)), params, prepare=True)
        inserted = cursor.fetchone()
    if inserted is None:  # INSERT … RETURNING gives the row, or raises
        raise RuntimeError("the dossier insert returned no row")
    dossier.pk, dossier.code = inserted
    audit_row.object_id = dossier.code
    dossier._state.adding = False
    dossier._state.db = connection.alias


# --------------------------------------------------------------------------- declaration


def check_declaration(
    version: ProcedureVersion, data: dict[str, Any], applicant_pin: str | None = None
) -> dict[str, Any]:
    """The applicant's declaration (tờ khai) on the procedure's electronic form, cleaned
    (``catalog.eforms``: required items, real dates, choices from their list, numbers,
    phones, communes in force; items a condition hides are dropped).

    A dossier may come without it (its declaration is an attached form): then nothing
    is checked. Once one item is given, all are checked, and each problem names its
    field (``form_data.<key>``). Other keys are kept as they are.
    """
    form = catalog.form_of(version)
    if form is None or not {f.key for f in form.fields} & set(data):
        return data
    cleaned, problems = eforms.clean(form, data)
    if applicant_pin is not None:
        problems += eforms.identity_problems(form, cleaned, applicant_pin)
    if problems:
        raise InvalidInput(_("Tờ khai chưa đầy đủ hoặc chưa đúng."), invalid_params=problems)
    return cleaned


# --------------------------------------------------------------------------- submission


@a_retry_returns_the_first
def submit(
    *,
    actor: User,
    procedure_code: str,
    competent_unit_code: str,
    channel: str = Channel.ONLINE,
    receiving_unit_code: str | None = None,
    uploads: list[Upload] | None = None,
    summary: str = "",
    on_behalf_of: str = "",
    form_data: dict[str, Any] | None = None,
    idempotency_key: str = "",
    eid_authenticated: bool = False,
    applicant: User | None = None,
    reused: list[tuple[str, int]] | None = None,
    now: dt.datetime | None = None,
    prefilled_from: dict[str, dict[str, Any]] | None = None,
    platform_filed: bool = False,
) -> Dossier:
    """File a dossier for the published version of ``procedure_code``.

    Online and postal dossiers wait for a one-stop clerk to receive them; a dossier
    filed at a counter by a clerk is received at once. A boundary-free procedure may be
    received by any service centre of the province; the handling agency is the
    competent one for ``competent_unit_code``. Retrying with the same
    ``idempotency_key`` returns the first dossier. Raises InvalidInput naming the bad
    field (unknown procedure or place, a channel the procedure does not offer, a missing
    required component, a file of the wrong type or size), PermissionDenied when a
    counter intake is not made by a clerk of the receiving centre. ``applicant`` is the
    person the dossier is for when a clerk or a proxy files it (default: ``actor``).
    ``reused`` lists (component, document id) pairs taken from the applicant's
    e-document store instead of new uploads. ``prefilled_from`` names, for the form's
    values read from a registry, their source (kept with the form data; a client cannot
    claim one: ``form_data`` keys starting with ``_`` are dropped).
    """
    now = now or timezone.now()
    uploads = uploads or []
    idempotency_key = idempotency_key.strip()[:100]
    summary = clean_param("summary", summary, multiline=True, max_length=500)
    on_behalf_of = clean_param("on_behalf_of", on_behalf_of, max_length=200)
    try:
        version = catalog.get_procedure(procedure_code)
    except NotFound as exc:
        raise bad("procedure", "unknown_procedure", str(exc.detail)) from exc
    if channel not in Channel.values:
        raise bad("channel", "unknown_channel", _("Kênh nộp không hợp lệ."))
    if channel == Channel.ONLINE and (
        version.service_level == "none" or "online" not in version.channels
    ):
        raise bad("channel", "not_online", _("Thủ tục này chưa nhận hồ sơ trực tuyến."))
    try:
        commune = geo.current_unit(competent_unit_code, level="commune")
    except NotFound as exc:
        raise bad(
            "competent_unit", "unknown_unit", _("Không tìm thấy xã, phường đã chọn.")
        ) from exc
    province = commune.province
    if province is None:  # a commune in force always belongs to a province
        raise bad("competent_unit", "unknown_unit", _("Không tìm thấy xã, phường đã chọn."))
    handling = routing.competent_agency(version, commune)
    if channel == Channel.COUNTER:
        receiving = _clerk_centre(actor, province)
    else:
        place = commune
        if receiving_unit_code and receiving_unit_code != commune.code:
            try:
                place = geo.current_unit(receiving_unit_code, level="commune")
            except NotFound as exc:
                raise bad(
                    "receiving_unit", "unknown_unit", _("Không tìm thấy nơi nộp đã chọn.")
                ) from exc
            if not version.boundary_free:
                raise bad(
                    "receiving_unit",
                    "not_boundary_free",
                    _("Thủ tục này chỉ nộp tại xã, phường có thẩm quyền."),
                )
            if place.province_id != commune.province_id:
                raise bad(
                    "receiving_unit",
                    "other_province",
                    _("Chỉ nộp được tại xã, phường trong cùng tỉnh, thành phố."),
                )
        receiving = routing.receiving_centre(place)
    check_count(len(uploads) + len(reused or []))
    checked = [check_upload(u, i) for i, u in enumerate(uploads)]
    components = list(version.components.all())
    owner = applicant or actor
    wallet = {}
    for i, (component, doc_id) in enumerate(reused or []):
        doc = WalletDocument.objects.filter(pk=doc_id, owner=owner).first()
        if doc is None:
            raise bad(
                f"reused[{i}]",
                "unknown_document",
                _("Không tìm thấy giấy tờ trong kho dữ liệu của người nộp."),
            )
        wallet[component] = doc
    form_data = {k: v for k, v in (form_data or {}).items() if not str(k).startswith("_")}
    # A part of an interconnected application is declared by the platform from the
    # group's form (about the child, not the parent who files): no identity lock there.
    form_data = check_declaration(
        version, form_data, None if platform_filed else ((applicant or actor).pin or "")
    )
    provided = {u.component for u in uploads} | set(wallet)
    # The declaration made on the electronic form is the form paper: not uploaded too
    # (only when the form's items were declared and checked, not any data at all).
    form = catalog.form_of(version)
    declared = form is not None and any(f.key in form_data for f in form.fields)
    if declared and (on_form := catalog.form_component(version)):
        provided.add(on_form)
    missing = [
        c.name for c in components if c.required and not c.data_registry and c.name not in provided
    ]
    if missing and channel == Channel.ONLINE:
        raise InvalidInput(
            _("Còn thiếu giấy tờ bắt buộc."),
            invalid_params=[InvalidParam("files", "missing_component", name) for name in missing],
        )
    if prefilled_from and form_data:
        form_data[SOURCE_KEY] = {k: s for k, s in prefilled_from.items() if k in form_data}
    fee = sum(int(f["amount"] or 0) for f in version.fees)
    dossier = Dossier(
        tracking_key=new_tracking_key(),
        procedure_version=version,
        applicant=applicant or actor,
        submitted_by=actor,
        on_behalf_of=on_behalf_of.strip()[:200],
        channel=channel,
        competent_unit=commune,
        receiving_agency=receiving,
        handling_agency=handling,
        province=province,
        summary=summary.strip()[:500],
        form_data=form_data or {},
        submitted_at=now,
        fee_total=fee,
        eid_authenticated=eid_authenticated,
        idempotency_key=idempotency_key,
    )
    files = (
        [
            file_row(dossier, upload, kind, digest, digitised=channel == Channel.COUNTER)
            for upload, (kind, digest) in zip(uploads, checked, strict=True)
        ]
        + [
            DossierFile(
                dossier=dossier,
                component_name=component[:500],
                from_wallet=doc,
                original_name=(doc.file.name or "").rsplit("/", 1)[-1][:255],
                content_type="application/pdf",
                sha256=doc.sha256,
                digitised=True,
            )
            for component, doc in wallet.items()
        ]
        + [
            DossierFile(
                dossier=dossier,
                component_name=c.name,
                from_registry=c.data_registry,
                digitised=True,
            )
            for c in components
            if c.data_registry
        ]
    )
    # Papers not asked for (once-only), counted per procedure for the steering dashboard.
    spared = {
        "registry": sum(1 for c in components if c.data_registry),
        "store": len(wallet),
        "form": int(declared),
    }
    step = workflow.step_rows(
        dossier,
        "submit",
        "",
        actor,
        agency=receiving,
        at=now,
        data={"channel": channel, "spared": spared},
    )
    with stored_files.staging() as staged:
        for row, upload in zip(files, uploads, strict=False):
            row.file = staged.add(stored_file_name(row, row.original_name), upload.file)
        return _insert_submitted(
            dossier,
            files,
            step,
            staged,
            actor=actor,
            now=now,
            retry={
                "actor": actor,
                "procedure_code": procedure_code,
                "competent_unit_code": competent_unit_code,
                "idempotency_key": idempotency_key,
                "applicant": applicant,
                "channel": channel,
            },
        )


def _insert_submitted(
    dossier: Dossier,
    files: list[DossierFile],
    step: workflow.StepRows,
    staged: stored_files.Staging,
    *,
    actor: User,
    now: dt.datetime,
    retry: dict[str, Any],
) -> Dossier:
    channel = dossier.channel
    try:
        # Online and postal: one statement, atomic by itself. A counter intake is
        # received at once, so both steps commit together; inside a caller's
        # transaction a savepoint keeps a refused insert from spoiling it.
        together = channel == Channel.COUNTER or connection.in_atomic_block
        with transaction.atomic() if together else nullcontext():
            insert_new(
                dossier,
                files,
                step.event,
                step.outbox,
                step.audit,
                day=timezone.localdate(now),
                pending=staged.names,
            )
            if channel == Channel.COUNTER:
                workflow.run(dossier, actor, "receive", None, now, {})
    except IntegrityError:
        # A retry: the key's unique constraint refused the row (no lookup is made
        # beforehand, so a first submission costs nothing extra). Nothing of this
        # attempt is kept; the first dossier is returned.
        staged.discard()
        first = filed_before(**retry)
        if first is None:
            raise
        return first
    return dossier


def _clerk_centre(actor: User, province: AdministrativeUnit) -> Agency:
    """The service centre where ``actor`` receives dossiers, in ``province``."""
    centres = directory.service_centres(province.code)
    if not is_platform_admin(actor):
        centres = centres.filter(pk__in=agencies_with(actor, Perm.DOSSIER_RECEIVE))
    centre = centres.first()
    if centre is None:
        raise PermissionDenied(
            _("Chỉ cán bộ một cửa của một trung tâm trong tỉnh mới tiếp nhận hồ sơ tại quầy.")
        )
    return centre
