"""What of a search query may be kept: no identification number, phone number, e-mail
address or person's name (Decree 13/2023 on personal data). Applied before a query is
logged, so the log never holds them.

* a run of 6 digits or more (with spaces, dots or dashes inside) — personal identification
  and tax numbers, phone numbers, insurance and dossier numbers — becomes ``[số]``;
* ``+84…`` and e-mail addresses likewise (``[số]``, ``[email]``);
* a person's name — two to five capitalised words beginning with a Vietnamese family name
  ("Nguyễn Văn An", "trần thị bích" is not capitalised and is left) — becomes ``[tên]``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NUMBER: Final = re.compile(r"\+?\d(?:[\s.\-]?\d){5,}")
# The commonest family names (together over 90% of the population).
_SURNAMES: Final = frozenset(
    {
        "nguyễn",
        "trần",
        "lê",
        "phạm",
        "hoàng",
        "huỳnh",
        "phan",
        "vũ",
        "võ",
        "đặng",
        "bùi",
        "đỗ",
        "hồ",
        "ngô",
        "dương",
        "lý",
        "đào",
        "đoàn",
        "vương",
        "trịnh",
        "trương",
        "lâm",
        "phùng",
        "mai",
        "tô",
        "tạ",
        "hà",
        "lưu",
        "đinh",
        "thái",
        "cao",
        "quách",
        "lương",
        "chu",
    }
)
_WORD: Final = re.compile(r"[^\W\d_]+", re.UNICODE)


def scrub(query: str) -> str:
    """``query`` without the personal data it may hold (see the module)."""
    text = unicodedata.normalize("NFC", query)
    text = _EMAIL.sub("[email]", text)
    text = _NUMBER.sub("[số]", text)
    return _names_out(text)


def _names_out(text: str) -> str:
    words = list(_WORD.finditer(text))
    out: list[str] = []
    last = 0
    i = 0
    while i < len(words):
        w = words[i]
        if w.group()[0].isupper() and w.group().lower() in _SURNAMES:
            j = i + 1
            while (
                j < len(words)
                and j - i < 5
                and words[j].group()[0].isupper()
                and text[words[j - 1].end() : words[j].start()].strip() == ""
            ):
                j += 1
            if j - i >= 2:
                out.append(text[last : w.start()] + "[tên]")
                last = words[j - 1].end()
                i = j
                continue
        i += 1
    out.append(text[last:])
    return "".join(out)
