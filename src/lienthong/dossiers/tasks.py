"""Background work of dossiers: the overdue sweep, run by the worker's scheduler."""

from __future__ import annotations

from django.conf import settings

from lienthong.core.periodic import register_periodic
from lienthong.dossiers import services


@register_periodic("dossiers.sweep-overdue", every_seconds=settings.OVERDUE_SWEEP_SECONDS)
def sweep_overdue() -> int:
    """Flag the open dossiers whose due date has passed."""
    return services.mark_overdue()
