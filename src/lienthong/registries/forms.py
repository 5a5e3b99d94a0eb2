"""Forms of the registries pages (the services check again)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from lienthong.core.text import LineField, NameField
from lienthong.registries.datasets import (
    DATASETS,
    RECORD,
    SERVICES,
    WRITE_SERVICES,
    dataset,
    services_of,
)


class TrackerFilter(forms.Form):
    registry = forms.ChoiceField(label=_("Cơ sở dữ liệu"), required=False)
    since = forms.DateField(
        label=_("Từ ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        registries = [(code, str(d.name)) for code, d in DATASETS.items()]
        cast(forms.ChoiceField, self.fields["registry"]).choices = [("", _("Tất cả")), *registries]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", _("Đến ngày phải sau từ ngày."))
        return data


class LookupForm(forms.Form):
    agency = forms.ChoiceField(label=_("Khai thác thay mặt cơ quan"))
    service = forms.ChoiceField(label=_("Dịch vụ dữ liệu"))
    id = LineField(label=_("Số định danh cá nhân hoặc mã số thuế"), max_length=20)
    purpose = LineField(label=_("Mục đích"), max_length=500)
    dossier = LineField(label=_("Mã hồ sơ (nếu có)"), max_length=40, required=False)
    full_name = NameField(
        label=_("Họ và tên đã khai (xác thực thông tin)"), max_length=200, required=False
    )
    birth_date = forms.DateField(
        label=_("Ngày sinh đã khai (xác thực thông tin)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self, *args: Any, agencies: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = agencies or []
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            (s.code, f"{s.name}") for s in SERVICES.values()
        ]


class GrantForm(forms.Form):
    consumer = LineField(
        label=_("Mã định danh cơ quan khai thác"),
        max_length=13,
        help_text=_("Ví dụ 000.00.03.H41 (tra tại trang Cơ quan)."),
    )
    client_id = LineField(
        label=_("Chỉ cho hệ thống (client id, để trống: mọi cán bộ, hệ thống của cơ quan)"),
        max_length=100,
        required=False,
    )
    services = forms.MultipleChoiceField(
        label=_("Dịch vụ dữ liệu"), widget=forms.CheckboxSelectMultiple
    )
    data_fields = forms.MultipleChoiceField(
        label=_("Trường dữ liệu được cung cấp"), widget=forms.CheckboxSelectMultiple
    )
    purpose = LineField(label=_("Mục đích"), max_length=500)
    legal_basis = LineField(label=_("Căn cứ pháp lý"), max_length=500)
    valid_from = forms.DateField(
        label=_("Hiệu lực từ ngày"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        label=_("Hiệu lực đến ngày"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    per_minute = forms.IntegerField(
        label=_("Số lượt tối đa mỗi phút"), min_value=1, max_value=100_000, initial=600
    )

    def __init__(self, *args: Any, registry: str = "population", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["services"]).choices = [
            *((s.code, str(s.name)) for s in services_of(registry)),
            (RECORD, str(_("Đọc bản ghi theo mã (mọi trường được cấp)"))),
            *(
                (w.code, str(_("Ghi: %(n)s") % {"n": w.name}))
                for w in WRITE_SERVICES.values()
                if w.registry == registry
            ),
        ]
        cast(forms.ChoiceField, self.fields["data_fields"]).choices = [
            (f.name, str(f.label)) for f in dataset(registry).fields
        ]
