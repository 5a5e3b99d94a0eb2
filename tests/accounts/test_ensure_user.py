"""Provisioning accounts: identifiers are checked first, nothing is stored when wrong."""

from __future__ import annotations

import pytest

from lienthong.accounts.models import User, UserKind
from lienthong.accounts.services import ensure_user
from lienthong.core.errors import InvalidInput


@pytest.mark.django_db
def test_a_citizen_is_created_with_a_normalised_pin_and_audited():
    user = ensure_user(
        username="congdan1",
        password="MatKhau@2026",
        full_name="Nguyễn Văn An",
        pin="001 090 012 345",
    )
    assert user.pin == "001090012345"
    assert user.kind == UserKind.CITIZEN
    assert str(user) == "Nguyễn Văn An"


@pytest.mark.django_db
def test_a_bad_pin_is_refused_with_its_code_and_nothing_is_stored():
    with pytest.raises(InvalidInput) as err:
        ensure_user(username="congdan2", password="MatKhau@2026", pin="003090012345")
    assert err.value.invalid_params[0].code == "pin_province"
    assert not User.objects.filter(username="congdan2").exists()


@pytest.mark.django_db
def test_a_bad_tax_code_is_refused_with_its_code():
    with pytest.raises(InvalidInput) as err:
        ensure_user(
            username="dn1", password="MatKhau@2026", kind=UserKind.BUSINESS, tax_code="0100109107"
        )
    assert err.value.invalid_params[0].name == "tax_code"
    assert err.value.invalid_params[0].code == "tax_code_check_digit"
