from typing import TYPE_CHECKING

from django.contrib import admin

from lienthong.catalog.models import Component, GroupMember, ProcedureGroup, ProcedureVersion
from lienthong.core.admin import AuditedAdmin

if TYPE_CHECKING:
    # The stubs make the admin classes generic in their models; Django's are not subscriptable.
    _ComponentInline = admin.TabularInline[Component, ProcedureVersion]
    _VersionAdmin = admin.ModelAdmin[ProcedureVersion]
    _MemberInline = admin.TabularInline[GroupMember, ProcedureGroup]
    _GroupAdmin = admin.ModelAdmin[ProcedureGroup]
else:
    _ComponentInline = _MemberInline = admin.TabularInline
    # Every admin edit is audited (core.admin.AuditedAdmin).
    _VersionAdmin = _GroupAdmin = AuditedAdmin


class ComponentInline(_ComponentInline):
    model = Component
    extra = 0


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(_VersionAdmin):
    """Read-only: drafts and publication go through the audited back office (/can-bo/thu-tuc/)."""

    list_display = ["procedure", "number", "name", "field", "status", "service_level"]
    list_filter = ["status", "service_level", "field"]
    search_fields = ["procedure__code", "name"]
    inlines = [ComponentInline]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False


class MemberInline(_MemberInline):
    model = GroupMember
    extra = 0
    raw_id_fields = ["procedure"]


@admin.register(ProcedureGroup)
class ProcedureGroupAdmin(_GroupAdmin):
    list_display = ["code", "name", "total_days"]
    inlines = [MemberInline]
