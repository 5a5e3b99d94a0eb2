"""Forms of the catalogue's back office."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lienthong.catalog.constants import TermKind
from lienthong.core.text import LineField, TextField


class TermForm(forms.Form):
    """A lexicon entry: the words people write and what they mean in the catalogue."""

    phrase = LineField(
        label=_("Cách người dân viết"),
        max_length=200,
        help_text=_("Ví dụ: sổ đỏ, CCCD, passport, tạm chú"),
    )
    means = LineField(
        label=_("Nghĩa theo danh mục"),
        max_length=500,
        help_text=_("Các từ trong tên thủ tục, ví dụ: giấy chứng nhận quyền sử dụng đất"),
    )
    kind = forms.ChoiceField(label=_("Loại"), choices=TermKind.choices)
    source = TextField(label=_("Nguồn hoặc lý do"), max_length=2000)
