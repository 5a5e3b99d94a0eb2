"""The address reader's words: tokens, unit words, keystrokes typed without an input method."""

from __future__ import annotations

import itertools
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.geo.reader import accented_key, decode_keystrokes, name_key, tokenize
from lienthong.geo.text import compact, fold

# The geography of tests/geo/conftest.py is loaded for the module; these tests only read words.
pytestmark = pytest.mark.django_db


def _words(text: str) -> list[str]:
    return [t.key for t in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            "Số 10 Nguyễn Trãi, P. Bến Thành, Q.1, TP.HCM",
            "so 10 nguyen trai p ben thanh q 1 tp hcm",
        ),
        ("P1 - Q10 - TP HCM", "p 1 q 10 tp hcm"),
        ("F.07, Q3", "f 7 q 3"),
        ("Phường 01", "phuong 1"),
        ("Phường12, Quận3", "phuong 12 quan 3"),
        ("Ea H'Leo", "ea h leo"),
        ("Bà Rịa-Vũng Tàu", "ba ria vung tau"),
    ],
)
def test_an_address_is_cut_into_words_with_numbers_and_unit_words_apart(text, words):
    assert _words(text) == words.split()


def test_vni_keys_after_a_unit_word_are_not_a_ward_number():
    # "Phường" and "Quận" typed in VNI without an input method, not wards 72 and 65.
    assert [t.plain for t in tokenize("Phuong72 So7n, Quan65")] == ["phuong", "son", "quan"]


def test_each_word_knows_the_separator_before_it():
    tokens = tokenize("Thôn 3 Xã Long Sơn, TP Vũng Tàu - Bà Rịa-Vũng Tàu")
    hard = [t.raw for t in tokens if t.hard]
    soft = [t.raw for t in tokens if t.sep and not t.hard]
    assert hard == ["thon", "tp"]  # the first word, and after the comma
    assert soft == ["ba", "vung"]  # after " - " and after the dash inside the name


def test_words_keep_their_place_and_their_diacritics():
    text = "xã Đại Thắng"
    tokens = tokenize(text)
    assert [text[t.start : t.end] for t in tokens] == ["xã", "Đại", "Thắng"]
    assert [t.accented for t in tokens] == ["xã", "đại", "thắng"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        # Telex: doubled vowels, w for the horn and the breve, dd, tone keys s f r x j
        ("laam", "lam"),
        ("sown", "son"),
        ("ddinh", "dinh"),
        ("huyeenj", "huyen"),
        ("duwowng", "duong"),
        ("nghee", "nghe"),
        ("tirnh", "tinh"),
        ("bawngf", "bang"),
        # VNI: digits after the vowels or at the end of the syllable
        ("so7n", "son"),
        ("du7o7ng", "duong"),
        ("d9a8k", "dak"),
        ("huye65n", "huyen"),
        # Nothing to decode
        ("vuban", "vuban"),
        ("truong", "truong"),  # the r of "tr" is no tone key
        ("12a", "12a"),  # a house number
        ("2025", "2025"),
    ],
)
def test_keystrokes_typed_without_an_input_method_are_decoded(typed, meant):
    assert decode_keystrokes(typed) == meant


def test_names_are_keyed_like_the_words_of_an_address():
    assert name_key("Phường 01") == name_key("phuong 1") == compact("Phường 1") == "phuong1"
    assert name_key("Bà Rịa - Vũng Tàu") == "bariavungtau"
    assert accented_key("Bà Rịa - Vũng Tàu") == "bàrịavũngtàu"


def test_folding_keeps_positions():
    text = "Đường Lê Lợi, phường Bến Nghé"
    assert len(fold(text)) == len(text)
    assert fold(text) == "duong le loi, phuong ben nghe"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_tokens_cover_the_text_in_order(text):
    text = unicodedata.normalize("NFC", text)
    tokens = tokenize(text)
    assert all(a.end <= b.start for a, b in itertools.pairwise(tokens))
    assert all(t.key and t.plain_key for t in tokens)
