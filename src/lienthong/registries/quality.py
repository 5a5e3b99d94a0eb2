"""Data quality of the registries: "đúng, đủ, sạch, sống" (correct, complete, clean, live).

Each registry has rules (``RULES``); :func:`run` passes over every record once, in
chunks of ids (memory flat in the number of records), writes what each rule finds as
``QualityFinding`` rows and the counts per province into the ``QualityRun``, and
updates its progress as it goes. Rules that compare records (duplicates, a dead person
with an active card) read their other side with one query per chunk or one grouped
query per pass.

The rules and what they find:

``missing_field`` (đủ)
    a required field is empty.
``pin_mismatch`` (đúng)
    a personal identification number that is malformed, or whose century/sex digit
    and year do not match the record's sex and birth date.
``impossible_date`` (đúng)
    born in the future, dead before being born, or born no later than a parent.
``tax_code_invalid`` (đúng)
    a tax code whose check digit is wrong.
``card_dates`` (đúng)
    a health-insurance card valid until before it is valid from.
``duplicate_person`` (sạch)
    two population records with the same name, birth date, sex and parents (every
    record of the group is listed, with the others' numbers).
``dead_unit`` (sống)
    an address on a commune that no longer exists (abolished on 1/7/2025); civil-status
    acts registered before that day rightly name their commune of the time.
``stale_record`` (sống)
    a person recorded alive at more than 120 years of age.
``dead_insured``, ``dead_beneficiary`` (sống)
    a person dead in the population registry with an active insurance card, or still
    receiving a monthly allowance.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from django.db.models import Count
from django.db.models.fields.json import KT
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lienthong.core.identifiers import IdentifierError, normalize_tax_code, validate_pin
from lienthong.geo import selectors as geo
from lienthong.registries.models import QualityFinding, QualityRun, Record, Registry
from lienthong.registries.selectors import record_chunks

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

__all__ = ["RULES", "Finding", "Rule", "check", "rules_of", "run"]

Goal = Literal["correct", "complete", "clean", "live"]
GOALS: Final[dict[str, StrPromise]] = {
    "correct": _("Đúng"),
    "complete": _("Đủ"),
    "clean": _("Sạch"),
    "live": _("Sống"),
}


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    goal: Goal
    label: StrPromise


RULES: Final[dict[str, Rule]] = {
    r.code: r
    for r in (
        Rule("missing_field", "complete", _("Thiếu trường bắt buộc")),
        Rule(
            "pin_mismatch",
            "correct",
            _("Số định danh sai cấu trúc hoặc không khớp giới tính, năm sinh"),
        ),
        Rule(
            "impossible_date",
            "correct",
            _("Ngày tháng vô lý (sinh trong tương lai, chết trước khi sinh, sinh trước cha mẹ)"),
        ),
        Rule("tax_code_invalid", "correct", _("Mã số thuế sai chữ số kiểm tra")),
        Rule("card_dates", "correct", _("Thẻ BHYT có hạn đến trước hạn từ")),
        Rule(
            "duplicate_person",
            "clean",
            _("Trùng người (cùng họ tên, ngày sinh, giới tính, cha mẹ)"),
        ),
        Rule("dead_unit", "live", _("Địa chỉ ở đơn vị hành chính không còn tồn tại")),
        Rule("stale_record", "live", _("Còn sống ở tuổi trên 120 (dữ liệu chưa cập nhật)")),
        Rule("dead_insured", "live", _("Người đã chết còn thẻ BHYT đang hiệu lực")),
        Rule("dead_beneficiary", "live", _("Người đã chết còn đang hưởng trợ cấp")),
    )
}

_BY_REGISTRY: Final[dict[str, tuple[str, ...]]] = {
    "population": (
        "missing_field",
        "pin_mismatch",
        "impossible_date",
        "duplicate_person",
        "dead_unit",
        "stale_record",
    ),
    "civil-status": ("missing_field", "pin_mismatch", "dead_unit"),
    "enterprises": ("missing_field", "tax_code_invalid", "dead_unit"),
    "insurance": ("pin_mismatch", "card_dates", "dead_insured"),
    "social-protection": ("missing_field", "pin_mismatch", "dead_unit", "dead_beneficiary"),
}
_REQUIRED: Final[dict[str, tuple[str, ...]]] = {
    "population": ("full_name", "birth_date", "sex", "permanent_unit"),
    "civil-status": ("book", "number", "registered_on", "full_name"),
    "enterprises": ("name", "representative_name", "unit"),
    "social-protection": ("pin", "category", "paying_unit"),
}
#: The field naming the commune a record is counted in.
_UNIT: Final[dict[str, str]] = {
    "population": "permanent_unit",
    "civil-status": "registered_at",
    "enterprises": "unit",
    "social-protection": "paying_unit",
}
_REFORM: Final = "2025-07-01"
CHUNK: Final = 5_000


def rules_of(registry: str) -> list[Rule]:
    return [RULES[c] for c in _BY_REGISTRY.get(registry, ())]


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    key: str
    province: str
    detail: str = ""


def _norm(name: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(name or "")).casefold().split())


def _pin_problem(pin: object, sex: object = None, born: object = None) -> str:
    try:
        info = validate_pin(str(pin or ""))
    except IdentifierError as exc:
        return str(exc.message)
    if sex in ("male", "female") and info.sex != sex:
        return str(_("chữ số thứ 4 ứng với giới tính khác"))
    if (
        isinstance(born, str)
        and len(born) >= 4
        and born[:4].isdigit()
        and int(born[:4]) != info.birth_year
    ):
        return str(_("năm sinh trong số định danh là %(y)d") % {"y": info.birth_year})
    return ""


class _Context:
    """What a pass needs besides the records: the commune map, today, the dead."""

    def __init__(self, registry: Registry, today: dt.date) -> None:
        self.registry = registry
        self.code = registry.code
        self.today = today.isoformat()
        #: Born before this day: over 120 years old today.
        self.oldest = f"{today.year - 121:04d}{self.today[4:]}"
        self.communes = geo.commune_map()
        self.population = Registry.objects.filter(code="population").first()
        self.dead: frozenset[str] = frozenset()
        if self.code in ("insurance", "social-protection") and self.population is not None:
            self.dead = frozenset(
                Record.objects.filter(registry=self.population, data__status="dead").values_list(
                    "key", flat=True
                )
            )

    def province(self, unit: object) -> str:
        return self.communes.province_of.get(str(unit or ""), "")

    def homes(self, pins: list[str]) -> dict[str, str]:
        """The province each person lives in (population registry), for registries
        that name no commune."""
        if self.population is None or not pins:
            return {}
        rows = Record.objects.filter(registry=self.population, key__in=pins).values_list(
            "key", KT("data__permanent_unit")
        )
        return {k: self.province(u) for k, u in rows}

    def births(self, pins: set[str]) -> dict[str, str]:
        if self.population is None or not pins:
            return {}
        rows = Record.objects.filter(registry=self.population, key__in=list(pins)).values_list(
            "key", KT("data__birth_date")
        )
        return {k: str(b or "") for k, b in rows}


def _record_findings(
    ctx: _Context,
    key: str,
    subject: str,
    data: dict[str, Any],
    province: str,
    parents: dict[str, str],
) -> Iterator[Finding]:
    code = ctx.code
    empty = [f for f in _REQUIRED.get(code, ()) if data.get(f) in (None, "", [])]
    if empty:
        yield Finding("missing_field", key, province, ", ".join(empty))
    if "pin_mismatch" in _BY_REGISTRY[code]:
        pin = data.get("pin") or (subject if code != "enterprises" else "")
        if pin:
            born = data.get("birth_date") if code == "population" else None
            sex = data.get("sex") if code == "population" else None
            problem = _pin_problem(pin, sex, born)
            if problem:
                yield Finding("pin_mismatch", key, province, problem)
    unit_field = _UNIT.get(code)
    if unit_field and "dead_unit" in _BY_REGISTRY[code]:
        unit = data.get(unit_field)
        registered = str(data.get("registered_on") or "")
        if (
            unit
            and unit not in ctx.communes.current
            and (code != "civil-status" or registered >= _REFORM)
        ):
            yield Finding("dead_unit", key, province, str(unit))
    if code == "population":
        yield from _population_dates(ctx, key, data, province, parents)
    elif code == "enterprises":
        try:
            normalize_tax_code(str(data.get("tax_code") or key))
        except IdentifierError as exc:
            yield Finding("tax_code_invalid", key, province, str(exc.message))
    elif code == "insurance":
        start, end = str(data.get("card_from") or ""), str(data.get("card_to") or "")
        if start and end and end < start:
            yield Finding("card_dates", key, province, f"{start} > {end}")
        if subject in ctx.dead and data.get("card_status") == "active":
            yield Finding("dead_insured", key, province, subject)
    elif code == "social-protection" and subject in ctx.dead and data.get("status") == "active":
        yield Finding("dead_beneficiary", key, province, subject)


def _population_dates(
    ctx: _Context, key: str, data: dict[str, Any], province: str, parents: dict[str, str]
) -> Iterator[Finding]:
    born = str(data.get("birth_date") or "")
    died = str(data.get("death_date") or "")
    if born and born > ctx.today:
        yield Finding("impossible_date", key, province, str(_("sinh ngày %(d)s") % {"d": born}))
    elif born and died and died < born:
        yield Finding("impossible_date", key, province, f"{born} > {died}")
    elif born:
        for parent in ("father_pin", "mother_pin"):
            other = parents.get(str(data.get(parent) or ""), "")
            if other and other >= born:
                yield Finding(
                    "impossible_date",
                    key,
                    province,
                    str(_("sinh không sau cha, mẹ (%(d)s)") % {"d": other}),
                )
                break
    if born[:4].isdigit() and data.get("status") == "alive" and born < ctx.oldest:
        yield Finding("stale_record", key, province, born)


_Twin = tuple[object, object, object, object, object]


def _twin(data: dict[str, Any]) -> _Twin:
    return (
        data.get("full_name"),
        data.get("birth_date"),
        data.get("sex"),
        data.get("father_pin"),
        data.get("mother_pin"),
    )


def _duplicate_keys(registry: Registry) -> set[_Twin]:
    """(name, birth date, sex, father, mother) held by more than one record: one grouped
    query; the pass then picks their records out."""
    groups = (
        Record.objects.filter(registry=registry)
        .exclude(data__full_name="")
        .values_list(
            KT("data__full_name"),
            KT("data__birth_date"),
            KT("data__sex"),
            KT("data__father_pin"),
            KT("data__mother_pin"),
        )
        .annotate(count=Count("id"))
        .filter(count__gt=1)
    )
    # SQLite's ->> gives "null" for a JSON null where PostgreSQL gives NULL.
    found: set[_Twin] = set()
    for g in groups:
        n, b, sex, f, m = (None if v == "null" else v for v in g[:5])
        found.add((n, b, sex, f, m))
    return found


def check(
    registry: Registry,
    *,
    today: dt.date | None = None,
    progress: Callable[[int], None] | None = None,
    records: Counter[str] | None = None,
) -> Iterator[Finding]:
    """Every finding of the registry's rules, chunk by chunk; ``records`` counts the
    records per province as they pass (the commune each names, or for a registry that
    names none, such as insurance, the commune its person lives in)."""
    ctx = _Context(registry, today or timezone.localdate())
    unit_field = _UNIT.get(ctx.code)
    wanted_twins = _duplicate_keys(registry) if ctx.code == "population" else set()
    twins: dict[_Twin, list[tuple[str, str]]] = defaultdict(list)
    for chunk in record_chunks(registry, "key", "subject", "data", size=CHUNK, progress=progress):
        if unit_field:
            homes = {k: ctx.province(d.get(unit_field)) for _i, k, _s, d in chunk}
        else:
            homes = ctx.homes([s for _i, _k, s, _d in chunk])
            homes = {k: homes.get(s, "") for _i, k, s, _d in chunk}
        if records is not None:
            records.update(homes.values())
        parents: dict[str, str] = {}
        if ctx.code == "population":
            inside = {k: str(d.get("birth_date") or "") for _i, k, _s, d in chunk}
            wanted = {
                str(d.get(p))
                for _i, _k, _s, d in chunk
                for p in ("father_pin", "mother_pin")
                if d.get(p)
            }
            parents = {**inside, **ctx.births(wanted - set(inside))}
        for _i, key, subject, data in chunk:
            yield from _record_findings(ctx, key, subject, data, homes.get(key, ""), parents)
            if wanted_twins and (twin := _twin(data)) in wanted_twins:
                twins[twin].append((key, homes.get(key, "")))
    for members in twins.values():
        if len(members) < 2:
            continue
        for key, province in members:
            others = ", ".join(k for k, _p in members if k != key)
            yield Finding("duplicate_person", key, province, others[:300])


def run(run_id: int, *, progress: Callable[[int], None] | None = None) -> QualityRun:
    """Carry out a pending run: findings and counts, progress as it goes (on the run's
    row for the page, and to ``progress`` for a console)."""
    job = QualityRun.objects.select_related("registry").get(pk=run_id)
    registry = job.registry
    total = Record.objects.filter(registry=registry).count()
    QualityRun.objects.filter(pk=job.pk).update(status=QualityRun.Status.RUNNING, total=total)

    def step(done: int) -> None:
        QualityRun.objects.filter(pk=job.pk).update(processed=done)
        if progress is not None:
            progress(done)

    counts: dict[str, Counter[str]] = defaultdict(Counter)
    records: Counter[str] = Counter()
    batch: list[QualityFinding] = []
    try:
        for f in check(registry, progress=step, records=records):
            counts[f.rule][f.province] += 1
            batch.append(
                QualityFinding(
                    run=job, rule=f.rule, key=f.key, province=f.province, detail=f.detail[:300]
                )
            )
            if len(batch) >= 2_000:
                QualityFinding.objects.bulk_create(batch)
                batch = []
        QualityFinding.objects.bulk_create(batch)
        job.results = {
            "records": dict(records),
            "counts": {rule: dict(c) for rule, c in counts.items()},
        }
        job.status = QualityRun.Status.DONE
    except Exception as exc:  # the run says it failed (the page shows why), keeps nothing
        QualityFinding.objects.filter(run=job).delete()
        job.status = QualityRun.Status.FAILED
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
    job.processed = total if job.status == QualityRun.Status.DONE else job.processed
    job.total = total
    job.finished_at = timezone.now()
    job.save(update_fields=["results", "status", "error", "processed", "total", "finished_at"])
    return job
