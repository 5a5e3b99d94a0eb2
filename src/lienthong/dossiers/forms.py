"""Forms of the dossier pages (parsing only)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lienthong.core.text import TextField


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Mức độ hài lòng"),
        coerce=int,
        choices=[
            (5, _("Rất hài lòng")),
            (4, _("Hài lòng")),
            (3, _("Bình thường")),
            (2, _("Không hài lòng")),
            (1, _("Rất không hài lòng")),
        ],
        widget=forms.RadioSelect,
    )
    comment = TextField(
        label=_("Góp ý"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
