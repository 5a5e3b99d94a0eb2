"""The admin (/quan-tri/) of accounts, roles, API clients and the identity provider's rows.

Two rules (issue 13):

* the admin changes nothing about who may do what: privileges (superuser, staff,
  groups, permissions), identification numbers and roles are read-only here. Roles
  are granted and revoked on the agency's officials page or the API, which audit;
  the one thing an administrator edits on an account (name, e-mail, active) goes
  through ``services.update_account``, which appends to the audit chain;
* no secret is shown: client secrets (clear or hashed), tokens, authorization codes
  and authenticator keys are left out of every page, which list their fields
  explicitly so that a field added by a library upgrade stays hidden.

Libraries register their own admins for the OAuth2 provider's models, the TOTP
devices and auth's groups (with editable, secret-bearing forms); they are replaced
by the read-only ones below.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from lienthong.accounts import services
from lienthong.accounts.models import ApiClient, RoleAssignment, User
from lienthong.accounts.permissions import is_platform_admin
from lienthong.core.admin import ReadOnlyAdmin

if TYPE_CHECKING:
    # The stubs make the admin classes generic in their models; Django's are not subscriptable.
    _RoleInline = admin.TabularInline[RoleAssignment, User]
    _UserAdmin = BaseUserAdmin[User]
    _ModelAdmin = admin.ModelAdmin[Model]
else:
    _RoleInline = admin.TabularInline
    _UserAdmin = BaseUserAdmin
    _ModelAdmin = admin.ModelAdmin

# Their registrations are replaced below, whatever the order of INSTALLED_APPS.
for _library_admin in (
    "django.contrib.auth.admin",
    "django_otp.plugins.otp_totp.admin",
    "oauth2_provider.admin",
):
    import_module(_library_admin)


class RoleInline(_RoleInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ["agency", "role", "granted_at", "granted_by", "revoked_at", "revoked_by"]
    readonly_fields = ["agency", "role", "granted_at", "granted_by", "revoked_at", "revoked_by"]
    can_delete = False
    verbose_name_plural = _("Vai trò (giao, thu hồi tại trang Quản lý cán bộ để có nhật ký)")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AccountForm(forms.ModelForm[User]):
    """The only fields of an account the admin edits (through an audited service)."""

    class Meta:
        model = User
        fields = ["full_name", "email", "is_active"]


@admin.register(User)
class UserAdmin(_UserAdmin):
    list_display = ["username", "full_name", "kind", "pin", "tax_code", "is_active"]
    list_filter = ["kind", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "full_name", "pin", "tax_code", "email"]
    form = AccountForm
    fieldsets = (
        (None, {"fields": ("username", "full_name", "email", "is_active")}),
        (_("Định danh"), {"fields": ("kind", "pin", "tax_code")}),
        (
            _("Quyền quản trị hệ thống (chỉ xem tại đây)"),
            {"fields": ("is_staff", "is_superuser", "last_login", "date_joined")},
        ),
    )
    readonly_fields = (
        "username",
        "kind",
        "pin",
        "tax_code",
        "is_staff",
        "is_superuser",
        "last_login",
        "date_joined",
    )
    filter_horizontal = ()
    inlines = [RoleInline]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts come from the e-ID login, from adding an official, or from provisioning.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # services.update_account checks the same; the page only shows what it would refuse.
        return is_platform_admin(request.user) and super().has_change_permission(request, obj)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Setting someone's password would let an administrator log in as them, unaudited.
        raise PermissionDenied

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        services.update_account(
            actor=cast("User", request.user),  # the admin site lets in logged-in staff only
            user_id=obj.pk,
            full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data["email"],
            is_active=form.cleaned_data["is_active"],
        )
        obj.refresh_from_db()


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyAdmin):
    list_display = ["application", "agency", "created_at", "created_by"]
    fields = ["application", "agency", "created_at", "created_by"]
    raw_id_fields = ["application", "agency", "created_by"]


# --------------------------------------- the OAuth2 provider's rows: no secret in sight


def _replace(model: type[Model], admin_class: type[_ModelAdmin]) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["name", "client_id", "client_type", "authorization_grant_type", "created"]
    list_filter = ["client_type", "authorization_grant_type"]
    search_fields = ["name", "client_id"]
    fields = [
        "name",
        "client_id",
        "client_type",
        "authorization_grant_type",
        "redirect_uris",
        "post_logout_redirect_uris",
        "algorithm",
        "skip_authorization",
        "user",
        "created",
        "updated",
    ]


class AccessTokenAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "application", "scope", "expires"]
    list_select_related = ["user", "application"]
    fields = ["user", "application", "scope", "expires", "created", "updated"]
    raw_id_fields = ["user"]


class RefreshTokenAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "application", "created", "revoked"]
    list_select_related = ["user", "application"]
    fields = ["user", "application", "created", "updated", "revoked"]
    raw_id_fields = ["user"]


class GrantAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "application", "expires"]
    list_select_related = ["user", "application"]
    fields = ["user", "application", "redirect_uri", "scope", "expires", "created"]
    raw_id_fields = ["user"]


class IDTokenAdmin(ReadOnlyAdmin):
    list_display = ["pk", "user", "application", "expires"]
    list_select_related = ["user", "application"]
    fields = ["user", "application", "scope", "expires", "created"]
    raw_id_fields = ["user"]


class TOTPDeviceAdmin(ReadOnlyAdmin):
    """Second factors: who has one, and since when (their keys are never shown)."""

    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at"]
    raw_id_fields = ["user"]


class GroupAdmin(ReadOnlyAdmin):
    """Unused by the platform (roles are per agency); shown, never changed here."""

    fields = ["name", "permissions"]


_replace(Application, ApplicationAdmin)
_replace(AccessToken, AccessTokenAdmin)
_replace(RefreshToken, RefreshTokenAdmin)
_replace(Grant, GrantAdmin)
_replace(IDToken, IDTokenAdmin)
_replace(TOTPDevice, TOTPDeviceAdmin)
_replace(Group, GroupAdmin)
