"""Forms of the account pages (parsing only; rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lienthong.accounts.constants import Role
from lienthong.core.text import LineField, NameField


class PasswordLoginForm(forms.Form):
    username = LineField(label=_("Tên đăng nhập"), max_length=150)
    # Compared, never stored or shown: kept as typed (Django's CharField refuses NUL).
    password = forms.CharField(label=_("Mật khẩu"), widget=forms.PasswordInput, strip=False)


class TokenForm(forms.Form):
    token = LineField(
        label=_("Mã xác thực (6 số)"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class OfficialForm(forms.Form):
    pin = LineField(label=_("Số định danh cá nhân (CCCD)"), max_length=20)
    full_name = NameField(label=_("Họ và tên"), max_length=200)
    email = forms.EmailField(label=_("Thư điện tử công vụ"), required=False)
    roles = forms.MultipleChoiceField(
        label=_("Vai trò"), choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )
    position = LineField(
        label=_("Chức vụ (in dưới chữ ký trên giấy tờ kết quả, ví dụ: Phó Chủ tịch)"),
        max_length=120,
        required=False,
    )

    def __init__(self, *args: Any, allow_platform_admin: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = self.fields["roles"]
        if not allow_platform_admin and isinstance(roles, forms.ChoiceField):
            roles.choices = [c for c in Role.choices if c[0] != Role.PLATFORM_ADMIN]


class ApiClientForm(forms.Form):
    name = NameField(label=_("Tên hệ thống"), max_length=200)
