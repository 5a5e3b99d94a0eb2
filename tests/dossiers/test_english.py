"""The English UI is wholly English: every string of the interface is translated (none
fuzzy or empty), and the pages of the citizen's and the officials' path in English
show none of the interface's Vietnamese words (names of people, places, agencies and
procedures are data and stay as they are)."""

from __future__ import annotations

import html
import json
import re
from functools import cache
from pathlib import Path

import pytest
from django.utils import translation

from lienthong.catalog.models import ProcedureVersion
from lienthong.catalog.selectors import get_procedure
from lienthong.directory.constants import AgencyKind
from tests.dossiers.conftest import advance, file_online
from tests.dossiers.test_documents import BIRTH

PO = Path(__file__).resolve().parents[2] / "src/lienthong/locale/en/LC_MESSAGES/django.po"
_ENTRY = re.compile(r'^((?:#.*\n)*)msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.M)


@cache
def catalogue() -> list[tuple[str, str, str]]:
    """(flags, msgid, msgstr) of every entry of the English catalogue."""
    text = PO.read_text()
    return [
        (
            flags,
            "".join(json.loads(line) for line in msgid.split("\n") if line),
            "".join(json.loads(line) for line in msgstr.split("\n") if line),
        )
        for flags, msgid, msgstr in _ENTRY.findall(text)
        if msgid != '""\n'
    ]


def test_every_string_of_the_interface_is_translated():
    entries = catalogue()
    assert len(entries) > 800
    fuzzy = [m for flags, m, _s in entries if "fuzzy" in flags]
    empty = [m for _f, m, s in entries if not s]
    assert not fuzzy, fuzzy[:10]
    assert not empty, empty[:10]


def _interface_phrases() -> list[str]:
    """Vietnamese strings of the interface long enough not to be a name (two words
    or more...  of agency are left out, since every agency's
    name starts with one ("Ủy ban nhân dân xã Liên Minh")."""
    with translation.override("vi"):
        kinds = {str(label) for _v, label in AgencyKind.choices}
    return [
        m
        for _f, m, s in catalogue()
        if len(m.split()) >= 2 and "%" not in m and "{" not in m and m != s and m not in kinds
    ]


@pytest.mark.parametrize("who", ["citizen", "clerk_elsewhere", "specialist", "leader"])
def test_the_path_in_english_shows_no_vietnamese_of_the_interface(client, cast, who, settings):
    settings.SIGNING_PKI_DIR = Path(settings.VAR_DIR) / "pki-english"
    d = file_online(cast, form_data=BIRTH, summary="Xin cấp thêm bản sao")
    d = advance(cast, d, "submit_for_signature")
    client.force_login(getattr(cast, who))
    client.cookies["django_language"] = "en"
    pages = ["/", f"/ho-so/{d.code}/", "/thu-tuc/", "/thu-tuc/1.001193/", "/tra-cuu/"]
    pages += ["/ho-so/", "/thong-bao/"] if who == "citizen" else ["/can-bo/", "/can-bo/ho-so/"]
    phrases = _interface_phrases()
    version = get_procedure("1.001193")
    data = [version.name, *version.steps, *version.results, *version.requirements]
    data += [f["name"] for f in version.fees] + [b["title"] for b in version.legal_bases]
    data += [version.processing_note, version.competent_agency]
    data += [c.name for c in version.components.all()]
    for other in ProcedureVersion.objects.all():  # every procedure's name, field, decision
        data += [other.name, other.field, other.decision_number]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = html.unescape(response.content.decode())
        for item in sorted(data, key=len, reverse=True):  # the catalogue's words are data
            text = text.replace(item, "")
        assert '<html lang="en">' in text
        left = [p for p in phrases if p in text]
        where = [text[max(0, text.index(p) - 80) : text.index(p) + 40] for p in left[:3]]
        assert not left, (url, left[:5], where)
