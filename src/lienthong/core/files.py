"""Files stored with their row or not at all.

A file must be in storage before the row that names it commits, and a request can fail
or be killed between the two. So every write goes through a :class:`Staging`:

1. ``add`` records the name in ``PendingFile`` (committed at once when no transaction
   is open) and only then writes the file;
2. the transaction that inserts the rows naming the files calls ``settle`` (or deletes
   the pending rows in its own statement, see ``pending_names``): the commit makes the
   rows and forgets the pending names together;
3. when the block fails, ``discard`` removes each file no row names (a row that
   committed before the failure keeps its file).

A killed process leaves its pending rows; :func:`sweep` (every 10 minutes in the worker,
and ``lienthong files sweep``) removes them with their files once they are older than
the grace period. :func:`scan` walks the storage for files no row names (left by a
process killed inside a caller's transaction, whose pending row rolled back, or by
older releases) and reports them, removing them when asked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

from django.apps import apps
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from lienthong.core.models import PendingFile

logger = logging.getLogger(__name__)

__all__ = [
    "GRACE",
    "DamagedFile",
    "Orphans",
    "Staging",
    "open_verified",
    "scan",
    "staging",
    "sweep",
]

#: A pending file younger than this may still belong to a request in progress.
GRACE = dt.timedelta(hours=1)


@dataclass
class Staging:
    """The files one write stores; see the module's docstring."""

    storage: Storage = field(default_factory=lambda: default_storage)
    names: list[str] = field(default_factory=list)

    def add(self, name: str, content: File[Any] | bytes) -> str:
        """Store ``content`` as pending under ``name`` (or the free name the storage
        picks); return the stored name."""
        wanted = self.storage.get_available_name(name)
        PendingFile.objects.create(name=wanted)
        self.names.append(wanted)
        stored = self.storage.save(
            wanted, ContentFile(content) if isinstance(content, bytes) else content
        )
        if stored != wanted:  # taken meanwhile: the storage chose another name
            PendingFile.objects.create(name=stored)
            self.names.append(stored)
        return stored

    def reserve(self, name: str) -> str:
        """Record ``name`` as pending for a file written by other means (a converter
        writing straight to its path); return it."""
        PendingFile.objects.get_or_create(name=name)
        self.names.append(name)
        return name

    def settle(self) -> None:
        """Forget the pending names: call inside the transaction that commits the rows."""
        if self.names:
            PendingFile.objects.filter(name__in=self.names).delete()

    def discard(self) -> int:
        """Remove the files of this staging that no row names; return how many."""
        if not self.names:
            return 0
        kept = _referenced(self.names, pending=False)
        removed = 0
        for name in self.names:
            if name not in kept:
                self.storage.delete(name)
                removed += 1
        PendingFile.objects.filter(name__in=self.names).delete()
        self.names.clear()
        return removed


class DamagedFile(Exception):
    """A stored file no longer has the checksum recorded when it was stored."""

    def __init__(self, name: str) -> None:
        super().__init__(f"stored file {name} does not match its checksum")
        self.name = name


def open_verified(stored: FieldFile, sha256: str) -> IO[bytes]:
    """The stored file's content, checked against ``sha256`` before a byte is served:
    read once from the storage (local disk or object store) into a temporary file
    (kept in memory up to 1 MB), hashed on the way. Raises DamagedFile."""
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 - returned
    digest = hashlib.sha256()
    try:
        with stored.open("rb") as source:
            for chunk in source.chunks():
                digest.update(chunk)
                copy.write(chunk)
        if sha256 and digest.hexdigest() != sha256:
            raise DamagedFile(stored.name or "")
    except BaseException:
        copy.close()
        raise
    copy.seek(0)
    return copy


@contextmanager
def staging(storage: Storage | None = None) -> Iterator[Staging]:
    """A :class:`Staging` whose files are discarded when the block raises."""
    staged = Staging(storage or default_storage)
    try:
        yield staged
    except BaseException:
        try:
            staged.discard()
        except Exception:  # the sweep collects what could not be removed now
            logger.exception("could not discard staged files %s", staged.names)
        raise


def sweep(*, older_than: dt.timedelta = GRACE, now: dt.datetime | None = None) -> int:
    """Remove the files of pending rows older than ``older_than``; return how many."""
    cutoff = (now or timezone.now()) - older_than
    removed = 0
    for row in PendingFile.objects.filter(created_at__lt=cutoff).order_by("pk")[:10_000]:
        default_storage.delete(row.name)  # nothing happens when it was never written
        row.delete()
        removed += 1
    return removed


def _file_fields() -> list[tuple[type[models.Model], str]]:
    return [
        (model, f.name)
        for model in apps.get_models()
        for f in model._meta.concrete_fields
        if isinstance(f, models.FileField)
    ]


def _referenced(names: list[str], *, pending: bool = True) -> set[str]:
    """The ``names`` a row names (and, with ``pending``, those still pending)."""
    found: set[str] = set()
    if pending:
        found.update(PendingFile.objects.filter(name__in=names).values_list("name", flat=True))
    for model, name in _file_fields():
        found.update(
            model._default_manager.filter(**{f"{name}__in": names}).values_list(name, flat=True)
        )
    return found


def _walk(storage: Storage, path: str = "") -> Iterator[str]:
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:  # a local media folder not made yet (an object store has none)
        return
    for f in sorted(files):
        yield f"{path}/{f}" if path else f
    for d in sorted(dirs):
        yield from _walk(storage, f"{path}/{d}" if path else d)


@dataclass
class Orphans:
    """What :func:`scan` found: files no row names, and how many it removed."""

    checked: int = 0
    names: list[str] = field(default_factory=list)
    removed: int = 0
    bytes: int = 0


def scan(
    *,
    remove: bool = False,
    older_than: dt.timedelta = GRACE,
    now: dt.datetime | None = None,
    batch: int = 500,
) -> Orphans:
    """Files in the default storage that no row and no pending row names, older than
    ``older_than`` (a younger one may be a write in progress)."""
    storage = default_storage
    cutoff = (now or timezone.now()) - older_than
    result = Orphans()

    def check(names: list[str]) -> None:
        result.checked += len(names)
        known = _referenced(names)
        for name in names:
            if name in known or storage.get_modified_time(name) >= cutoff:
                continue
            result.names.append(name)
            result.bytes += storage.size(name)
            if remove:
                storage.delete(name)
                result.removed += 1

    pending: list[str] = []
    for name in _walk(storage):
        pending.append(name)
        if len(pending) >= batch:
            check(pending)
            pending = []
    if pending:
        check(pending)
    return result
