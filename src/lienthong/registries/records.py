"""Writing a registry's records: a new version of a record (the old one kept, with who
and why), a new record, and the identifiers a registry issues (a personal
identification number for a newborn, an insurance code). Every write is audited; the
caller holds the transaction (a write made for a dossier commits with its step)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING, Any, Final

from django.utils import timezone

from lienthong.core import audit
from lienthong.core.identifiers import PROVINCE_CODES
from lienthong.registries.constants import Source
from lienthong.registries.models import Record, RecordParty, RecordVersion, Registry

if TYPE_CHECKING:
    from lienthong.accounts.models import User

__all__ = ["create_record", "issue_insurance_code", "issue_pin", "new_version"]

_AUDIT: Final[dict[str, str]] = {
    Source.CORRECTION: "registry.record_corrected",
    Source.CONVERSION: "registry.record_converted",
    Source.REGISTRATION: "registry.record_written",
}

#: The fields of a record that name other people (its parties).
_PARTY_FIELDS: Final = {"father_pin": "father", "mother_pin": "mother", "spouse_pin": "spouse"}


def new_version(
    record: Record, changes: dict[str, Any], actor: User | None, reason: str, source: str
) -> None:
    """The record's current values become a past version; ``changes`` take effect now
    (in the caller's transaction, the record locked), with an audit entry."""
    before = {n: record.data.get(n) for n in changes}
    now = timezone.now()
    RecordVersion.objects.create(
        record=record,
        version=record.version,
        valid_from=record.valid_from,
        valid_to=now,
        schema_version=record.schema_version,
        data=record.data,
        source=record.source,
        replaced_by=actor,
        reason=reason,
    )
    record.data = {**record.data, **changes}
    record.version += 1
    record.valid_from = now
    record.source = source
    record.save(update_fields=["data", "version", "valid_from", "source"])
    audit.record(
        _AUDIT.get(source, "registry.record_written"),
        actor=actor if actor is not None else "system:worker",
        object_type="registry_record",
        object_id=f"{record.registry.code}:{record.key}",
        data={"before": before, "after": changes, "reason": reason, "version": record.version},
    )


def create_record(
    registry: Registry,
    key: str,
    subject: str,
    data: dict[str, Any],
    *,
    actor: User | None,
    reason: str,
    group: str = "",
) -> Record:
    """A new record (version 1) with the parties its data names, audited."""
    record = Record.objects.create(
        registry=registry,
        key=key,
        subject=subject,
        group=group,
        valid_from=timezone.now(),
        data=data,
        source=Source.REGISTRATION,
    )
    parties = [
        RecordParty(record=record, pin=str(data[f]), role=role)
        for f, role in _PARTY_FIELDS.items()
        if data.get(f) and data.get(f) != subject
    ]
    RecordParty.objects.bulk_create(parties)
    audit.record(
        "registry.record_created",
        actor=actor if actor is not None else "system:worker",
        object_type="registry_record",
        object_id=f"{registry.code}:{key}",
        data={"reason": reason, "fields": sorted(data)},
    )
    return record


def issue_pin(registry: Registry, *, born: dt.date, sex: str, province: str) -> str:
    """A personal identification number not yet held (Circular 59/2021/TT-BCA: the
    province of birth registration, sex and century, the year, six digits)."""
    code = f"0{province}" if f"0{province}" in PROVINCE_CODES else "001"
    century = 0 if born.year < 2000 else 2
    prefix = f"{code}{century + (1 if sex == 'female' else 0)}{born.year % 100:02d}"
    for _ in range(50):
        pin = f"{prefix}{secrets.randbelow(1_000_000):06d}"
        if not Record.objects.filter(registry=registry, key=pin).exists():
            return pin
    raise RuntimeError(f"no free personal identification number for {prefix}")


def issue_insurance_code(registry: Registry, *, province: str) -> str:
    """An insurance (social-insurance) code not yet held: the province code and eight
    digits."""
    for _ in range(50):
        code = f"{province[-2:]:0>2}{secrets.randbelow(100_000_000):08d}"
        if not Record.objects.filter(registry=registry, key=code).exists():
            return code
    raise RuntimeError("no free insurance code")
