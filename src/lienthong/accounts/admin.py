from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from lienthong.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "kind", "pin", "tax_code", "is_staff", "is_active")
    list_filter = ("kind", "is_staff", "is_active")
    search_fields = ("username", "full_name", "pin", "tax_code", "email")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Định danh"), {"fields": ("kind", "full_name", "pin", "tax_code")}),
    )
