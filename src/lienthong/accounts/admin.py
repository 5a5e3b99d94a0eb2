from typing import TYPE_CHECKING

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from lienthong.accounts.models import ApiClient, RoleAssignment, User

if TYPE_CHECKING:
    # The stubs make the admin classes generic in their models; Django's are not subscriptable.
    _RoleInline = admin.TabularInline[RoleAssignment, User]
    _UserAdmin = BaseUserAdmin[User]
    _ApiClientAdmin = admin.ModelAdmin[ApiClient]
else:
    _RoleInline = admin.TabularInline
    _UserAdmin = BaseUserAdmin
    _ApiClientAdmin = admin.ModelAdmin


class RoleInline(_RoleInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    raw_id_fields = ["agency", "granted_by", "revoked_by"]
    readonly_fields = ["agency", "role", "granted_at", "granted_by", "revoked_at", "revoked_by"]
    can_delete = False
    verbose_name_plural = _("Vai trò (giao, thu hồi tại trang Quản lý cán bộ để có nhật ký)")

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(_UserAdmin):
    list_display = ["username", "full_name", "kind", "pin", "tax_code", "is_active"]
    list_filter = ["kind", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "pin", "tax_code", "email"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Định danh"), {"fields": ("kind", "full_name", "pin", "tax_code")}),
    )
    inlines = [RoleInline]


@admin.register(ApiClient)
class ApiClientAdmin(_ApiClientAdmin):
    list_display = ["application", "agency", "created_at"]
    raw_id_fields = ["application", "agency", "created_by"]
