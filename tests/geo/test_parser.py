"""The address parser: typed segments out of any common way of writing an address."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.geo.parser import hyphenated_names, parse_segments, split_address
from lienthong.geo.text import compact, fold

# Names with a dash of their own, as the address index passes them to the parser.
DASHED = hyphenated_names(["Bà Rịa - Vũng Tàu", "Phan Rang - Tháp Chàm", "Lâm Viên - Đà Lạt"])


def _parts(text: str) -> list[tuple[str, str]]:
    return [(s.unit_type, s.key) for s in parse_segments(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Số 10 Nguyễn Trãi, P. Bến Thành, Q.1, TP.HCM",
            [("", "so10nguyentrai"), ("Phường", "benthanh"), ("Quận", "1"), ("Thành phố", "hcm")],
        ),
        (
            "xa dai thang huyen vu ban tinh nam dinh",
            [("Xã", "daithang"), ("Huyện", "vuban"), ("Tỉnh", "namdinh")],
        ),
        ("Phường 01, Quận 3, Hồ Chí Minh", [("Phường", "1"), ("Quận", "3"), ("", "hochiminh")]),
        ("P1 - Q10 - TP HCM", [("Phường", "1"), ("Quận", "10"), ("Thành phố", "hcm")]),
        (
            "TT. Gôi; H. Vụ Bản; T. Nam Định",
            [("Thị trấn", "goi"), ("Huyện", "vuban"), ("Tỉnh", "namdinh")],
        ),
        (
            "X.Đại Thắng,H.Vụ Bản,Nam Định",
            [("Xã", "daithang"), ("Huyện", "vuban"), ("", "namdinh")],
        ),
        ("Thị xã Sơn Tây, Hà Nội", [("Thị xã", "sontay"), ("", "hanoi")]),
        ("Đặc khu Côn Đảo, TP. Hồ Chí Minh", [("Đặc khu", "condao"), ("Thành phố", "hochiminh")]),
    ],
)
def test_common_forms_are_split_into_typed_segments(text, expected):
    assert _parts(text) == expected


def test_a_type_word_alone_is_a_name_not_a_type():
    # "Quận" with nothing after it cannot be a type word.
    assert _parts("Quận") == [("", "quan")]


@pytest.mark.parametrize("text", ["", "   ", ",,, ;", " - "])
def test_empty_addresses_have_no_segments(text):
    assert parse_segments(text) == []


def test_folding_keeps_positions():
    text = "Đường Lê Lợi, phường Bến Nghé"
    assert len(fold(text)) == len(text)
    assert fold(text) == "duong le loi, phuong ben nghe"


def test_compact_drops_leading_zeros_of_numbers():
    assert compact("Phường 01") == compact("phuong 1") == "phuong1"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_the_parser_never_raises(text):
    for seg in (*parse_segments(text), *parse_segments(text, DASHED)):
        assert seg.key


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Xã Đại Thắng",
                "huyện Vụ Bản",
                "Nam Định",
                "P.01",
                "Q.3",
                "TP.HCM",
                "Thôn 2",
                "Bến Thành",
            ]
        ),
        min_size=1,
        max_size=5,
    )
)
def test_parsing_is_idempotent_on_its_own_output(parts):
    text = ", ".join(parts)
    once = parse_segments(text)
    again = parse_segments(", ".join(s.text for s in once))
    assert [(s.unit_type, s.key) for s in again] == [(s.unit_type, s.key) for s in once]


def test_a_hyphenated_province_name_is_not_split_when_commas_are_used():
    assert split_address("Phường 1, TP Vũng Tàu, Bà Rịa - Vũng Tàu")[-1] == "Bà Rịa - Vũng Tàu"


def test_the_names_with_a_dash_are_found_in_folded_text_however_the_dash_is_spaced():
    names = hyphenated_names(["Bà Rịa - Vũng Tàu", "Phan Rang-Tháp Chàm", "Vụ Bản"])
    assert names is not None
    for text in ("tinh ba ria - vung tau", "ba ria-vung tau", "tp phan rang  –  thap cham"):
        assert names.search(text), text
    for text in ("ba ria", "vung tau - ba ria", "xa ba ria - vung tau2", "vu ban"):
        assert not names.search(text), text
    assert hyphenated_names(["Vụ Bản", "Nam Định"]) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Xã Long Sơn - Thành phố Vũng Tàu - Tỉnh Bà Rịa - Vũng Tàu",
            ["Xã Long Sơn", "Thành phố Vũng Tàu", "Tỉnh Bà Rịa - Vũng Tàu"],
        ),
        (
            "Số 12 - Phường Kinh Dinh - TP. Phan Rang - Tháp Chàm - Ninh Thuận",
            ["Số 12", "Phường Kinh Dinh", "TP. Phan Rang - Tháp Chàm", "Ninh Thuận"],
        ),
        (
            "xa long son – tp vung tau – ba ria – vung tau",
            ["xa long son", "tp vung tau", "ba ria – vung tau"],
        ),
        (
            "Thôn 3 - Phường Lâm Viên - Đà Lạt - Lâm Đồng",
            ["Thôn 3", "Phường Lâm Viên - Đà Lạt", "Lâm Đồng"],
        ),
        # No separator but the dash of the name: cut at the type words instead.
        (
            "Xã Long Sơn Thành phố Vũng Tàu Tỉnh Bà Rịa - Vũng Tàu",
            ["Xã Long Sơn", "Thành phố Vũng Tàu", "Tỉnh Bà Rịa - Vũng Tàu"],
        ),
        # Written without spaces around the dash, the name was never cut.
        (
            "Phường Kinh Dinh - Thành phố Phan Rang-Tháp Chàm - Tỉnh Ninh Thuận",
            ["Phường Kinh Dinh", "Thành phố Phan Rang-Tháp Chàm", "Tỉnh Ninh Thuận"],
        ),
    ],
)
def test_a_dash_inside_a_known_name_does_not_separate_parts(text, expected):
    assert split_address(text, DASHED) == expected


def test_a_dash_between_two_units_still_separates_them():
    # "Đà Lạt" after the dash is the district here, not the end of "Lâm Viên - Đà Lạt".
    assert split_address("Phường 1 - Đà Lạt - Lâm Đồng", DASHED) == [
        "Phường 1",
        "Đà Lạt",
        "Lâm Đồng",
    ]
    assert split_address("Tỉnh Bà Rịa - Vũng Tàu") == ["Tỉnh Bà Rịa", "Vũng Tàu"]
