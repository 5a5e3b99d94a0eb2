"""A sequence whose items are built only for the slice asked for.

Paginators (Django's and django-ninja's) take ``len()`` and one slice; with this,
a long result (search hits, a filtered query) is fetched and serialised page by page
instead of whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, overload

T = TypeVar("T")
U = TypeVar("U")

__all__ = ["LazySlices"]


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
