"""Personal data out of what is published: identification numbers, phone numbers,
e-mail addresses, bank accounts, the names the platform knows (the author, the contact,
the dossier's applicant) and names written after a form of address ("ông Nguyễn Văn
An", "chị Lan"). Answers are published only when nothing of this is left in them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Final

from lienthong.feedback.constants import HIDDEN

__all__ = ["found", "redact"]

_FORMS: Final = (
    "ông bà|vợ chồng|gia đình|hộ ông|hộ bà|cán bộ|đồng chí|công dân|người dân|chủ hộ|"
    "ông|bà|anh|chị|em|cô|chú|bác|cháu|cụ|đ/c"
)

_PATTERNS: Final = (
    # E-mail addresses.
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # Phone numbers: +84 or 0, then 9–10 digits, maybe grouped by spaces, dots, dashes.
    re.compile(r"(?<![\w.\-/+])(?:\+84|0084|0)(?:[\s.\-]?\d){9,10}(?![\w\-/])"),
    # Identification numbers: 12 digits (CCCD), 9 (old CMND), tax codes of 10 or 13,
    # bank accounts (8–19 digits), grouped or not; not part of a code (a dossier's
    # «001.43.50.H64-261207-0002»).
    re.compile(r"(?<![\w.\-/])\d(?:[\s.\-]?\d){7,18}(?![\w\-/])"),
)
#: A form of address and the words after it; the capitalised ones are a name.
_ADDRESSED: Final = re.compile(rf"(?<!\w)(?i:{_FORMS})((?:\s+[^\W\d_]+){{1,5}})")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _name_pattern(name: str) -> re.Pattern[str] | None:
    words = [w for w in _nfc(name).split() if w]
    if len(words) < 2:  # one word ("An") would hide half the language
        return None
    return re.compile(r"\b" + r"\s+".join(re.escape(w) for w in words) + r"\b", re.IGNORECASE)


def redact(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with personal data replaced by «[đã ẩn]» (a form of address is kept:
    "ông [đã ẩn]")."""
    out = _nfc(text)
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        pattern = _name_pattern(name)
        if pattern is not None:
            out = pattern.sub(HIDDEN, out)
    for pattern in _PATTERNS:
        out = pattern.sub(HIDDEN, out)
    return _ADDRESSED.sub(_hide_name, out)


def _name_words(tail: str) -> int:
    """How many of the words after a form of address are a name (capitalised)."""
    n = 0
    for word in tail.split():
        if not word[0].isupper():
            break
        n += 1
    return n


def _hide_name(match: re.Match[str]) -> str:
    tail = match.group(1)
    n = _name_words(tail)
    if not n:
        return match.group(0)
    head = match.group(0)[: match.start(1) - match.start(0)]
    rest = tail.split()[n:]
    return f"{head} {HIDDEN}" + "".join(f" {w}" for w in rest)


def found(text: str, names: Iterable[str] = ()) -> list[str]:
    """The pieces of personal data still in ``text`` (empty: it may be published)."""
    out = _nfc(text)
    hits: list[str] = []
    for name in {n.strip() for n in names if n and n.strip()}:
        pattern = _name_pattern(name)
        if pattern is not None:
            hits += [m.group(0) for m in pattern.finditer(out)]
    for pattern in _PATTERNS:
        hits += [m.group(0) for m in pattern.finditer(out)]
    hits += [m.group(0) for m in _ADDRESSED.finditer(out) if _name_words(m.group(1))]
    return hits
