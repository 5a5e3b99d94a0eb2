"""Where a registry's records are read: the built-in tables, or another instance's API.

The gateway asks an adapter for the records a data service answers with, whole; it
minimises and logs them itself, so every adapter is held to the same rules. An adapter
that cannot reach its registry raises :class:`RegistryUnavailable`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Q

from lienthong.registries.constants import Adapter
from lienthong.registries.fastpath import record_by_key, records_by_keys
from lienthong.registries.models import Record, RecordVersion

if TYPE_CHECKING:
    from lienthong.registries.datasets import Service
    from lienthong.registries.models import Registry

__all__ = [
    "BuiltinAdapter",
    "Found",
    "Query",
    "RegistryAdapter",
    "RegistryUnavailable",
    "Reply",
    "adapter_for",
]


class RegistryUnavailable(Exception):
    """The registry did not answer (timeout, refused connection, open circuit)."""


@dataclass(frozen=True, slots=True)
class Found:
    """One record as the registry holds it (every field)."""

    key: str
    subject: str
    version: int
    valid_from: dt.datetime
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Query:
    """Why a read is made (a remote registry logs it too) and what an identity check
    compares."""

    purpose: str
    dossier: str = ""
    on_behalf_of: str = ""
    facts: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    found: list[Found]
    #: An identity check answered by the registry itself (a remote one returns no data).
    match: bool | None = None
    #: The fields the registry let out (a remote one minimises to its own grant first);
    #: None: every field of the records.
    fields: tuple[str, ...] | None = None


class RegistryAdapter(Protocol):
    #: Reads leave the platform (the gateway reads before its logging transaction, so
    #: no transaction waits on the network); the built-in tables are read inside it.
    over_network: bool

    def answer(self, registry: Registry, service: Service, value: str, query: Query) -> Reply:
        """The records ``service`` answers with for the looked-up ``value``."""

    def record(self, registry: Registry, key: str) -> Found | None:
        """One record by its key."""


def _found(r: Record) -> Found:
    return Found(r.key, r.subject, r.version, r.valid_from, r.data)


_COLUMNS = ("key", "subject", "version", "valid_from", "data", "group")


class BuiltinAdapter:
    """Records in this platform's tables (the default)."""

    over_network = False

    def answer(self, registry: Registry, service: Service, value: str, query: Query) -> Reply:
        return Reply(self._found(registry, service, value))

    def answer_many(
        self, registry: Registry, service: Service, values: list[str]
    ) -> dict[str, Reply]:
        """:meth:`answer` for each of ``values``; records by key in one statement."""
        if not service.by_key or service.household:
            return {v: Reply(self._found(registry, service, v)) for v in values}
        rows = records_by_keys(registry.pk, values)
        return {v: Reply([Found(*rows[v][:5])] if v in rows else []) for v in values}

    def _found(self, registry: Registry, service: Service, value: str) -> list[Found]:
        if service.by_key:
            first = record_by_key(registry.pk, value)
            if first is None:
                return []
            key, subject, version, valid_from, data, group = first
            if service.household and group:
                members = (
                    Record.objects.filter(registry=registry, group=group)
                    .only(*_COLUMNS)
                    .order_by("key")
                )
                return [_found(r) for r in members]
            return [Found(key, subject, version, valid_from, data)]
        # Records about a person kept under another key (insurance code, register
        # reference): the person is their subject or a party to them (a spouse).
        found = (
            Record.objects.filter(registry=registry)
            .filter(Q(subject=value) | Q(parties__pin=value))
            .only(*_COLUMNS)
            .distinct()
            .order_by("key")
        )
        return [_found(r) for r in found]

    def record(self, registry: Registry, key: str) -> Found | None:
        r = Record.objects.filter(registry=registry, key=key).only(*_COLUMNS).first()
        return None if r is None else _found(r)

    def history(self, registry: Registry, key: str) -> list[Found]:
        """Every version of a record, newest first (the current one included)."""
        current = self.record(registry, key)
        if current is None:
            return []
        older = RecordVersion.objects.filter(record__registry=registry, record__key=key).order_by(
            "-version"
        )
        return [
            current,
            *(Found(key, current.subject, v.version, v.valid_from, v.data) for v in older),
        ]


_BUILTIN = BuiltinAdapter()


def adapter_for(registry: Registry) -> RegistryAdapter:
    """The adapter of ``registry``: the built-in tables, or another instance's API
    (``lienthong.registries.remote``).

    Never raises: a registry whose adapter cannot be set up (``http`` without its URL or
    credentials, an unknown kind) gets one whose reads raise :class:`RegistryUnavailable`
    with the reason, so the gateway logs them as ``unavailable`` like any outage.
    """
    if registry.adapter == Adapter.BUILTIN:
        return _BUILTIN
    # Imported here: the remote adapter builds on this module's types.
    from lienthong.registries import remote

    if registry.adapter == Adapter.HTTP:
        return remote.adapter_for_http(registry)
    return remote.Unconfigured(f"registry {registry.code!r}: unknown adapter {registry.adapter!r}")
