"""The data-sharing gateway: every read of registry data goes through :func:`consult`
or :func:`read_record`.

A read is, in order: the caller's agency and the data service are known; an active
grant of the registry's owner lets that agency (or that system) use the service; the
rate of the grant is not exceeded; the registry answers; only the fields both the
service and the grant name leave; and an access-log row per person whose data leaves
is written **in the transaction that reads the records, before they are returned**.
A refused read is logged too, and raises an alert to the registry's owner.

The registry's owner reads its own registry without a grant (its own staff and
systems), logged the same way. Nothing here is called on behalf of the data subject
looking at their own data ("Dữ liệu của tôi" reads through ``selectors``).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lienthong.accounts.constants import Perm
from lienthong.accounts.permissions import can
from lienthong.core import fastsql, memo, throttle
from lienthong.core.errors import (
    DomainError,
    InvalidInput,
    InvalidParam,
    NotFound,
    PermissionDenied,
)
from lienthong.core.identifiers import IdentifierError, normalize_pin, normalize_tax_code
from lienthong.registries import records
from lienthong.registries.adapters import (
    BuiltinAdapter,
    Found,
    Query,
    RegistryUnavailable,
    Reply,
    adapter_for,
)
from lienthong.registries.constants import AlertKind, Outcome, Source
from lienthong.registries.datasets import (
    DATASETS,
    RECORD,
    SERVICES,
    WRITE_SERVICES,
    Service,
    WriteService,
    dataset,
)
from lienthong.registries.models import (
    AccessGrant,
    AccessLog,
    Alert,
    Record,
    RecordParty,
    Registry,
)

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency

__all__ = [
    "BATCH_MAX",
    "Answer",
    "Batch",
    "Caller",
    "Item",
    "RegistryUnavailableError",
    "WritePermit",
    "Written",
    "active_grants",
    "authorise_write",
    "consult",
    "consult_batch",
    "get_registry",
    "log_owner_view",
    "read_record",
    "service_label",
    "write",
]


class RegistryUnavailableError(DomainError):
    """The registry did not answer: the dossier goes on with the paper copy."""

    code = "registry-unavailable"
    status = 503
    title = gettext_lazy("Cơ sở dữ liệu tạm thời không kết nối được")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who reads: an agency, through one of its officials or one of its systems."""

    agency: Agency
    user: User | None = None
    client_id: str = ""
    ip: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    request: uuid.UUID
    registry: str
    service: str
    #: The fields that left (the service's, minimised to the grant's).
    fields: tuple[str, ...]
    records: list[dict[str, Any]] = field(default_factory=list)
    #: For an identity check: whether the declared facts match the record.
    match: bool | None = None
    #: Each record's key, subject, version and start of validity (same order).
    meta: list[Found] = field(default_factory=list)


#: The read's own fields in the log.
_PURPOSE_MAX: Final = 500
_DOSSIER_MAX: Final = 40


class _Refused(Exception):
    def __init__(self, reason: str, error: DomainError) -> None:
        self.reason = reason
        self.error = error


@memo.memoize(key=lambda code: code)
def get_registry(code: str) -> Registry:
    """The registry with its owner (remembered per process: read-only here)."""
    registry = Registry.objects.select_related("owner").filter(code=code).first()
    if registry is None or code not in DATASETS:
        raise NotFound(_("Không có cơ sở dữ liệu «%(code)s».") % {"code": code})
    return registry


#: How long a process trusts the grants it read before reading them again. A grant
#: revoked or changed in this process stops or changes at once (the memos are emptied);
#: in another server process within this time, as a revoked API token does.
GRANT_MEMO_SECONDS = 10


@memo.memoize(
    key=lambda registry_id, consumer_id, client_id: (registry_id, consumer_id, client_id),
    ttl=GRANT_MEMO_SECONDS,
)
def _grants(registry_id: int, consumer_id: int, client_id: str) -> tuple[AccessGrant, ...]:
    """The unrevoked grants of a registry to an agency (all its systems, or this one)."""
    return tuple(
        AccessGrant.objects.filter(
            Q(client_id="") | Q(client_id=client_id),
            registry_id=registry_id,
            consumer_id=consumer_id,
            revoked_at__isnull=True,
        ).order_by("id")
    )


def _clean_request(purpose: str, dossier: str, on_behalf_of: str) -> tuple[str, str, str]:
    params = []
    purpose = " ".join((purpose or "").split())
    if len(purpose) < 3:
        params.append(InvalidParam("purpose", "required", _("Hãy ghi mục đích khai thác dữ liệu.")))
    elif len(purpose) > _PURPOSE_MAX:
        params.append(
            InvalidParam("purpose", "too_long", _("Mục đích quá dài (tối đa 500 ký tự)."))
        )
    dossier = (dossier or "").strip()
    if len(dossier) > _DOSSIER_MAX:
        params.append(InvalidParam("dossier", "too_long", _("Mã hồ sơ quá dài.")))
    if on_behalf_of:
        try:
            on_behalf_of = normalize_pin(on_behalf_of)
        except IdentifierError as exc:
            params.append(InvalidParam("on_behalf_of", exc.code, str(exc.message)))
    if params:
        raise InvalidInput(invalid_params=params)
    return purpose, dossier, on_behalf_of


def _clean_value(service: Service, value: str) -> str:
    try:
        if service.lookup == "pin":
            return normalize_pin(value)
        if service.lookup == "tax_code":
            return normalize_tax_code(value)
    except IdentifierError as exc:
        raise InvalidInput(
            invalid_params=[InvalidParam(service.lookup, exc.code, str(exc.message))]
        ) from exc
    value = (value or "").strip()
    if not value or len(value) > 40:
        raise InvalidInput(
            invalid_params=[InvalidParam("key", "invalid", _("Mã bản ghi không hợp lệ."))]
        )
    return value


def active_grants(
    registry: Registry, caller: Caller, service: str, today: dt.date | None = None
) -> list[AccessGrant]:
    """The grants that let ``caller`` use ``service`` of ``registry`` today."""
    today = today or timezone.localdate()
    return [
        g
        for g in _grants(registry.pk, caller.agency.pk, caller.client_id)
        if service in g.services
        and g.valid_from <= today
        and (g.valid_to is None or g.valid_to >= today)
    ]


def _is_owner(registry: Registry, caller: Caller) -> bool:
    if caller.agency.pk != registry.owner_id:
        return False
    return caller.user is None or can(caller.user, Perm.REGISTRY_PUBLISH, agency=caller.agency)


def _may_read_for(caller: Caller) -> bool:
    """An official reads for an agency where they hold ``registry.read`` (a system for
    its own agency, checked when its token was issued)."""
    if caller.user is None:
        return True
    return can(caller.user, Perm.REGISTRY_READ, agency=caller.agency) or can(
        caller.user, Perm.REGISTRY_PUBLISH, agency=caller.agency
    )


_RATE: Final = 60  # seconds


def _authorise(
    registry: Registry, caller: Caller, service: str, lookups: int = 1
) -> tuple[AccessGrant | None, frozenset[str]]:
    """The grant the read is made under and the fields it lets leave (the owner's own
    reads: no grant, every field); ``lookups`` count against the grant's rate. Raises
    :class:`_Refused`."""
    every = dataset(registry.code).names
    if _is_owner(registry, caller):
        return None, every
    if not _may_read_for(caller):
        raise _Refused(
            "no-role",
            PermissionDenied(
                _("Tài khoản không có quyền khai thác dữ liệu cho cơ quan đã chọn."),
                code="no-role",
            ),
        )
    grants = active_grants(registry, caller, service)
    if not grants:
        raise _Refused(
            "no-grant",
            PermissionDenied(
                _(
                    "Cơ quan %(agency)s chưa được %(owner)s cấp quyền khai thác dịch vụ "
                    "này của %(registry)s (hoặc quyền đã hết hạn, đã bị thu hồi). Lượt truy "
                    "cập đã được ghi nhật ký và báo cho cơ quan chủ quản."
                )
                % {
                    "agency": caller.agency.name,
                    "owner": registry.owner.name,
                    "registry": registry.name,
                },
                code="no-grant",
            ),
        )
    grant = grants[0]
    limit = throttle.Limit("registry-grant", grant.per_minute, _RATE)
    if throttle.hit(limit, str(grant.pk), amount=lookups) > grant.per_minute:
        from lienthong.core.errors import TooManyAttempts

        raise _Refused(
            "rate-limit",
            TooManyAttempts(
                _("Cơ quan đã dùng hết hạn mức %(n)d lượt mỗi phút của quyền khai thác này.")
                % {"n": grant.per_minute},
                retry_after=limit.retry_after(),
            ),
        )
    allowed: set[str] = set()
    for g in grants:
        allowed.update(g.fields)
    return grant, frozenset(allowed & every)


@dataclass(frozen=True, slots=True)
class _Read:
    registry: Registry
    service: str
    caller: Caller
    purpose: str
    dossier: str
    on_behalf_of: str
    request: uuid.UUID = field(default_factory=uuid.uuid4)

    def row(
        self,
        outcome: str,
        *,
        subject: str = "",
        key: str = "",
        fields: tuple[str, ...] = (),
        grant: AccessGrant | None = None,
        reason: str = "",
        at: dt.datetime | None = None,
    ) -> AccessLog:
        return AccessLog(
            at=at or timezone.now(),
            request=self.request,
            registry=self.registry,
            service=self.service,
            record_key=key,
            subject=subject,
            fields=list(fields),
            purpose=self.purpose,
            dossier=self.dossier,
            on_behalf_of=self.on_behalf_of,
            outcome=outcome,
            reason=reason,
            consumer=self.caller.agency,
            grant=grant,
            user=self.caller.user,
            client_id=self.caller.client_id,
            ip=self.caller.ip,
        )


#: Registries whose record key is the number of the person or business it is about.
_KEY_IS_SUBJECT: Final = {"population": True, "enterprises": True}

_ALERT_KIND: Final[dict[str, str]] = {
    "no-grant": AlertKind.REFUSED_READ,
    "no-fields": AlertKind.REFUSED_READ,
    "no-role": AlertKind.REFUSED_READ,
    "rate-limit": AlertKind.RATE_LIMIT,
}


_REASONS: Final = {
    "no-grant": gettext_lazy("chưa được cấp quyền, quyền đã hết hạn hoặc đã bị thu hồi"),
    "no-fields": gettext_lazy(
        "quyền được cấp không gồm trường dữ liệu nào của dịch vụ (xác thực thông tin cần "
        "họ tên và ngày sinh)"
    ),
    "no-role": gettext_lazy("tài khoản không có vai trò khai thác dữ liệu tại cơ quan"),
    "rate-limit": gettext_lazy("vượt hạn mức số lượt truy cập mỗi phút"),
}


def _refuse(read: _Read, targets: list[tuple[str, str]], refused: _Refused) -> DomainError:
    """Log the refusal (a row per person or record asked about: ``targets`` are
    (subject, key) pairs) and tell the owner (committed: the caller gets an error). The
    owner's alert counts refused calls."""
    with transaction.atomic():
        # Refusals of one registry one at a time: two at once would open two alerts.
        list(Registry.objects.select_for_update().filter(pk=read.registry.pk).values_list("pk"))
        now = timezone.now()
        rows = [
            read.row(Outcome.REFUSED, subject=subject, key=key, reason=refused.reason, at=now)
            for subject, key in targets
        ]
        fastsql.insert(rows, returning_pk=True)
        log = rows[-1]
        kind = _ALERT_KIND[refused.reason]
        who = read.caller.user.get_full_name() if read.caller.user else read.caller.client_id
        open_alert = Alert.objects.filter(
            registry=read.registry, consumer=read.caller.agency, kind=kind, closed_at__isnull=True
        )
        if not open_alert.update(count=F("count") + 1, last_at=log.at, access=log):
            Alert.objects.create(
                registry=read.registry,
                kind=kind,
                access=log,
                consumer=read.caller.agency,
                last_at=log.at,
                message=_("%(agency)s (%(who)s) gọi dịch vụ «%(service)s»: %(reason)s.")
                % {
                    "agency": read.caller.agency.name,
                    "who": who or "—",
                    "service": service_label(read.service),
                    "reason": _REASONS[refused.reason],
                },
            )
    return refused.error


def _subjects(
    found: Found, data: dict[str, Any], pin_fields: tuple[str, ...], also: tuple[str, ...]
) -> list[str]:
    """Whose data leaves with one record: its subject, every person a returned
    identification-number field names, and ``also`` (the person looked up, the parties
    the record names: a spouse, a parent, a representative, even by name only)."""
    people = [found.subject]
    for person in also:
        if person and person not in people:
            people.append(person)
    for name in pin_fields:
        value = data.get(name)
        if isinstance(value, str) and value and value not in people:
            people.append(value)
    return people


def _log_rows(
    read: _Read,
    grant: AccessGrant | None,
    fields: tuple[str, ...],
    found: list[Found],
    shown: list[dict[str, Any]],
    looked_up: str,
) -> list[AccessLog]:
    pin_fields = tuple(f for f in dataset(read.registry.code).pin_fields if f in fields)
    # Records found by the person they concern rather than by key (a marriage, a
    # child's birth): the person looked up and the parties they name are read too.
    parties: dict[str, list[str]] = {}
    if looked_up:
        for key, pin in RecordParty.objects.filter(
            record__registry=read.registry, record__key__in=[f.key for f in found]
        ).values_list("record__key", "pin"):
            parties.setdefault(key, []).append(pin)
    now = timezone.now()
    return [
        read.row(Outcome.ALLOWED, subject=person, key=f.key, fields=fields, grant=grant, at=now)
        for f, data in zip(found, shown, strict=True)
        for person in _subjects(
            f, data, pin_fields, (looked_up, *parties.get(f.key, ())) if looked_up else ()
        )
    ]


def _meta(found: Found, shown: dict[str, Any], service: Service, value: str) -> Found:
    """A record's key and subject as the answer may show them: only what the caller gave
    or the grant lets out (an insurance code, a spouse's number stay in the registry
    when their fields are not granted)."""
    out = {str(v) for v in shown.values() if v not in (None, "")} | {value}
    key = found.key if service.by_key or found.key in out else ""
    subject = found.subject if found.subject in out else ""
    return Found(key, subject, found.version, found.valid_from, {})


def matches(record: dict[str, Any], facts: dict[str, str]) -> bool:
    """Whether declared facts match a population record (name written any way, same
    birth date, a living person)."""
    return (
        _same_name(record.get("full_name"), facts.get("full_name"))
        and str(record.get("birth_date", "")) == str(facts.get("birth_date", ""))
        and record.get("status") != "dead"
    )


def _same_name(a: object, b: object) -> bool:
    def norm(v: object) -> str:
        return " ".join(unicodedata.normalize("NFC", str(v or "")).casefold().split())

    return norm(a) == norm(b)


def consult(
    caller: Caller,
    service_code: str,
    value: str,
    *,
    purpose: str,
    dossier: str = "",
    on_behalf_of: str = "",
    facts: dict[str, str] | None = None,
) -> Answer:
    """Ask a data service about one person or business (``value``: their PIN or tax
    code). ``facts`` are what an identity check compares (``full_name``, ``birth_date``).

    Raises:
        NotFound: no such service.
        InvalidInput: a malformed number, no purpose.
        PermissionDenied: ``no-grant`` / ``no-role`` (logged, the owner alerted).
        TooManyAttempts: the grant's rate is used up (logged).
        RegistryUnavailableError: the registry did not answer (logged).
    """
    service = SERVICES.get(service_code)
    if service is None:
        raise NotFound(_("Không có dịch vụ dữ liệu «%(code)s».") % {"code": service_code})
    registry = get_registry(service.registry)
    return _serve(registry, service, value, caller, purpose, dossier, on_behalf_of, facts)


def read_record(
    caller: Caller,
    registry_code: str,
    key: str,
    *,
    purpose: str,
    dossier: str = "",
    on_behalf_of: str = "",
) -> Answer:
    """One record by its key: every field of the registry's schema, minimised to the
    grant of the service ``record``."""
    registry = get_registry(registry_code)
    service = Service(
        RECORD,
        registry.code,
        gettext_lazy("Bản ghi"),
        gettext_lazy("Một bản ghi theo mã."),
        "key",
        tuple(f.name for f in dataset(registry.code).fields),
        by_key=True,
    )
    return _serve(registry, service, key, caller, purpose, dossier, on_behalf_of, None)


def _subject_and_key(registry: Registry, service: Service, value: str) -> tuple[str, str]:
    """Whose data is asked for: the number looked up; for a record read, its key where
    the key is a person's or a business's number (population, enterprises)."""
    subject = value if service.lookup != "key" or _KEY_IS_SUBJECT.get(registry.code) else ""
    return subject, value if service.lookup == "key" else ""


def _fields(
    read: _Read, service: Service, allowed: frozenset[str], targets: list[tuple[str, str]]
) -> tuple[str, ...]:
    """The service's fields the grant lets leave; none: refused (logged, raised)."""
    fields = tuple(f for f in service.fields if f in allowed)
    if service.verify and not {"full_name", "birth_date"} <= set(fields):
        fields = ()  # an identity check compares what the grant lets be compared, or nothing
    if not fields:
        empty = _Refused(
            "no-fields",
            PermissionDenied(
                _("Quyền khai thác của cơ quan không gồm trường dữ liệu nào của dịch vụ này."),
                code="no-grant",
            ),
        )
        raise _refuse(read, targets, empty)
    return fields


def _deliver(
    read: _Read,
    service: Service,
    grant: AccessGrant | None,
    fields: tuple[str, ...],
    value: str,
    reply: Reply,
    facts: dict[str, str] | None,
) -> tuple[Answer, list[AccessLog]]:
    """The answer to one looked-up value and the log rows that must be written before
    it is returned."""
    subject, _key = _subject_and_key(read.registry, service, value)
    code = read.registry.code
    found = reply.found
    if reply.fields is not None:  # the remote minimised first: only what came
        fields = tuple(f for f in fields if f in reply.fields)
    if not found:
        row = read.row(
            Outcome.NOT_FOUND,
            subject=subject,
            key=value if not subject else "",
            fields=fields,
            grant=grant,
        )
        verdict = None if not service.verify else False
        return Answer(read.request, code, service.code, fields, [], verdict), [row]
    if service.verify:
        match = reply.match
        if match is None:
            match = matches(found[0].data, facts or {})
        rows = _log_rows(read, grant, fields, found[:1], [{}], "")
        return Answer(read.request, code, service.code, fields, [], match), rows
    shown = [{f: r.data.get(f) for f in fields} for r in found]
    rows = _log_rows(read, grant, fields, found, shown, "" if service.by_key else subject)
    meta = [_meta(f, data, service, value) for f, data in zip(found, shown, strict=True)]
    return Answer(read.request, code, service.code, fields, shown, None, meta), rows


def _log_targets(
    read: _Read,
    outcome: str,
    targets: list[tuple[str, str]],
    grant: AccessGrant | None,
    reason: str,
    fields: tuple[str, ...] = (),
) -> None:
    """A log row per (subject, key) a failed read was about."""
    now = timezone.now()
    fastsql.insert(
        [
            read.row(
                outcome,
                subject=subject,
                key=key,
                fields=fields,
                grant=grant,
                reason=reason,
                at=now,
            )
            for subject, key in targets
        ]
    )


def _unavailable(
    read: _Read,
    targets: list[tuple[str, str]],
    fields: tuple[str, ...],
    grant: AccessGrant | None,
) -> RegistryUnavailableError:
    _log_targets(read, Outcome.UNAVAILABLE, targets, grant, "unavailable", fields)
    return RegistryUnavailableError(
        _(
            "%(registry)s không phản hồi. Hãy tiếp nhận hồ sơ theo bản giấy (bản sao, "
            "bản chụp giấy tờ) và đối chiếu lại khi kết nối được khôi phục."
        )
        % {"registry": read.registry.name}
    )


def _remote_refused(read: _Read, targets: list[tuple[str, str]], grant: AccessGrant | None) -> None:
    """The remote registry refused (its own grant) or found the request malformed:
    logged here too, the person sees the attempt; the owner is the remote's."""
    _log_targets(read, Outcome.REFUSED, targets, grant, "remote-refused")


def _serve(
    registry: Registry,
    service: Service,
    value: str,
    caller: Caller,
    purpose: str,
    dossier: str,
    on_behalf_of: str,
    facts: dict[str, str] | None,
) -> Answer:
    value = _clean_value(service, value)
    purpose, dossier, on_behalf_of = _clean_request(purpose, dossier, on_behalf_of)
    read = _Read(registry, service.code, caller, purpose, dossier, on_behalf_of)
    targets = [_subject_and_key(registry, service, value)]
    try:
        grant, allowed = _authorise(registry, caller, service.code)
    except _Refused as refused:
        raise _refuse(read, targets, refused) from None
    fields = _fields(read, service, allowed, targets)
    adapter = adapter_for(registry)
    query = Query(purpose, dossier, on_behalf_of, facts)
    try:
        # A remote registry is asked before the logging transaction (no transaction
        # waits on the network); the built-in tables are read inside it. Either way the
        # rows are written before anything is returned.
        early = adapter.answer(registry, service, value, query) if adapter.over_network else None
        with transaction.atomic():
            reply = early or adapter.answer(registry, service, value, query)
            answer, rows = _deliver(read, service, grant, fields, value, reply, facts)
            fastsql.insert(rows)
    except RegistryUnavailable as exc:
        raise _unavailable(read, targets, fields, grant) from exc
    except (PermissionDenied, InvalidInput) as exc:
        _remote_refused(read, targets, grant)
        raise exc from None
    return answer


#: The owner's own pages that show whose records they list (keys, names, addresses):
#: each person shown is logged as read, under these names, for the tracker.
OWNER_VIEWS: Final = {
    "quality": gettext_lazy("Kiểm tra chất lượng dữ liệu"),
    "addresses": gettext_lazy("Chuẩn hóa địa chỉ theo đơn vị hành chính mới"),
}


def service_label(code: str) -> str:
    """What a logged read was, as the tracker names it."""
    if code in SERVICES:
        return str(SERVICES[code].name)
    if code in OWNER_VIEWS:
        return str(OWNER_VIEWS[code])
    if code in WRITE_SERVICES:
        return str(WRITE_SERVICES[code].name)
    return str(_("Đọc bản ghi theo mã")) if code == RECORD else code


def log_owner_view(
    registry: Registry, caller: Caller, view: str, shown: list[tuple[str, str]]
) -> None:
    """Log that the owner's official saw the records ``shown`` ((subject, key) pairs:
    a quality report's examples or export, the addresses waiting for a choice), before
    the page or file is returned. The owner's staff work on their own registry; the
    people concerned still see who looked."""
    if view not in OWNER_VIEWS:
        raise ValueError(view)
    read = _Read(registry, view, caller, str(OWNER_VIEWS[view]), "", "")
    now = timezone.now()
    rows = [
        read.row(Outcome.ALLOWED, subject=subject, key=key, at=now)
        for subject, key in dict.fromkeys(shown)
        if subject or key
    ]
    with transaction.atomic():
        for start in range(0, len(rows), 1000):
            fastsql.insert(rows[start : start + 1000])


#: The most persons or businesses one batch call may ask about.
BATCH_MAX: Final = 100


@dataclass(frozen=True, slots=True)
class Item:
    """One looked-up value of a batch: its answer, or why it was not looked up."""

    id: str
    answer: Answer | None = None
    error: DomainError | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    request: uuid.UUID
    registry: str
    service: str
    items: list[Item]


def consult_batch(
    caller: Caller,
    service_code: str,
    values: list[str],
    *,
    purpose: str,
    dossier: str = "",
    on_behalf_of: str = "",
) -> Batch:
    """Ask a data service about up to :data:`BATCH_MAX` persons or businesses at once
    (a commune checking its list of beneficiaries, a school its pupils): one grant
    check, one transaction, the same log rows as that many single calls, written before
    the answer. A malformed number is reported on its item and the rest are answered; a
    number given twice is read and logged once. Each lookup counts against the grant's
    rate. Not offered for identity checks (they compare facts per person).

    Raises what :func:`consult` raises for the call as a whole (no grant, no purpose,
    the rate used up, the registry unavailable), and :class:`InvalidInput` for an empty
    or too long list.
    """
    service = SERVICES.get(service_code)
    if service is None:
        raise NotFound(_("Không có dịch vụ dữ liệu «%(code)s».") % {"code": service_code})
    if service.verify:
        raise InvalidInput(
            invalid_params=[
                InvalidParam(
                    "ids",
                    "batch-not-offered",
                    _("Dịch vụ xác thực thông tin được gọi cho từng người một."),
                )
            ]
        )
    if not values:
        raise InvalidInput(
            invalid_params=[InvalidParam("ids", "required", _("Hãy nhập ít nhất một số."))]
        )
    if len(values) > BATCH_MAX:
        raise InvalidInput(
            invalid_params=[
                InvalidParam(
                    "ids",
                    "too_many",
                    _("Mỗi lượt tra cứu tối đa %(n)d số.") % {"n": BATCH_MAX},
                )
            ]
        )
    registry = get_registry(service.registry)
    purpose, dossier, on_behalf_of = _clean_request(purpose, dossier, on_behalf_of)
    read = _Read(registry, service.code, caller, purpose, dossier, on_behalf_of)
    cleaned: dict[int, str] = {}
    errors: dict[int, DomainError] = {}
    for i, raw in enumerate(values):
        try:
            cleaned[i] = _clean_value(service, raw)
        except InvalidInput as exc:
            errors[i] = exc
    unique = list(dict.fromkeys(cleaned.values()))
    answers: dict[str, Answer] = {}
    if unique:
        answers = _serve_many(read, service, unique)
    items = [
        Item(raw, answers[cleaned[i]]) if i in cleaned else Item(raw, error=errors[i])
        for i, raw in enumerate(values)
    ]
    return Batch(read.request, registry.code, service.code, items)


def _serve_many(read: _Read, service: Service, values: list[str]) -> dict[str, Answer]:
    registry = read.registry
    targets = [_subject_and_key(registry, service, v) for v in values]
    try:
        grant, allowed = _authorise(registry, read.caller, service.code, len(values))
    except _Refused as refused:
        raise _refuse(read, targets, refused) from None
    fields = _fields(read, service, allowed, targets)
    adapter = adapter_for(registry)
    query = Query(read.purpose, read.dossier, read.on_behalf_of, None)
    answers: dict[str, Answer] = {}
    try:
        early = (
            {v: adapter.answer(registry, service, v, query) for v in values}
            if adapter.over_network
            else None
        )
        with transaction.atomic():
            if early is not None:
                replies = early
            elif isinstance(adapter, BuiltinAdapter):
                replies = adapter.answer_many(registry, service, values)
            else:
                replies = {v: adapter.answer(registry, service, v, query) for v in values}
            rows: list[AccessLog] = []
            for value in values:
                answers[value], more = _deliver(
                    read, service, grant, fields, value, replies[value], None
                )
                rows.extend(more)
            fastsql.insert(rows)
    except RegistryUnavailable as exc:
        raise _unavailable(read, targets, fields, grant) from exc
    except (PermissionDenied, InvalidInput) as exc:
        _remote_refused(read, targets, grant)
        raise exc from None
    return answers


# --------------------------------------------------------------------------- writes


@dataclass(frozen=True, slots=True)
class WritePermit:
    """A write the caller may make (checked before the transaction that makes it)."""

    read: _Read
    service: WriteService
    grant: AccessGrant | None
    fields: frozenset[str]


@dataclass(frozen=True, slots=True)
class Written:
    request: uuid.UUID
    registry: str
    registry_name: str
    key: str
    subject: str
    version: int


def authorise_write(
    caller: Caller,
    service_code: str,
    *,
    purpose: str,
    dossier: str = "",
    on_behalf_of: str = "",
    subject: str = "",
) -> WritePermit:
    """Check that ``caller`` may use the write service, as a read is checked: the owner
    writes its registry; another agency needs a grant of the owner naming the service.
    Call it before the transaction that writes: a refusal is logged (``subject`` is
    whom the write was about), alerted to the owner and raised."""
    service = WRITE_SERVICES.get(service_code)
    if service is None:
        raise NotFound(_("Không có dịch vụ ghi dữ liệu «%(code)s».") % {"code": service_code})
    registry = get_registry(service.registry)
    purpose, dossier, on_behalf_of = _clean_request(purpose, dossier, on_behalf_of)
    read = _Read(registry, service.code, caller, purpose, dossier, on_behalf_of)
    try:
        grant, allowed = _authorise(registry, caller, service.code)
    except _Refused as refused:
        raise _refuse(read, [(subject, "")], refused) from None
    return WritePermit(read, service, grant, frozenset(f for f in service.fields if f in allowed))


def write(
    permit: WritePermit,
    values: dict[str, Any],
    *,
    key: str = "",
    subject: str = "",
    issue: dict[str, Any] | None = None,
    about: str = "",
) -> Written:
    """Make a permitted write in the caller's transaction (committed with it, or not at
    all): a new record (its key issued by the registry when the service says so:
    ``issue`` gives what the number is made of), or a new version of the record
    ``key``. Only the permitted fields are written; a log row tells each person the
    record is about what was written, for which dossier."""
    service, read = permit.service, permit.read
    registry = read.registry
    refused = sorted(set(values) - permit.fields)
    if refused:
        raise PermissionDenied(
            _("Quyền ghi dữ liệu không gồm các trường: %(f)s.") % {"f": ", ".join(refused)},
            code="no-grant",
        )
    if adapter_for(registry).over_network:
        raise RegistryUnavailableError(
            _(
                "%(registry)s ở hệ thống khác: chưa ghi được dữ liệu qua kết nối; hãy cập "
                "nhật trên hệ thống đó."
            )
            % {"registry": registry.name}
        )
    actor = read.caller.user
    with transaction.atomic():
        if service.kind == "create":
            issue = issue or {}
            if service.issues == "pin":
                key = records.issue_pin(
                    registry,
                    born=dt.date.fromisoformat(str(values.get("birth_date"))),
                    sex=str(values.get("sex", "")),
                    province=str(issue.get("province", "")),
                )
                values = {**values, "pin": key}
                subject = key
            elif service.issues == "insurance_code":
                key = records.issue_insurance_code(
                    registry, province=str(issue.get("province", ""))
                )
                values = {**values, "insurance_code": key}
            if not key:
                raise InvalidInput(_("Thiếu mã bản ghi."), code="no-key")
            record = records.create_record(
                registry,
                key,
                subject or str(values.get("pin", "")),
                values,
                actor=actor,
                reason=read.purpose,
                group=str(issue.get("group", "")),
            )
        else:
            found = (
                Record.objects.select_for_update()
                .select_related("registry")
                .filter(registry=registry, key=key)
                .first()
            )
            if found is None:
                raise NotFound(
                    _("%(registry)s không có bản ghi %(key)s.")
                    % {"registry": registry.name, "key": key}
                )
            if about and found.subject != about:  # a record of someone else's
                raise InvalidInput(
                    _("Bản ghi %(key)s của %(registry)s không phải của người trong hồ sơ.")
                    % {"registry": registry.name, "key": key},
                    code="not-the-subject",
                )
            record = found
            head = str((issue or {}).get("household_of") or "")
            household = (
                Record.objects.filter(registry=registry, key=head)
                .values_list("group", flat=True)
                .first()
                if head
                else None
            )
            if household and "household" in permit.fields:  # into the head's household
                values = {**values, "household": household}
                record.group = household
                record.save(update_fields=["group"])
            records.new_version(record, values, actor, read.purpose, Source.REGISTRATION)
        people = [record.subject, *(p for p in _party_pins(values) if p != record.subject)]
        now = timezone.now()
        fastsql.insert(
            [
                read.row(
                    Outcome.WRITTEN,
                    subject=person,
                    key=record.key,
                    fields=tuple(sorted(values)),
                    grant=permit.grant,
                    at=now,
                )
                for person in dict.fromkeys(people)
                if person
            ]
        )
    return Written(
        read.request, registry.code, registry.name, record.key, record.subject, record.version
    )


def _party_pins(values: dict[str, Any]) -> list[str]:
    return [str(values[f]) for f in ("father_pin", "mother_pin", "spouse_pin") if values.get(f)]
