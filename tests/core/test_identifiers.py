"""Identifier validation: personal identification number, tax code, agency code."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from lienthong.core.identifiers import (
    PROVINCE_CODES,
    AgencyCode,
    IdentifierError,
    PinInfo,
    agency_code_validator,
    normalize_pin,
    normalize_tax_code,
    parse_agency_code,
    pin_validator,
    tax_code_check_digit,
    tax_code_validator,
    validate_agency_code,
    validate_pin,
)

TODAY = date(2025, 7, 1)

# Written out independently of the module, straight from the formula in STANDARDS.md §9.
WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


def expected_check_digit(first_nine: str) -> int:
    """10 − (Σ Ni·Wi mod 11); 10 means "no valid tax code has this prefix"."""
    return 10 - sum(int(d) * w for d, w in zip(first_nine, WEIGHTS, strict=True)) % 11


def with_check_digit(first_nine: str) -> str:
    check = expected_check_digit(first_nine)
    assert check != 10, f"{first_nine} has no valid check digit"
    return f"{first_nine}{check}"


def error_code(func: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(IdentifierError) as info:
        func(*args, **kwargs)  # type: ignore[operator]
    return info.value.code


# --------------------------------------------------------- personal identification number


def test_a_hanoi_pin_decodes_to_a_man_born_in_1990():
    assert validate_pin("001090012345", today=TODAY) == PinInfo(
        pin="001090012345",
        province_code="001",
        province_name="Hà Nội",
        sex="male",
        birth_year=1990,
    )


def test_a_ho_chi_minh_city_pin_with_digit_3_decodes_to_a_woman_born_in_2003():
    info = validate_pin("079303000123", today=TODAY)
    assert (info.province_name, info.sex, info.birth_year) == ("Hồ Chí Minh", "female", 2003)


def test_digit_2_in_the_fourth_position_means_a_man_born_in_the_2000s():
    info = validate_pin("079203000123", today=TODAY)
    assert (info.sex, info.birth_year) == ("male", 2003)


@pytest.mark.parametrize(
    ("digit", "sex", "century"),
    [
        ("0", "male", 1900),
        ("1", "female", 1900),
        ("2", "male", 2000),
        ("3", "female", 2000),
        ("4", "male", 2100),
        ("5", "female", 2100),
        ("6", "male", 2200),
        ("7", "female", 2200),
        ("8", "male", 1800),
        ("9", "female", 1800),
    ],
)
def test_the_fourth_digit_gives_century_and_sex(digit: str, sex: str, century: int):
    info = validate_pin(f"001{digit}00000001", today=date(2299, 12, 31))
    assert (info.sex, info.birth_year) == (sex, century)


def test_there_are_63_province_codes_and_all_are_three_digits():
    assert len(PROVINCE_CODES) == 63
    assert all(len(code) == 3 and code.isdigit() for code in PROVINCE_CODES)


def test_spaces_inside_a_pin_are_removed():
    assert normalize_pin(" 001 090 012345 ", today=TODAY) == "001090012345"


@pytest.mark.parametrize(
    "value",
    ["00109001234", "0010900123456", "00109001234A", "", "001-090-012345", "٠٠١٠٩٠٠١٢٣٤٥"],
)
def test_a_pin_that_is_not_twelve_ascii_digits_is_a_format_error(value: str):
    assert error_code(validate_pin, value, today=TODAY) == "pin_format"


def test_a_pin_that_is_not_a_string_is_a_format_error():
    assert error_code(validate_pin, 1090012345, today=TODAY) == "pin_format"


@pytest.mark.parametrize("province", ["000", "003", "097", "100", "999"])
def test_a_pin_with_an_unknown_province_code_is_rejected(province: str):
    assert error_code(validate_pin, f"{province}090012345", today=TODAY) == "pin_province"


def test_a_pin_born_next_year_is_rejected():
    assert error_code(validate_pin, "001226012345", today=TODAY) == "pin_birth_year"


def test_a_pin_born_this_year_is_accepted():
    assert validate_pin("001225012345", today=TODAY).birth_year == 2025


def test_a_pin_from_a_later_century_is_in_the_future():
    assert error_code(validate_pin, "001400012345", today=TODAY) == "pin_birth_year"


def test_normalize_pin_also_checks_the_birth_year():
    assert error_code(normalize_pin, "001226012345", today=TODAY) == "pin_birth_year"


def test_pin_info_is_immutable():
    info = validate_pin("001090012345", today=TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.birth_year = 2000  # type: ignore[misc]


# ---------------------------------------------------------------------------- tax code

REAL_TAX_CODES = ["0100109106", "0100686174", "0101243150", "0300588569"]


@pytest.mark.parametrize("code", REAL_TAX_CODES)
def test_real_tax_codes_satisfy_the_formula_and_are_accepted(code: str):
    assert expected_check_digit(code[:9]) == int(code[9])
    assert normalize_tax_code(code) == code


@pytest.mark.parametrize("prefix", ["123456789", "010010910", "031234567", "800000001"])
def test_tax_codes_built_with_the_computed_check_digit_are_accepted(prefix: str):
    code = with_check_digit(prefix)
    assert normalize_tax_code(code) == code


def test_a_tax_code_with_a_wrong_check_digit_is_rejected():
    assert error_code(normalize_tax_code, "0100109107") == "tax_code_check_digit"


def test_a_prefix_whose_check_digit_would_be_10_is_never_valid():
    prefix = "000000000"  # Σ = 0, so the check would be 10 − 0 = 10
    assert expected_check_digit(prefix) == 10
    assert tax_code_check_digit(prefix) is None
    for last in "0123456789":
        assert error_code(normalize_tax_code, prefix + last) == "tax_code_check_digit"


def test_a_dependent_unit_code_with_a_dash_is_kept_as_is():
    assert normalize_tax_code("0100109106-001") == "0100109106-001"


def test_a_dependent_unit_code_without_a_dash_gets_one():
    assert normalize_tax_code("0100109106001") == "0100109106-001"


def test_whitespace_around_and_inside_a_tax_code_is_ignored():
    assert normalize_tax_code(" 0100109106 - 002 ") == "0100109106-002"


def test_a_dependent_unit_code_checks_the_check_digit_of_its_main_part():
    assert error_code(normalize_tax_code, "0100109107-001") == "tax_code_check_digit"


@pytest.mark.parametrize("value", ["0100109106-000", "0100109106000"])
def test_a_dependent_unit_suffix_of_000_is_rejected(value: str):
    assert error_code(normalize_tax_code, value) == "tax_code_suffix"


@pytest.mark.parametrize(
    "value",
    [
        "010010910",
        "01001091061",
        "0100109106-01",
        "0100109106-0001",
        "0100109106_001",
        "010010910A",
        "",
        "-0100109106",
    ],
)
def test_a_malformed_tax_code_is_a_format_error(value: str):
    assert error_code(normalize_tax_code, value) == "tax_code_format"


def test_a_personal_id_is_not_a_tax_code_by_default():
    assert error_code(normalize_tax_code, "001090012345") == "tax_code_format"


def test_a_personal_id_is_a_tax_code_when_allowed():
    assert normalize_tax_code("001090012345", allow_personal_id=True) == "001090012345"


def test_allowing_personal_ids_still_accepts_ordinary_tax_codes():
    assert normalize_tax_code("0100109106", allow_personal_id=True) == "0100109106"
    assert normalize_tax_code("0100109106001", allow_personal_id=True) == "0100109106-001"


def test_an_invalid_personal_id_used_as_a_tax_code_reports_the_pin_error():
    assert error_code(normalize_tax_code, "003090012345", allow_personal_id=True) == "pin_province"
    assert (
        error_code(normalize_tax_code, "001226012345", allow_personal_id=True, today=TODAY)
        == "pin_birth_year"
    )


@settings(max_examples=500)
@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_appending_the_computed_check_digit_gives_a_valid_code_and_any_other_digit_does_not(
    prefix: str,
):
    check = expected_check_digit(prefix)
    if check == 10:
        assert tax_code_check_digit(prefix) is None
        for last in "0123456789":
            assert error_code(normalize_tax_code, prefix + last) == "tax_code_check_digit"
        return
    code = prefix + str(check)
    assert normalize_tax_code(code) == code
    for last in "0123456789":
        if last != code[-1]:
            assert error_code(normalize_tax_code, prefix + last) == "tax_code_check_digit"


# --------------------------------------------------------------- agency identifier code


@pytest.mark.parametrize(
    "code", ["000.00.00.G22", "000.00.00.H41", "000.00.00.H14", "000.00.01.H29"]
)
def test_sample_agency_codes_are_accepted(code: str):
    assert validate_agency_code(code) == code


def test_a_lowercase_level_one_letter_is_uppercased():
    assert validate_agency_code(" 000.00.01.h29 ") == "000.00.01.H29"


@pytest.mark.parametrize(
    "value",
    [
        "000.00.00.G2",
        "000.00.00.22",
        "00.00.00.G22",
        "000.000.00.G22",
        "000-00-00-G22",
        "000.00.00.GG2",
        "000.00.00.Đ22",
        "000.00.00.G22.",
        "",
    ],
)
def test_a_malformed_agency_code_is_a_format_error(value: str):
    assert error_code(validate_agency_code, value) == "agency_code_format"


@pytest.mark.parametrize("value", ["000.01.00.H29", "001.00.01.H29", "001.01.00.H29"])
def test_a_level_set_below_a_zero_level_is_a_hierarchy_error(value: str):
    assert error_code(validate_agency_code, value) == "agency_code_hierarchy"


def test_parse_agency_code_reads_levels_right_to_left():
    agency = parse_agency_code("012.03.01.h29")
    assert agency == AgencyCode(level1="H29", level2="01", level3="03", level4="012")
    assert agency.depth == 4
    assert str(agency) == "012.03.01.H29"


@pytest.mark.parametrize(
    ("code", "depth"),
    [
        ("000.00.00.G22", 1),
        ("000.00.01.H29", 2),
        ("000.03.01.H29", 3),
        ("012.03.01.H29", 4),
    ],
)
def test_depth_is_the_deepest_non_zero_level(code: str, depth: int):
    assert parse_agency_code(code).depth == depth


def test_parent_codes_climb_to_level_one_and_stop():
    chain = []
    agency: AgencyCode | None = parse_agency_code("012.03.01.H29")
    while agency is not None:
        chain.append(agency.code)
        parent = agency.parent_code()
        agency = parse_agency_code(parent) if parent is not None else None
    assert chain == ["012.03.01.H29", "000.03.01.H29", "000.00.01.H29", "000.00.00.H29"]
    assert parse_agency_code("000.00.00.H29").parent_code() is None


def test_an_agency_code_cannot_be_built_in_an_invalid_state():
    with pytest.raises(IdentifierError) as info:
        AgencyCode(level1="H29", level3="01")
    assert info.value.code == "agency_code_hierarchy"
    with pytest.raises(IdentifierError) as info:
        AgencyCode(level1="h29")
    assert info.value.code == "agency_code_format"


# ------------------------------------------------------- errors and Django validators


def test_errors_are_value_errors_with_a_vietnamese_message():
    with pytest.raises(ValueError, match="12 chữ số") as info:
        validate_pin("123")
    assert isinstance(info.value, IdentifierError)
    with translation.override("vi"):
        assert str(info.value.message) == "Số định danh cá nhân phải gồm đúng 12 chữ số."


@pytest.mark.parametrize(
    ("validator", "value", "code"),
    [
        (pin_validator, "003090012345", "pin_province"),
        (pin_validator, "12345", "pin_format"),
        (tax_code_validator, "0100109107", "tax_code_check_digit"),
        (tax_code_validator, "0100109106-000", "tax_code_suffix"),
        (tax_code_validator, "001090012345", "tax_code_format"),
        (agency_code_validator, "000.01.00.H29", "agency_code_hierarchy"),
        (agency_code_validator, "G22", "agency_code_format"),
    ],
)
def test_django_validators_raise_validation_error_carrying_the_code(
    validator: object, value: str, code: str
):
    with pytest.raises(ValidationError) as info:
        validator(value)  # type: ignore[operator]
    assert info.value.code == code
    assert info.value.messages


@pytest.mark.parametrize(
    ("validator", "value"),
    [
        (pin_validator, "001090012345"),
        (tax_code_validator, "0100109106-001"),
        (agency_code_validator, "000.00.00.G22"),
    ],
)
def test_django_validators_accept_valid_values(validator: object, value: str):
    assert validator(value) is None  # type: ignore[operator]
