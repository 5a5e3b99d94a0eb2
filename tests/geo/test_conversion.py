"""Legacy addresses convert to the new map; split communes are never guessed silently."""

from __future__ import annotations

import pytest

from lienthong.geo.selectors import address_index
from lienthong.geo.text import fold


@pytest.fixture
def convert(db):
    return address_index().convert


# The four new communes of the old Vụ Bản district named in the seed documents, each from the
# old commune that hosts its seat: Vụ Bản (old district seat, thị trấn Gôi), Liên Minh (Đại
# Thắng), Hiển Khánh (Hợp Hưng) and Minh Tân (Minh Tân).
@pytest.mark.parametrize(
    ("old_address", "new_code", "new_address"),
    [
        ("Thị trấn Gôi, huyện Vụ Bản, tỉnh Nam Định", "13741", "Xã Vụ Bản, Tỉnh Ninh Bình"),
        ("Xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định", "13786", "Xã Liên Minh, Tỉnh Ninh Bình"),
        ("Xã Hợp Hưng, huyện Vụ Bản, tỉnh Nam Định", "13753", "Xã Hiển Khánh, Tỉnh Ninh Bình"),
        ("Xã Minh Tân, huyện Vụ Bản, tỉnh Nam Định", "13750", "Xã Minh Tân, Tỉnh Ninh Bình"),
    ],
)
def test_the_four_vu_ban_communes_convert_to_their_new_communes(
    convert, old_address, new_code, new_address
):
    result = convert(old_address)
    assert result.status == "converted"
    assert result.ward_code == new_code
    assert result.address == new_address
    assert result.province_code == "37"
    assert result.legacy.district_name == "Huyện Vụ Bản"
    assert result.legacy.province_name == "Tỉnh Nam Định"
    assert result.confidence == 1.0


def test_the_street_and_house_number_are_kept(convert):
    result = convert(
        "Số 5 đường Trần Hưng Đạo, thôn Nhất, xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định"
    )
    assert result.street == "Số 5 đường Trần Hưng Đạo, thôn Nhất"
    assert result.address == "Số 5 đường Trần Hưng Đạo, thôn Nhất, Xã Liên Minh, Tỉnh Ninh Bình"


@pytest.mark.parametrize(
    "text",
    [
        "xa dai thang, huyen vu ban, tinh nam dinh",
        "XÃ ĐẠI THẮNG - HUYỆN VỤ BẢN - NAM ĐỊNH",
        "X. Đại Thắng, H. Vụ Bản, T. Nam Định",
        "Đại Thắng, Vụ Bản, Nam Định",
        "xã Đại Thắng huyện Vụ Bản tỉnh Nam Định",
        "Nam Định; Vụ Bản; Đại Thắng".replace(
            "Nam Định; Vụ Bản; Đại Thắng", "Đại Thắng; Vụ Bản; Nam Định"
        ),
        "Xã Đại Thắng, Huyện Vụ Bản, Tỉnh Nam Định, Việt Nam",
    ],
)
def test_common_ways_of_writing_an_old_address_convert(convert, text):
    result = convert(text)
    assert (result.status, result.ward_code) == ("converted", "13786")


def test_a_split_commune_returns_every_official_candidate_with_the_default_marked(convert):
    result = convert("12 Lê Lợi, Phường 4, Quận 3, TP. Hồ Chí Minh")
    assert result.status == "ambiguous"
    assert result.reason == "split_commune"
    names = {c.ward_name: c.is_default for c in result.candidates}
    assert names == {"Phường Bàn Cờ": True, "Phường Xuân Hòa": False}
    # The default is filled in, but the status says a person must choose.
    assert result.ward_name == "Phường Bàn Cờ"
    assert result.address == "12 Lê Lợi, Phường Bàn Cờ, Thành phố Hồ Chí Minh"
    assert result.confidence < 1


@pytest.mark.parametrize(
    "text", ["Phường 1, Quận 3, TP.HCM", "P.01, Q.3, TP HCM", "p1 q3 tp hcm", "Phường1, Quận3, HCM"]
)
def test_numbered_wards_in_any_notation(convert, text):
    result = convert(text)
    assert result.legacy.ward_name == "Phường 1"
    assert result.legacy.district_name == "Quận 3"
    assert result.ward_name == "Phường Bàn Cờ"


def test_an_address_already_in_the_new_map_is_recognised(convert):
    result = convert("Thôn Nhất, Xã Liên Minh, Tỉnh Ninh Bình")
    assert result.status == "already_new"
    assert result.ward_code == "13786"
    assert result.address == "Thôn Nhất, Xã Liên Minh, Tỉnh Ninh Bình"


def test_an_island_district_without_communes_becomes_its_special_zone(convert):
    result = convert("Huyện Côn Đảo, tỉnh Bà Rịa - Vũng Tàu")
    assert result.status == "converted"
    assert result.address == "Đặc khu Côn Đảo, Thành phố Hồ Chí Minh"


def test_a_name_that_begins_like_a_type_word_is_still_found(convert):
    # "Quan Hóa" (not "Quận Hóa") and "Tịnh Biên" (not "Tỉnh Biên") are district names.
    assert convert("Xã Trung Thành, Quan Hóa, Thanh Hóa").legacy.district_name == "Huyện Quan Hóa"
    assert convert("Xã Nhơn Hưng, Tịnh Biên, An Giang").legacy.district_name.endswith("Tịnh Biên")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ,  , ", "empty"),
        ("abc xyz", "unknown_province"),
        ("Xã Không Có Thật, huyện Vụ Bản, tỉnh Nam Định", "unknown_commune"),
        ("Xã Đại Thắng, huyện Không Có, tỉnh Nam Định", "unknown_commune"),
        ("Huyện Vụ Bản, tỉnh Nam Định", "missing_commune"),
        ("Tỉnh Nam Định", "missing_commune"),
    ],
)
def test_unresolvable_addresses_get_a_reason_code(convert, text, reason):
    result = convert(text)
    assert result.status == "unresolved"
    assert result.reason == reason
    assert result.address == ""


def test_a_cell_too_long_to_be_an_address_is_refused_unread(convert):
    text = "Xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định; " * 30
    result = convert(text)
    assert (result.status, result.reason, result.input) == ("unresolved", "too_long", text)
    long_street = "Số 5 " + "Lê Lợi " * 120 + ", Xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định"
    assert len(long_street) < 1000
    assert convert(long_street).status == "converted"


def test_the_new_province_is_given_even_when_the_commune_is_unknown(convert):
    result = convert("Xã Không Có Thật, huyện Vụ Bản, tỉnh Nam Định")
    assert result.province_name == "Tỉnh Ninh Bình"


def test_same_named_communes_without_a_district_are_not_guessed(convert):
    result = convert("Phường 3, Tỉnh Sóc Trăng")
    assert result.status == "ambiguous"
    assert result.reason == "duplicate_name"
    assert len(result.candidates) > 1
    assert result.ward_code == ""


@pytest.mark.parametrize("value", [None, 12345, 3.5, "\x00\x01", "🙂" * 50])
def test_conversion_never_raises(convert, value):
    assert convert(value).status in {"converted", "already_new", "ambiguous", "unresolved"}


def test_conversion_is_idempotent_on_its_own_output(convert):
    first = convert("Thôn 3, xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định")
    second = convert(first.address)
    assert second.status == "already_new"
    assert second.address == first.address


def test_decomposed_unicode_input_converts_like_composed(convert):
    import unicodedata

    text = unicodedata.normalize("NFD", "Thôn Nhất, xã Đại Thắng, huyện Vụ Bản, tỉnh Nam Định")
    result = convert(text)
    assert (result.status, result.ward_code) == ("converted", "13786")
    assert result.street == "Thôn Nhất"


# Units whose own name holds a dash: Tỉnh Bà Rịa - Vũng Tàu (77), Thành phố Phan Rang - Tháp
# Chàm (582). Written with " - " between the parts, the dash of the name is no separator.
@pytest.mark.parametrize(
    "text",
    [
        "Số 12 - Phường Kinh Dinh - Thành phố Phan Rang - Tháp Chàm - Tỉnh Ninh Thuận",
        "Số 12 - Phường Kinh Dinh - Thành phố Phan Rang-Tháp Chàm - Tỉnh Ninh Thuận",
        "Số 12 - Phường Kinh Dinh - Thành phố Phan Rang Tháp Chàm - Tỉnh Ninh Thuận",
        "Số 12 - phuong kinh dinh - tp phan rang - thap cham - ninh thuan",
        "Số 12 – P. Kinh Dinh – TP. Phan Rang – Tháp Chàm – Ninh Thuận",
        # Mỹ Hương was merged into Kinh Dinh before 2025; its name is still written.
        "Số 12 - Phường Mỹ Hương - Thành phố Phan Rang - Tháp Chàm - Tỉnh Ninh Thuận",
    ],
)
def test_a_district_with_a_dash_in_its_name_is_kept_whole(convert, text):
    result = convert(text)
    assert (result.status, result.ward_code) == ("converted", "22759")
    assert result.address == "Số 12, Phường Phan Rang, Tỉnh Khánh Hòa"
    assert result.legacy.district_name == "Thành phố Phan Rang - Tháp Chàm"
    assert result.legacy.province_name == "Tỉnh Ninh Thuận"


@pytest.mark.parametrize(
    "text",
    [
        "Thôn 1 - Xã Long Sơn - Thành phố Vũng Tàu - Tỉnh Bà Rịa - Vũng Tàu",
        "Thôn 1 - Xã Long Sơn - Thành phố Vũng Tàu - Tỉnh Bà Rịa-Vũng Tàu",
        "Thôn 1 - Xã Long Sơn - Thành phố Vũng Tàu - Bà Rịa - Vũng Tàu",
        "Thôn 1 - Xã Long Sơn - Thành phố Vũng Tàu - BR-VT",
        "Thôn 1 - Xã Long Sơn - Thành phố Vũng Tàu - BRVT",
        "thon 1 - xa long son - tp vung tau - ba ria - vung tau",
        "Thôn 1 Xã Long Sơn Thành phố Vũng Tàu Tỉnh Bà Rịa - Vũng Tàu",
    ],
)
def test_a_province_with_a_dash_in_its_name_is_kept_whole(convert, text):
    result = convert(text)
    assert (result.status, result.ward_code) == ("converted", "26545")
    assert fold(result.street) == "thon 1"
    assert result.ward_name == "Xã Long Sơn"
    assert result.province_name == "Thành phố Hồ Chí Minh"
    assert result.legacy.district_name == "Thành phố Vũng Tàu"
    assert result.legacy.province_name == "Tỉnh Bà Rịa - Vũng Tàu"


def test_a_new_commune_with_a_dash_in_its_name_is_kept_whole(convert):
    result = convert("Thôn 3 - Phường Lâm Viên - Đà Lạt - Tỉnh Lâm Đồng")
    assert (result.status, result.ward_code) == ("already_new", "24778")
    assert result.address == "Thôn 3, Phường Lâm Viên - Đà Lạt, Tỉnh Lâm Đồng"


def test_a_dash_that_separates_a_commune_from_its_district_still_does(convert):
    # The old Xã Xuân Trường of Thành phố Đà Lạt, not a "Xã Xuân Trường - Đà Lạt": read
    # with the name kept whole the address leads nowhere, so it is read part by part.
    result = convert("Xã Xuân Trường - Đà Lạt - Lâm Đồng")
    assert (result.status, result.ward_code) == ("converted", "24805")
    assert result.legacy.ward_name == "Xã Xuân Trường"
    assert result.legacy.district_name == "Thành phố Đà Lạt"


def test_a_tail_read_before_gives_what_reading_it_afresh_gives(db):
    # The index keeps the results of administrative tails ("…, Xã X, Huyện Y, Tỉnh Z") and
    # reuses them behind another street: the result must be the one of a fresh reading.
    from tests.geo import messy

    index = address_index()
    rows = messy.read_rows(messy.DEV_CSV)[::7]
    texts = [
        f"{street}{row.address}"
        for row in rows
        for street in ("Số 12 Lê Lợi, ", "Thôn 3, ", "Xã Vụ Bản, ", "12, ", "Tổ 4, Ấp 2, ", "")
    ]
    warm = [index.convert(t).as_dict() for t in texts]
    assert index._known, "the tails are kept"
    fresh = []
    for t in texts:
        index._known.clear()
        fresh.append(index.convert(t).as_dict())
    different = [(t, w, f) for t, w, f in zip(texts, warm, fresh, strict=True) if w != f]
    assert not different, different[:3]


@pytest.mark.parametrize(
    "text",
    [
        "Số 10 Xã Đàn, Phường Kim Liên, Thành phố Hà Nội",
        "Số 5 Quan Hoa, Phường Kim Liên, Thành phố Hà Nội",
        "Km 5 Tỉnh lộ 10, Phường Kim Liên, Thành phố Hà Nội",
    ],
)
def test_a_street_named_after_a_unit_costs_nothing(convert, text):
    result = convert(text)
    assert (result.status, result.ward_name, result.confidence) == (
        "already_new",
        "Phường Kim Liên",
        1.0,
    )


def test_a_guess_that_reads_more_but_is_unsure_is_not_taken_over_a_shorter_reading(convert):
    # Two edits and Telex in the commune (Trần Quang Diệu of Quy Nhơn), or the new Phường Quy
    # Nhơn behind a street: neither is sure enough to convert.
    result = convert("Tran Quag Deiu, Quy Nhown, Binh Dinh")
    assert result.status == "ambiguous"
    assert {c.ward_name for c in result.candidates} >= {"Phường Quy Nhơn", "Phường Quy Nhơn Bắc"}


def test_the_tails_remembered_do_not_depend_on_what_was_read_first(db):
    index = address_index()
    first = "Số 5, Xa Dai Thang, Huyen Vu Ban, Tinh Nam Dinh, Việt Nam"
    second = "So 5, Xa Dai Thang, Huyen Vu Ban, Tinh Nam Dinh, Việt Nam"
    index._known.clear()
    a = (index.convert(first).confidence, index.convert(second).confidence)
    index._known.clear()
    b = (index.convert(second).confidence, index.convert(first).confidence)
    assert a == b[::-1]


def test_a_unit_written_as_its_own_name_goes_before_another_units_former_name(convert):
    # "Đông Quang" is Xã Đông Quang of Đông Hưng, and also a former name of Xã Xuân Quang
    # Động; written with its diacritics it is the first.
    result = convert("Xã Đông Quang, Tỉnh Thái Bình")
    assert (result.status, result.legacy.ward_code) == ("converted", "12997")
