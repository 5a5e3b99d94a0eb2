"""Writes on the catalogue: drafts, publication, import. Only platform administrators
publish (``catalog.publish``); every change is audited and announced in the outbox."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import authorize
from lienthong.catalog import eforms
from lienthong.catalog.constants import TermKind, VersionStatus
from lienthong.catalog.models import (
    CatalogState,
    Component,
    GroupMember,
    Procedure,
    ProcedureGroup,
    ProcedureVersion,
    SearchQuery,
    SearchTerm,
)
from lienthong.catalog.records import InvalidProcedure, Problem, ProcedureData, parse_procedure
from lienthong.catalog.scrub import scrub
from lienthong.catalog.search import words
from lienthong.core import audit, outbox
from lienthong.core.errors import IllegalTransition, InvalidInput, InvalidParam, NotFound
from lienthong.core.text import clean_text, unsafe_character

if TYPE_CHECKING:
    from lienthong.accounts.models import User

__all__ = [
    "ImportReport",
    "TermData",
    "TermImportReport",
    "delete_term",
    "import_rows",
    "import_terms",
    "load_terms",
    "log_search",
    "note_filed",
    "note_opened",
    "publish",
    "publish_seed",
    "save_draft",
    "save_group",
    "save_term",
]

SYSTEM = "system:catalog-loader"


def _bump_revision() -> None:
    state, _created = CatalogState.objects.get_or_create(pk=1)
    CatalogState.objects.filter(pk=state.pk).update(revision=F("revision") + 1)


def _invalid(exc: InvalidProcedure) -> InvalidInput:
    return InvalidInput(
        _("Thông tin thủ tục chưa hợp lệ."),
        invalid_params=[InvalidParam(p.field, p.code, p.message) for p in exc.problems],
    )


def _write_components(version: ProcedureVersion, data: ProcedureData) -> None:
    Component.objects.bulk_create(
        Component(
            version=version,
            order=i,
            name=c.name,
            originals=c.originals,
            copies=c.copies,
            required=c.required,
            condition=c.condition,
            form=c.form,
            data_registry=c.data_registry,
            data_fields=c.data_fields,
            data_note=c.data_note,
        )
        for i, c in enumerate(data.components, start=1)
    )


def _new_version(
    procedure: Procedure, data: ProcedureData, *, status: str, actor: User | None
) -> ProcedureVersion:
    number = (procedure.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        number=number,
        status=status,
        created_by=actor if getattr(actor, "pk", None) else None,
        **data.version_fields(),
    )
    _write_components(version, data)
    return version


def save_draft(*, actor: User, data: dict[str, Any] | ProcedureData) -> ProcedureVersion:
    """Create or replace the draft of a procedure (a new procedure when the code is new).

    The published version is untouched until :func:`publish`. Raises PermissionDenied
    unless ``actor`` may publish the catalogue, InvalidInput naming every bad field.
    """
    authorize(actor, Perm.CATALOG_PUBLISH)
    if not isinstance(data, ProcedureData):
        try:
            data = parse_procedure(data)
        except InvalidProcedure as exc:
            raise _invalid(exc) from exc
    with transaction.atomic():
        procedure, created = Procedure.objects.get_or_create(code=data.code)
        draft = procedure.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is None:
            draft = _new_version(procedure, data, status=VersionStatus.DRAFT, actor=actor)
        else:
            for key, value in data.version_fields().items():
                setattr(draft, key, value)
            draft.save()
            draft.components.all().delete()
            _write_components(draft, data)
        audit.record(
            "catalog.draft_saved",
            actor=actor,
            object_type="procedure",
            object_id=data.code,
            data={"version": draft.number, "new_procedure": created},
        )
    return draft


def publish(
    *, actor: User, code: str, decision_number: str, effective_date: dt.date | None = None
) -> ProcedureVersion:
    """Publish the draft of ``code``: it becomes the version new dossiers are filed under
    and the previous published version is superseded (dossiers keep theirs).

    Raises PermissionDenied, NotFound (no such procedure), IllegalTransition (no
    draft to publish), InvalidInput (no decision number).
    """
    authorize(actor, Perm.CATALOG_PUBLISH)
    decision_number = " ".join(decision_number.split())
    if not decision_number:
        raise InvalidInput(
            _("Cần ghi số quyết định công bố thủ tục."),
            invalid_params=[
                InvalidParam("decision_number", "required", _("Nhập số quyết định công bố."))
            ],
        )
    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().filter(code=code).first()
        if procedure is None:
            raise NotFound(_("Không tìm thấy thủ tục %(code)s.") % {"code": code})
        draft = procedure.versions.filter(status=VersionStatus.DRAFT).first()
        if draft is None:
            raise IllegalTransition(_("Thủ tục không có dự thảo nào để công bố."))
        previous = procedure.versions.filter(status=VersionStatus.PUBLISHED).first()
        if previous is not None:
            previous.status = VersionStatus.SUPERSEDED
            previous.save(update_fields=["status"])
        draft.status = VersionStatus.PUBLISHED
        draft.decision_number = decision_number
        draft.effective_date = effective_date or timezone.localdate()
        draft.published_at = timezone.now()
        draft.published_by = actor if getattr(actor, "pk", None) else None
        draft.save(
            update_fields=[
                "status",
                "decision_number",
                "effective_date",
                "published_at",
                "published_by",
            ]
        )
        _bump_revision()
        audit.record(
            "catalog.published",
            actor=actor,
            object_type="procedure",
            object_id=code,
            data={
                "version": draft.number,
                "superseded": previous.number if previous else None,
                "decision_number": decision_number,
            },
        )
        outbox.emit(
            "catalog.procedure_published",
            aggregate_type="procedure",
            aggregate_id=code,
            payload={"code": code, "version": draft.number, "name": draft.name},
        )
    return draft


def _same(version: ProcedureVersion, data: ProcedureData) -> bool:
    stored = {k: getattr(version, k) for k in data.version_fields()}
    if stored != data.version_fields():
        return False
    have = list(
        version.components.values_list(
            "name",
            "originals",
            "copies",
            "required",
            "condition",
            "form",
            "data_registry",
            "data_fields",
            "data_note",
        )
    )
    want = [
        (
            c.name,
            c.originals,
            c.copies,
            c.required,
            c.condition,
            c.form,
            c.data_registry,
            c.data_fields,
            c.data_note,
        )
        for c in data.components
    ]
    return have == want


def publish_seed(data: ProcedureData, *, decision_number: str) -> str:
    """Reference-data loader: publish ``data`` unless the published version already says
    exactly this. Returns "created", "updated" or "unchanged"."""
    with transaction.atomic():
        procedure, created = Procedure.objects.get_or_create(code=data.code)
        current = procedure.versions.filter(status=VersionStatus.PUBLISHED).first()
        if current is not None and _same(current, data):
            return "unchanged"
        if current is not None:
            current.status = VersionStatus.SUPERSEDED
            current.save(update_fields=["status"])
        version = _new_version(procedure, data, status=VersionStatus.PUBLISHED, actor=None)
        version.decision_number = decision_number
        version.effective_date = timezone.localdate()
        version.published_at = timezone.now()
        version.save(update_fields=["decision_number", "effective_date", "published_at"])
        _bump_revision()
        audit.record(
            "catalog.published",
            actor=SYSTEM,
            object_type="procedure",
            object_id=data.code,
            data={"version": version.number, "decision_number": decision_number},
        )
    return "created" if created or current is None else "updated"


def save_group(raw: dict[str, Any]) -> ProcedureGroup:
    """Reference-data loader: create or replace an interconnected procedure group (its
    form and each member's mapping are checked: problems name their place)."""
    codes = [m["code"] for m in raw.get("members", [])]
    known = dict(Procedure.objects.filter(code__in=codes).values_list("code", "pk"))
    missing = [c for c in codes if c not in known]
    if missing:
        raise ValueError(f"group {raw.get('code')}: unknown procedures {', '.join(missing)}")
    form = raw.get("form") or {}
    definition = None
    if form:
        definition, problems = eforms.parse(form)
        if definition is None:
            raise ValueError(f"group {raw.get('code')}: form: {'; '.join(problems[:10])}")
        form = eforms.to_json(definition)
    # The order of the members is checked with or without a form (a loop never ends).
    problems = _member_mapping_problems(raw, definition)
    if problems:
        raise ValueError(f"group {raw.get('code')}: {'; '.join(problems[:10])}")
    with transaction.atomic():
        group, _created = ProcedureGroup.objects.update_or_create(
            code=raw["code"],
            defaults={
                "name": raw["name"],
                "legal_basis": raw.get("legal_basis", ""),
                "total_days": raw.get("total_days", 0),
                "sources": raw.get("sources", []),
                "form": form,
            },
        )
        group.members.all().delete()
        GroupMember.objects.bulk_create(
            GroupMember(
                group=group,
                procedure_id=known[m["code"]],
                order=m.get("order", i),
                agency=m.get("agency", ""),
                days=m.get("days", 0),
                passes_on=m.get("passes_on", []),
                after=m.get("after", []),
                fields=m.get("fields", {}),
            )
            for i, m in enumerate(raw.get("members", []), start=1)
        )
    return group


def _member_mapping_problems(
    raw: dict[str, Any], group_form: eforms.FormDefinition | None
) -> list[str]:
    """Each member waits only for other members (``after``: their orders), and never,
    even through others, for itself: a loop would keep the application in progress for
    ever (the members are named by their code and order); with the group's form, each
    member's mapping names keys of its own form and sources that exist."""
    problems: list[str] = []
    members = raw.get("members", [])
    order_of = [m.get("order", i) for i, m in enumerate(members, start=1)]
    orders = set(order_of)
    waits: dict[Any, list[Any]] = {}
    for i, m in enumerate(members):
        where = f"members[{i}]"
        if order_of.count(order_of[i]) > 1:
            problems.append(f"{where}.order: {order_of[i]} is the order of another member")
        after = m.get("after", [])
        if not isinstance(after, list) or any(a not in orders or a == order_of[i] for a in after):
            problems.append(f"{where}.after: orders of other members")
        else:
            waits[order_of[i]] = after
        mapping = m.get("fields", {})
        if not isinstance(mapping, dict):
            problems.append(f"{where}.fields: an object")
            continue
        if group_form is None:
            continue
        for key, source in mapping.items():
            kind, _sep, name = str(source).partition(":")
            if kind not in ("form", "result", "const"):
                problems.append(f"{where}.fields.{key}: form:<key>, result:<key> or const:<text>")
            elif kind == "form" and group_form.field(name) is None:
                problems.append(f"{where}.fields.{key}: the group's form has no «{name}»")
    # The loops of "waits for", each found once by a depth-first walk: an order met
    # again on the path that led to it closes one.
    loops: list[list[Any]] = []
    walked: set[Any] = set()

    def walk(order: Any, path: list[Any]) -> None:
        if order in path:
            loops.append(path[path.index(order) :])
            return
        if order in walked:
            return
        for before in waits.get(order, []):
            walk(before, [*path, order])
        walked.add(order)

    for order in waits:
        walk(order, [])
    names = {o: f"{m.get('code', '?')} (order {o})" for o, m in zip(order_of, members, strict=True)}
    problems.extend(
        f"members[{order_of.index(loop[0])}].after: these members wait for one another, so "
        "none of them would ever be filed: " + " → ".join(names[o] for o in [*loop, loop[0]])
        for loop in loops
    )
    return problems


@dataclass
class ImportReport:
    saved: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    errors: list[tuple[int, Problem]] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({row for row, _p in self.errors})


def import_rows(
    *,
    actor: User,
    rows: Iterable[tuple[int, dict[str, Any] | Problem]],
    publish_decision: str = "",
    effective_date: dt.date | None = None,
) -> ImportReport:
    """Save each (row number, mapping) as a draft, and publish it when a decision
    number is given. A bad row is reported with its row number and fields, and the
    import goes on; nothing of a bad row is stored."""
    authorize(actor, Perm.CATALOG_PUBLISH)
    report = ImportReport()
    for row_number, raw in rows:
        if isinstance(raw, Problem):
            report.errors.append((row_number, raw))
            continue
        try:
            data = parse_procedure(raw)
        except InvalidProcedure as exc:
            report.errors.extend((row_number, p) for p in exc.problems)
            continue
        save_draft(actor=actor, data=data)
        report.saved.append(data.code)
        if publish_decision:
            publish(
                actor=actor,
                code=data.code,
                decision_number=publish_decision,
                effective_date=effective_date,
            )
            report.published.append(data.code)
    audit.record(
        "catalog.imported",
        actor=actor,
        object_type="catalog",
        object_id="import",
        data={"saved": len(report.saved), "bad_rows": report.bad_rows[:100]},
    )
    return report


# -- the search lexicon ------------------------------------------------------------------
@dataclass(frozen=True)
class TermData:
    """A lexicon entry as entered or imported."""

    phrase: str
    means: str
    kind: str
    source: str


def term_key(phrase: str) -> str:
    """The key an entry is unique on: its words folded ("Sổ đỏ" and "so do" are one)."""
    return " ".join(words(phrase))


def check_term(data: TermData) -> list[InvalidParam]:
    """What is wrong with an entry, field by field (nothing: it may be saved)."""
    problems: list[InvalidParam] = []
    for name, value in (("phrase", data.phrase), ("means", data.means), ("source", data.source)):
        problem = unsafe_character(value, multiline=name == "source")
        if problem is not None:
            problems.append(InvalidParam(name, problem.code, problem.reason))
    if problems:
        return problems
    if not term_key(data.phrase):
        problems.append(
            InvalidParam("phrase", "required", _("Nhập cách người dân viết (chữ hoặc số)."))
        )
    elif len(data.phrase.strip()) > 200:
        problems.append(InvalidParam("phrase", "too-long", _("Tối đa 200 ký tự.")))
    if not words(data.means):
        problems.append(
            InvalidParam("means", "required", _("Nhập nghĩa theo tên gọi trong danh mục."))
        )
    elif len(data.means.strip()) > 500:
        problems.append(InvalidParam("means", "too-long", _("Tối đa 500 ký tự.")))
    if data.kind not in TermKind.values:
        problems.append(InvalidParam("kind", "invalid", _("Loại không hợp lệ.")))
    if not data.source.strip():
        problems.append(
            InvalidParam("source", "required", _("Ghi nguồn hoặc lý do của mục từ điển."))
        )
    return problems


def save_term(*, actor: User, data: TermData, term_id: int | None = None) -> SearchTerm:
    """Add an entry to the lexicon, or change entry ``term_id``; the search uses it at once.

    Raises PermissionDenied, NotFound (no such entry), InvalidInput (a field is wrong, or
    another entry has the same words: code ``duplicate``)."""
    authorize(actor, Perm.CATALOG_PUBLISH)
    problems = check_term(data)
    if problems:
        raise InvalidInput(_("Mục từ điển chưa hợp lệ."), invalid_params=problems)
    key = term_key(data.phrase)
    with transaction.atomic():
        if term_id is None:
            term = SearchTerm()
            before = None
        else:
            found = SearchTerm.objects.select_for_update().filter(pk=term_id).first()
            if found is None:
                raise NotFound(_("Không tìm thấy mục từ điển."))
            term = found
            before = {"phrase": term.phrase, "means": term.means, "kind": term.kind}
        if SearchTerm.objects.filter(key=key).exclude(pk=term.pk).exists():
            raise InvalidInput(
                _("Mục từ điển chưa hợp lệ."),
                invalid_params=[
                    InvalidParam("phrase", "duplicate", _("Đã có mục từ điển cho cách viết này."))
                ],
            )
        term.phrase = clean_text(data.phrase)
        term.key = key
        term.means = clean_text(data.means)
        term.kind = data.kind
        term.source = clean_text(data.source, multiline=True)
        term.save()
        _bump_revision()
        audit.record(
            "catalog.term_saved",
            actor=actor,
            object_type="search_term",
            object_id=term.pk,
            data={
                "phrase": term.phrase,
                "means": term.means,
                "kind": term.kind,
                "before": before,
            },
        )
    return term


def delete_term(*, actor: User, term_id: int) -> None:
    """Remove entry ``term_id`` from the lexicon. Raises PermissionDenied, NotFound."""
    authorize(actor, Perm.CATALOG_PUBLISH)
    with transaction.atomic():
        term = SearchTerm.objects.select_for_update().filter(pk=term_id).first()
        if term is None:
            raise NotFound(_("Không tìm thấy mục từ điển."))
        removed = {"phrase": term.phrase, "means": term.means, "kind": term.kind}
        term.delete()
        _bump_revision()
        audit.record(
            "catalog.term_deleted",
            actor=actor,
            object_type="search_term",
            object_id=term_id,
            data=removed,
        )


def load_terms(entries: Iterable[TermData], *, actor: User | str = SYSTEM) -> Counter[str]:
    """Add or update entries by their words (reference data, or an import already
    authorised by its caller); unchanged ones are left as they are. Bad entries are counted
    as "invalid" and skipped. Returns the counts of "created", "updated", "unchanged"."""
    outcome: Counter[str] = Counter()
    changed: list[dict[str, str]] = []
    with transaction.atomic():
        existing = {t.key: t for t in SearchTerm.objects.select_for_update()}
        for data in entries:
            if check_term(data):
                outcome["invalid"] += 1
                continue
            key = term_key(data.phrase)
            values = {
                "phrase": clean_text(data.phrase),
                "means": clean_text(data.means),
                "kind": data.kind,
                "source": clean_text(data.source, multiline=True),
            }
            term = existing.get(key)
            if term is None:
                existing[key] = SearchTerm.objects.create(key=key, **values)
                outcome["created"] += 1
            elif all(getattr(term, f) == v for f, v in values.items()):
                outcome["unchanged"] += 1
                continue
            else:
                for f, v in values.items():
                    setattr(term, f, v)
                term.save()
                outcome["updated"] += 1
            changed.append({"phrase": values["phrase"], "means": values["means"]})
        if changed:
            _bump_revision()
            audit.record(
                "catalog.terms_loaded",
                actor=actor,
                object_type="search_term",
                object_id="",
                data={"changed": len(changed), "first": changed[:20], **dict(outcome)},
            )
    return outcome


@dataclass
class TermImportReport:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[int, Problem]] = field(default_factory=list)

    @property
    def bad_rows(self) -> list[int]:
        return sorted({row for row, _p in self.errors})


def import_terms(
    *, actor: User, rows: Iterable[tuple[int, dict[str, str] | Problem]]
) -> TermImportReport:
    """Add or update lexicon entries from a file's rows (``files.read_term_rows``); a row
    that is wrong is reported with its problems and left out, the others are saved.
    Raises PermissionDenied."""
    authorize(actor, Perm.CATALOG_PUBLISH)
    report = TermImportReport()
    good: list[TermData] = []
    seen: dict[str, int] = {}
    for number, row in rows:
        if isinstance(row, Problem):
            report.errors.append((number, row))
            continue
        data = TermData(
            row.get("phrase", ""),
            row.get("means", ""),
            row.get("kind", "").strip(),
            row.get("source", ""),
        )
        problems = check_term(data)
        key = term_key(data.phrase)
        if not problems and key in seen:
            problems = [
                InvalidParam(
                    "phrase",
                    "duplicate",
                    _("Trùng cách viết với dòng %(row)d.") % {"row": seen[key]},
                )
            ]
        if problems:
            report.errors.extend((number, Problem(p.name, p.code, str(p.reason))) for p in problems)
            continue
        seen[key] = number
        good.append(data)
    report.counts = load_terms(good, actor=actor)
    return report


# -- the search log ----------------------------------------------------------------------
#: A query typed on within this long of the last one, extending or shortening it, is the
#: same search (search as you type asks at every pause).
TYPING_ON = dt.timedelta(minutes=2)
#: A procedure opened this long after a search still counts as found by it.
OPENED_WITHIN = dt.timedelta(minutes=30)
#: A dossier filed this long after the search (for the procedure opened from it) counts.
FILED_WITHIN = dt.timedelta(hours=2)
_PLACEHOLDERS = frozenset({"so", "ten", "email"})


def log_search(
    *, text: str, channel: str, results: int, first_code: str, previous: int | None = None
) -> int | None:
    """Keep a search, scrubbed of personal data (``catalog.scrub``), with what it found;
    ``previous``: the id this browser's last search was kept under (from its session), so
    that typing on updates one row. Returns the row's id (None when nothing of the query
    may be kept). A log of use, not of decisions: not on the audit chain."""
    if unsafe_character(text) is not None:
        return None  # control or invisible characters: not a search anyone typed
    kept = scrub(text).strip()[:200]
    key = " ".join(w for w in words(kept) if w not in _PLACEHOLDERS)[:200]
    if not key:
        return None
    values = {"text": kept, "key": key, "results": results, "first_code": first_code}
    if previous is not None:
        row = SearchQuery.objects.filter(
            pk=previous,
            channel=channel,
            opened_code="",
            created_at__gte=timezone.now() - TYPING_ON,
        ).first()
        if row is not None and (key.startswith(row.key) or row.key.startswith(key)):
            SearchQuery.objects.filter(pk=row.pk).update(**values)
            return row.pk
    return SearchQuery.objects.create(channel=channel, **values).pk


def note_opened(search_id: int, code: str) -> None:
    """The procedure ``code`` was opened after search ``search_id`` (its first one only)."""
    SearchQuery.objects.filter(
        pk=search_id, opened_code="", created_at__gte=timezone.now() - OPENED_WITHIN
    ).update(opened_code=code[:20])


def note_filed(search_id: int, code: str) -> None:
    """A dossier of ``code`` was filed after search ``search_id`` opened that procedure."""
    SearchQuery.objects.filter(
        pk=search_id, opened_code=code[:20], created_at__gte=timezone.now() - FILED_WITHIN
    ).update(filed=True)
