"""Admin of the agency directory: contact details, corrections, counters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from lienthong.core.admin import AuditedAdmin
from lienthong.directory.constants import AgencyKind
from lienthong.directory.models import Agency, Counter
from lienthong.directory.selectors import search_key

if TYPE_CHECKING:
    # The stubs make the admin classes generic in their models; Django's are not subscriptable.
    _CounterInline = admin.TabularInline[Counter, Agency]
    _AgencyAdmin = admin.ModelAdmin[Agency]
    _CounterAdmin = admin.ModelAdmin[Counter]
else:
    _CounterInline = admin.TabularInline
    # Every admin edit is audited (core.admin.AuditedAdmin).
    _AgencyAdmin = _CounterAdmin = AuditedAdmin


class CounterInline(_CounterInline):
    model = Counter
    fk_name = "centre"
    extra = 0
    raw_id_fields = ("serves",)
    fields = ("number", "name", "serves", "fields", "active")


@admin.register(Agency)
class AgencyAdmin(_AgencyAdmin):
    list_display = ("code", "name", "block", "level", "kind", "provisional_code", "valid_to")
    list_filter = ("block", "level", "kind", "provisional_code")
    search_fields = ("code", "name", "search_key")
    raw_id_fields = ("parent", "unit", "province")
    list_select_related = ("unit",)
    readonly_fields = ("search_key",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_inlines(self, request: HttpRequest, obj: Agency | None) -> list[type[Any]]:
        """Counters belong to service centres only."""
        return [CounterInline] if obj is not None and obj.kind == AgencyKind.SERVICE_CENTRE else []

    def save_model(self, request: HttpRequest, obj: Agency, form: Any, change: bool) -> None:
        obj.search_key = search_key(obj.name)  # the loader's form, so searches find it
        super().save_model(request, obj, form, change)


@admin.register(Counter)
class CounterAdmin(_CounterAdmin):
    list_display = ("centre", "number", "name", "serves", "active")
    list_filter = ("active",)
    search_fields = ("name", "centre__name", "centre__code")
    raw_id_fields = ("centre", "serves")
    list_select_related = ("centre", "serves")
