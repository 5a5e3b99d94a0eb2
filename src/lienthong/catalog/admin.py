from django.contrib import admin

from lienthong.catalog.models import Component, GroupMember, ProcedureGroup, ProcedureVersion


class ComponentInline(admin.TabularInline):
    model = Component
    extra = 0


@admin.register(ProcedureVersion)
class ProcedureVersionAdmin(admin.ModelAdmin):
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


class MemberInline(admin.TabularInline):
    model = GroupMember
    extra = 0
    raw_id_fields = ["procedure"]


@admin.register(ProcedureGroup)
class ProcedureGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "total_days"]
    inlines = [MemberInline]
