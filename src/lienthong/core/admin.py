"""Read-only admin views of the outbox and the audit log (they are never edited by hand)."""

from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from lienthong.core.models import AuditEntry, OutboxDelivery, OutboxEvent

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
