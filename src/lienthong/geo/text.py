"""Vietnamese text folding for address matching.

``fold`` lower-cases and removes diacritics character by character, so the
folded string has the same length as its NFC input: positions found in the
folded text cut the original text at the same places.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["compact", "fold", "has_diacritics", "lower_nfc"]


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x1EFF + 1):
        ch = chr(cp)
        if not ch.isalpha():
            continue
        base = unicodedata.normalize("NFD", ch)[0].lower()
        if base.isascii() and base != ch.lower():
            table[cp] = base
        elif ch.lower() != ch and len(ch.lower()) == 1:
            table[cp] = ch.lower()
    table[ord("đ")] = "d"
    table[ord("Đ")] = "d"
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp).lower()
    return table


_TABLE = _build_table()
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case ASCII form of an NFC string, one character for one character."""
    return unicodedata.normalize("NFC", text).translate(_TABLE)


def lower_nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


@lru_cache(maxsize=65536)
def compact(text: str) -> str:
    """Folded, no spaces or punctuation; numbers lose leading zeros ("Phường 01" → "phuong1")."""
    tokens = _NON_ALNUM.split(fold(text))
    return "".join(t.lstrip("0") or "0" if t.isdigit() else t for t in tokens if t)


def has_diacritics(text: str) -> bool:
    return fold(text) != text.lower()
