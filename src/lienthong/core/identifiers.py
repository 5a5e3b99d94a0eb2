"""Validation of Vietnamese public-sector identifiers.

Three identifiers are handled here, following ``STANDARDS.md`` §3 and §9:

* the personal identification number (số định danh cá nhân, the number printed on the
  CCCD card): 12 digits with no check digit (Circular 59/2021/TT-BCA art. 4);
* the tax code (mã số thuế): 10 digits with a check digit, or 13 digits written
  ``NNNNNNNNNN-NNN`` for a dependent unit (Circular 105/2020/TT-BTC);
* the agency electronic identifier code (mã định danh điện tử của cơ quan,
  QCVN 102:2016/BTTTT): ``LLL.LL.LL.Xnn``.

Every failure raises :class:`IdentifierError`, a :class:`ValueError` carrying a stable
machine ``code`` and a Vietnamese ``message`` (wrapped in ``gettext_lazy`` so it is shown in
the user's language). For model and form fields use :func:`pin_validator`,
:func:`tax_code_validator` and :func:`agency_code_validator`, which turn the error into a
Django :class:`~django.core.exceptions.ValidationError` with the same ``code``.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final, Literal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, StrPromise

__all__ = [
    "PROVINCE_CODES",
    "AgencyCode",
    "IdentifierError",
    "PinInfo",
    "agency_code_validator",
    "format_tracking_key",
    "new_tracking_key",
    "normalize_pin",
    "normalize_tax_code",
    "normalize_tracking_key",
    "parse_agency_code",
    "pin_validator",
    "tax_code_check_digit",
    "tax_code_validator",
    "validate_agency_code",
    "validate_pin",
]


# --------------------------------------------------------------------------- errors

_MESSAGES: Final[dict[str, StrPromise]] = {
    "pin_format": _("Số định danh cá nhân phải gồm đúng 12 chữ số."),
    "pin_province": _(
        "Ba chữ số đầu của số định danh cá nhân không phải là mã tỉnh, thành phố hợp lệ."
    ),
    "pin_birth_year": _("Năm sinh suy ra từ số định danh cá nhân là một năm trong tương lai."),
    "tax_code_format": _(
        "Mã số thuế phải gồm 10 chữ số, hoặc 13 chữ số viết theo dạng NNNNNNNNNN-NNN."
    ),
    "tax_code_check_digit": _("Mã số thuế không hợp lệ: chữ số kiểm tra không đúng."),
    "tax_code_suffix": _("Ba chữ số cuối của mã số thuế đơn vị phụ thuộc không được là 000."),
    "agency_code_format": _(
        "Mã định danh điện tử của cơ quan phải có dạng LLL.LL.LL.Xnn, ví dụ 000.00.00.G22."
    ),
    "tracking_key_format": _(
        "Mã tra cứu gồm 16 ký tự chữ và số như in trên giấy tiếp nhận, ví dụ 7KQ4-M2XD-9TPB-H5RW."
    ),
    "tracking_key_check": _(
        "Mã tra cứu gõ chưa đúng: có ký tự bị gõ nhầm hoặc đổi chỗ. "
        "Hãy đối chiếu lại với giấy tiếp nhận."
    ),
    "agency_code_hierarchy": _(
        "Mã định danh điện tử của cơ quan không hợp lệ: một cấp có mã khác 0 "
        "trong khi cấp trên liền kề bằng 0."
    ),
}

_TAX_CODE_OR_PIN_FORMAT: Final[StrPromise] = _(
    "Mã số thuế phải gồm 10 chữ số, 13 chữ số viết theo dạng NNNNNNNNNN-NNN, "
    "hoặc là số định danh cá nhân gồm 12 chữ số."
)


class IdentifierError(ValueError):
    """An identifier failed validation.

    Attributes:
        code: stable machine code, one of ``pin_format``, ``pin_province``,
            ``pin_birth_year``, ``tax_code_format``, ``tax_code_check_digit``,
            ``tax_code_suffix``, ``agency_code_format``, ``agency_code_hierarchy``.
        message: human-readable Vietnamese message (a lazy translation).
    """

    def __init__(self, code: str, message: StrOrPromise | None = None) -> None:
        """Build the error for ``code``, with the standard message unless one is given."""
        self.code: str = code
        self.message: StrOrPromise = message if message is not None else _MESSAGES[code]
        super().__init__(self.message)

    def __str__(self) -> str:
        """Return the (translated) message."""
        return str(self.message)

    def __repr__(self) -> str:
        """Show the machine code, which does not depend on the active language."""
        return f"IdentifierError(code={self.code!r})"


def _to_validation_error(exc: IdentifierError) -> ValidationError:
    return ValidationError(exc.message, code=exc.code)


# ------------------------------------------------------- personal identification number

#: The 63 pre-2025 province codes of the General Statistics Office, as used in digits 1–3
#: of the personal identification number. The 34 post-2025 provinces reuse these codes.
PROVINCE_CODES: Final[dict[str, str]] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

# Digit 4 -> first year of the century. Even digits are male, odd digits female.
# 0/1 and 2/3 are verified (Circular 59/2021); 4–9 are from secondary sources [partly U].
_CENTURY_BY_DIGIT: Final[dict[str, int]] = {
    "0": 1900,
    "1": 1900,
    "2": 2000,
    "3": 2000,
    "4": 2100,
    "5": 2100,
    "6": 2200,
    "7": 2200,
    "8": 1800,
    "9": 1800,
}

# ``[0-9]`` rather than ``\d``: ``\d`` also matches non-ASCII digits such as "١".
_PIN_RE: Final = re.compile(r"[0-9]{12}")
_WHITESPACE_RE: Final = re.compile(r"\s+")

Sex = Literal["male", "female"]


@dataclass(frozen=True, slots=True)
class PinInfo:
    """What a personal identification number says about its holder.

    Attributes:
        pin: the normalised 12-digit number.
        province_code: digits 1–3, the province where the birth was registered.
        province_name: the Vietnamese name of that (pre-2025) province.
        sex: ``"male"`` or ``"female"``, from digit 4.
        birth_year: the full birth year, from digits 4–6.
    """

    pin: str
    province_code: str
    province_name: str
    sex: Sex
    birth_year: int


def _strip_whitespace(value: object, error_code: str) -> str:
    if not isinstance(value, str):
        raise IdentifierError(error_code)
    return _WHITESPACE_RE.sub("", value)


def validate_pin(value: str, *, today: date | None = None) -> PinInfo:
    """Validate a personal identification number and decode it.

    Whitespace anywhere in ``value`` is ignored (``"001 090 012345"`` is accepted).

    Args:
        value: the number as typed.
        today: the reference date for the "birth year is not in the future" rule;
            defaults to today in the project time zone (Asia/Ho_Chi_Minh).

    Returns:
        The decoded :class:`PinInfo`.

    Raises:
        IdentifierError: ``pin_format`` unless exactly 12 ASCII digits; ``pin_province``
            if digits 1–3 are not a province code; ``pin_birth_year`` if the decoded
            birth year is after ``today``'s year.
    """
    pin = _strip_whitespace(value, "pin_format")
    if not _PIN_RE.fullmatch(pin):
        raise IdentifierError("pin_format")

    province_code = pin[:3]
    province_name = PROVINCE_CODES.get(province_code)
    if province_name is None:
        raise IdentifierError("pin_province")

    gender_century = pin[3]
    birth_year = _CENTURY_BY_DIGIT[gender_century] + int(pin[4:6])
    reference = today if today is not None else timezone.localdate()
    if birth_year > reference.year:
        raise IdentifierError("pin_birth_year")

    sex: Sex = "male" if int(gender_century) % 2 == 0 else "female"
    return PinInfo(
        pin=pin,
        province_code=province_code,
        province_name=province_name,
        sex=sex,
        birth_year=birth_year,
    )


def normalize_pin(value: str, *, today: date | None = None) -> str:
    """Return the personal identification number without whitespace, after full validation.

    Raises:
        IdentifierError: as :func:`validate_pin`.
    """
    return validate_pin(value, today=today).pin


# ------------------------------------------------------------------------------ tax code

_TAX_WEIGHTS: Final[tuple[int, ...]] = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_TAX_10_RE: Final = re.compile(r"[0-9]{10}")
_TAX_13_RE: Final = re.compile(r"([0-9]{10})-?([0-9]{3})")


def tax_code_check_digit(first_nine: str) -> int | None:
    """Compute the tenth digit of a tax code from its first nine digits.

    ``N10 = 10 − (Σ Ni·Wi mod 11)`` with weights 31, 29, 23, 19, 17, 13, 7, 5, 3.

    Returns:
        The check digit, or ``None`` when the formula gives 10. Libraries differ on that
        case (some use 0); we treat such a nine-digit prefix as never issued, so no tax
        code starting with it is valid.

    Raises:
        IdentifierError: ``tax_code_format`` unless ``first_nine`` is nine ASCII digits.
    """
    if not re.fullmatch(r"[0-9]{9}", first_nine):
        raise IdentifierError("tax_code_format")
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, _TAX_WEIGHTS, strict=True))
    check = 10 - total % 11
    return None if check == 10 else check


def normalize_tax_code(
    value: str, *, allow_personal_id: bool = False, today: date | None = None
) -> str:
    """Validate a tax code and return it in canonical form.

    Accepted forms (whitespace anywhere is ignored):

    * ``NNNNNNNNNN``: returned as is;
    * ``NNNNNNNNNN-NNN`` or ``NNNNNNNNNNNNN``: a dependent unit, returned with the dash;
    * with ``allow_personal_id=True``, a valid 12-digit personal identification number,
      which serves as an individual's tax code from 1/7/2025 [unverified].

    The 3-digit suffix is only checked to be three digits other than ``000``.

    Args:
        value: the tax code as typed.
        allow_personal_id: also accept a 12-digit personal identification number.
        today: passed to :func:`validate_pin` for a personal identification number.

    Raises:
        IdentifierError: ``tax_code_format`` for a malformed value; ``tax_code_check_digit``
            when the tenth digit does not match (or the formula gives 10);
            ``tax_code_suffix`` for the suffix ``000``. A 12-digit value accepted through
            ``allow_personal_id`` that is not a valid personal identification number raises
            the ``pin_*`` error of :func:`validate_pin`.
    """
    format_message = _TAX_CODE_OR_PIN_FORMAT if allow_personal_id else None
    if not isinstance(value, str):
        raise IdentifierError("tax_code_format", format_message)
    code = _WHITESPACE_RE.sub("", value)

    if allow_personal_id and _PIN_RE.fullmatch(code):
        return validate_pin(code, today=today).pin

    if _TAX_10_RE.fullmatch(code):
        main, suffix = code, None
    elif match := _TAX_13_RE.fullmatch(code):
        main, suffix = match.group(1), match.group(2)
    else:
        raise IdentifierError("tax_code_format", format_message)

    if tax_code_check_digit(main[:9]) != int(main[9]):
        raise IdentifierError("tax_code_check_digit")
    if suffix is None:
        return main
    if suffix == "000":
        raise IdentifierError("tax_code_suffix")
    return f"{main}-{suffix}"


# -------------------------------------------------------------- agency identifier code

_AGENCY_RE: Final = re.compile(r"([0-9]{3})\.([0-9]{2})\.([0-9]{2})\.([A-Za-z][0-9]{2})")


@dataclass(frozen=True, slots=True)
class AgencyCode:
    """A parsed agency electronic identifier code ``LLL.LL.LL.Xnn`` (QCVN 102:2016/BTTTT).

    Levels are read right to left. A level made of zeros means "the agency of the level
    above itself"; a non-zero level below a zero level is invalid.

    Attributes:
        level1: the rightmost group, an uppercase letter and two digits (``"H41"``).
        level2: two digits (``"00"`` if unused).
        level3: two digits (``"00"`` if unused).
        level4: three digits (``"000"`` if unused).
    """

    level1: str
    level2: str = "00"
    level3: str = "00"
    level4: str = "000"

    def __post_init__(self) -> None:
        """Check the parts, so that an :class:`AgencyCode` is always valid.

        Raises:
            IdentifierError: ``agency_code_format`` or ``agency_code_hierarchy``.
        """
        if not _AGENCY_RE.fullmatch(self.code) or not self.level1[0].isupper():
            raise IdentifierError("agency_code_format")
        if (self.level3 != "00" and self.level2 == "00") or (
            self.level4 != "000" and self.level3 == "00"
        ):
            raise IdentifierError("agency_code_hierarchy")

    @property
    def code(self) -> str:
        """The code written as ``LLL.LL.LL.Xnn``."""
        return f"{self.level4}.{self.level3}.{self.level2}.{self.level1}"

    @property
    def depth(self) -> int:
        """The deepest non-zero level: 1 to 4."""
        if self.level4 != "000":
            return 4
        if self.level3 != "00":
            return 3
        if self.level2 != "00":
            return 2
        return 1

    def parent(self) -> AgencyCode | None:
        """The parent agency (the deepest level set to zeros), or ``None`` at level 1."""
        depth = self.depth
        if depth == 4:
            return AgencyCode(self.level1, self.level2, self.level3)
        if depth == 3:
            return AgencyCode(self.level1, self.level2)
        if depth == 2:
            return AgencyCode(self.level1)
        return None

    def parent_code(self) -> str | None:
        """The code of the parent agency, or ``None`` at level 1."""
        parent = self.parent()
        return parent.code if parent is not None else None

    def __str__(self) -> str:
        """Return :attr:`code`."""
        return self.code


def parse_agency_code(code: str) -> AgencyCode:
    """Parse an agency electronic identifier code.

    Surrounding whitespace is ignored and the level-1 letter is uppercased.

    Raises:
        IdentifierError: ``agency_code_format`` unless the value matches ``LLL.LL.LL.Xnn``;
            ``agency_code_hierarchy`` when a level is set while the level above it is zero
            (e.g. ``000.01.00.H29``).
    """
    if not isinstance(code, str):
        raise IdentifierError("agency_code_format")
    match = _AGENCY_RE.fullmatch(code.strip())
    if match is None:
        raise IdentifierError("agency_code_format")
    level4, level3, level2, level1 = match.groups()
    return AgencyCode(level1=level1.upper(), level2=level2, level3=level3, level4=level4)


def validate_agency_code(value: str) -> str:
    """Validate an agency electronic identifier code and return it normalised.

    Raises:
        IdentifierError: as :func:`parse_agency_code`.
    """
    return parse_agency_code(value).code


# ------------------------------------------------------------------------ tracking key

#: Crockford's base 32: no I, L, O or U, so nothing reads as another letter or a digit.
_CROCKFORD: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_READS: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
_TRACKING_RANDOM: Final = 15  # 75 random bits
_OLD_TRACKING_KEY = re.compile(r"[0-9A-F]{6}")


def _luhn_mod_32(symbols: str) -> str:
    """The Luhn mod N check symbol (N = 32): catches every single wrong symbol and every
    swap of two neighbours but 0 and Z (Luhn's one blind spot)."""
    factor, total = 2, 0
    for ch in reversed(symbols):
        addend = factor * _CROCKFORD.index(ch)
        total += addend // 32 + addend % 32
        factor = 1 if factor == 2 else 2
    return _CROCKFORD[(32 - total % 32) % 32]


def new_tracking_key() -> str:
    """A dossier's public tracking key: 15 random symbols of Crockford's base 32 (75
    bits) and a check symbol, 16 in all; :func:`format_tracking_key` groups them."""
    n = int.from_bytes(secrets.token_bytes(10)) >> 5  # 75 bits
    body = "".join(_CROCKFORD[(n >> (5 * i)) & 31] for i in range(_TRACKING_RANDOM))
    return body + _luhn_mod_32(body)


def format_tracking_key(key: str) -> str:
    """``7KQ4M2XD9TPBH5RA`` → ``7KQ4-M2XD-9TPB-H5RA`` (an older 6-symbol key as it is)."""
    if len(key) != _TRACKING_RANDOM + 1:
        return key
    return "-".join(key[i : i + 4] for i in range(0, len(key), 4))


def normalize_tracking_key(value: str) -> str:
    """The key as stored, from what a person typed: any case, spaces or dashes, O for 0
    and I or L for 1. Raises IdentifierError ``tracking_key_format`` or
    ``tracking_key_check`` (a mistyped key, caught without looking anything up).
    Keys of the first release (6 hexadecimal digits, no check) are still read."""
    if not isinstance(value, str):
        raise IdentifierError("tracking_key_format")
    compact = re.sub(r"[\s\-–.]", "", value).upper()
    if _OLD_TRACKING_KEY.fullmatch(compact):
        return compact
    compact = compact.translate(_CROCKFORD_READS)
    if len(compact) != _TRACKING_RANDOM + 1 or any(ch not in _CROCKFORD for ch in compact):
        raise IdentifierError("tracking_key_format")
    if _luhn_mod_32(compact[:-1]) != compact[-1]:
        raise IdentifierError("tracking_key_check")
    return compact


# --------------------------------------------------------------------- Django validators


def pin_validator(value: str) -> None:
    """Django validator for a personal identification number.

    Raises:
        ValidationError: with the :class:`IdentifierError` message and ``code``.
    """
    try:
        validate_pin(value)
    except IdentifierError as exc:
        raise _to_validation_error(exc) from exc


def tax_code_validator(value: str) -> None:
    """Django validator for a tax code (10 or 13 digits; not a personal identification number).

    Raises:
        ValidationError: with the :class:`IdentifierError` message and ``code``.
    """
    try:
        normalize_tax_code(value)
    except IdentifierError as exc:
        raise _to_validation_error(exc) from exc


def agency_code_validator(value: str) -> None:
    """Django validator for an agency electronic identifier code.

    Raises:
        ValidationError: with the :class:`IdentifierError` message and ``code``.
    """
    try:
        validate_agency_code(value)
    except IdentifierError as exc:
        raise _to_validation_error(exc) from exc
