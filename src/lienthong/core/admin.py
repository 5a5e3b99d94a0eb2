"""Read-only admin views of the outbox and the audit log (they are never edited by hand),
and the mixin that puts every admin edit of other apps in the audit chain."""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import transaction
from django.db.models import Model
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from lienthong.core import audit
from lienthong.core.models import AuditEntry, OutboxDelivery, OutboxEvent, PendingFile

if TYPE_CHECKING:
    # The stubs make ModelAdmin generic in its model; Django's class is not subscriptable.
    _ModelAdmin = admin.ModelAdmin[Model]
else:
    _ModelAdmin = admin.ModelAdmin


class ReadOnlyAdmin(_ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _admin_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


class AuditedAdmin(_ModelAdmin):
    """An admin whose every save and delete appends to the audit chain, in the same
    transaction (``admin.changed`` / ``admin.added`` / ``admin.deleted`` with the model,
    the key and the fields changed)."""

    def save_model(
        self, request: HttpRequest, obj: Model, form: ModelForm[Any], change: bool
    ) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit.record(
                "admin.changed" if change else "admin.added",
                actor=request.user,
                object_type=obj._meta.label_lower,
                object_id=obj.pk,
                data={"fields": sorted(form.changed_data)},
                ip=_admin_ip(request),
            )

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        with transaction.atomic():
            key, label = obj.pk, obj._meta.label_lower
            super().delete_model(request, obj)
            audit.record(
                "admin.deleted",
                actor=request.user,
                object_type=label,
                object_id=key,
                ip=_admin_ip(request),
            )

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            keys = [str(k) for k in queryset.values_list("pk", flat=True)]
            label = queryset.model._meta.label_lower
            super().delete_queryset(request, queryset)
            audit.record(
                "admin.deleted",
                actor=request.user,
                object_type=label,
                data={"keys": keys},
                ip=_admin_ip(request),
            )

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Any], formset: BaseFormSet[Any], change: bool
    ) -> None:
        with transaction.atomic():
            super().save_formset(request, form, formset, change)
            changed = [f.instance.pk for f in formset.forms if f.has_changed()]
            removed = [getattr(o, "pk", None) for o in getattr(formset, "deleted_objects", [])]
            if changed or removed:
                audit.record(
                    "admin.changed",
                    actor=request.user,
                    object_type=formset.model._meta.label_lower,  # type: ignore[attr-defined]
                    data={"keys": [str(k) for k in changed], "deleted": [str(k) for k in removed]},
                    ip=_admin_ip(request),
                )


@admin.register(PendingFile)
class PendingFileAdmin(ReadOnlyAdmin):
    list_display = ("name", "created_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "actor_label", "action", "object_type", "object_id", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("actor", "actor_label", "object_id")


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "topic", "aggregate_type", "aggregate_id")
    list_filter = ("topic",)


@admin.register(OutboxDelivery)
class OutboxDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event", "consumer", "status", "attempts", "next_attempt_at", "updated_at")
    list_filter = ("consumer", "status")
