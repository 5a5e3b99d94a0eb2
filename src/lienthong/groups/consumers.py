"""The platform moves interconnected applications as their dossiers settle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lienthong.core.outbox import consumer
from lienthong.groups import services

if TYPE_CHECKING:
    from lienthong.core.models import OutboxEvent


@consumer("groups.advance", topics=services.TOPICS)
def advance(event: OutboxEvent) -> None:
    """Record a member dossier's outcome and file the procedures that waited for it."""
    services.on_dossier_event(event.topic, event.aggregate_id, event.payload)
