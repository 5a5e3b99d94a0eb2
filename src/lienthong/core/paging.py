"""Paging: lazily built slices, and the cursors of keyset pagination.

Paginators (Django's and django-ninja's) take ``len()`` and one slice; with
``LazySlices`` a long result (search hits, a filtered query) is fetched and serialised
page by page instead of whole. A list that may hold millions of rows is paged by
position instead (keyset pagination: the next page starts after the sort key of the
last row shown), and ``cursor``/``position`` write that key as an opaque token.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Final, Generic, TypeVar, overload

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

T = TypeVar("T")
U = TypeVar("U")

__all__ = ["MAX_LIMIT", "MAX_OFFSET", "LazySlices", "Page", "cursor", "position"]

#: The most items one page of any list may hold, and the farthest a list may be read.
MAX_LIMIT: Final = 100
MAX_OFFSET: Final = 1_000_000_000


class Page(LimitOffsetPagination):
    """``limit`` (1–100, default 100) and ``offset`` (0–10⁹) of every list of the API: a
    larger value is a 422 naming the parameter, never a page of unbounded size or an
    offset the database cannot represent."""

    class Input(Schema):
        limit: int = Field(MAX_LIMIT, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)


class LazySlices(Sequence[T], Generic[T]):
    def __init__(self, length: int, fetch: Callable[[int, int], list[T]]) -> None:
        """``fetch(start, stop)`` returns the items in ``[start, stop)``."""
        self._length = length
        self._fetch = fetch

    def map(self, convert: Callable[[T], U]) -> LazySlices[U]:
        return LazySlices(self._length, lambda a, b: [convert(x) for x in self._fetch(a, b)])

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step != 1:
                raise ValueError("LazySlices supports contiguous slices only")
            return self._fetch(start, stop) if start < stop else []
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(index)
        return self._fetch(index, index + 1)[0]


#: What a cursor may hold: an instant, an instant or nothing, a whole number.
Key = dt.datetime | int | None


def cursor(key: Sequence[Key]) -> str:
    """The token of a row's sort key (instants, ``None``, whole numbers), opaque to
    its users: URL-safe base64 of the values, ``|`` between them."""
    text = "|".join(
        v.isoformat() if isinstance(v, dt.datetime) else "" if v is None else str(int(v))
        for v in key
    )
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def position(token: str, shape: str) -> tuple[Key, ...]:
    """The sort key written by :func:`cursor`, read by ``shape``: a letter a value,
    ``t`` an aware instant, ``T`` the same or nothing, ``i`` a whole number. Anything
    else (edited, truncated, of another list) is a ValueError."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (UnicodeDecodeError, binascii.Error) as exc:
        raise ValueError(token) from exc
    parts = text.split("|")
    if len(parts) != len(shape):
        raise ValueError(token)
    out: list[Key] = []
    for kind, part in zip(shape, parts, strict=True):
        if kind == "i":
            out.append(int(part))
        elif kind == "T" and part == "":
            out.append(None)
        elif kind in "tT":
            moment = dt.datetime.fromisoformat(part)
            if moment.tzinfo is None:
                raise ValueError(token)
            out.append(moment)
        else:
            raise ValueError(shape)
    return tuple(out)
