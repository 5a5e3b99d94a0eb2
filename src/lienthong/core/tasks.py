"""Background work of the shared kernel (django-tasks; run by ``lienthong worker``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from lienthong.core import audit, files, throttle
from lienthong.core.periodic import register_periodic


@task()
def verify_audit_chain() -> dict[str, Any]:
    """Recompute the audit chain and record the outcome in the chain itself."""
    result = audit.verify()
    audit.record(
        "audit.verified",
        actor="system:worker",
        data={"checked": result.checked, "ok": result.ok, "problems": result.problems[:20]},
    )
    return {"checked": result.checked, "ok": result.ok, "problems": result.problems[:20]}


@register_periodic("core.seal-audit", every_seconds=2)
def seal_audit() -> int:
    """Link the entries the busiest writes left pending into the audit chain."""
    sealed = 0
    while batch := audit.seal():
        sealed += batch
    return sealed


@register_periodic("core.sweep-pending-files", every_seconds=600)
def sweep_pending_files() -> int:
    """Remove files whose writes failed or were killed (see core/files.py)."""
    removed = files.sweep()
    if removed:
        audit.record("files.swept", actor="system:worker", data={"removed": removed})
    return removed


@register_periodic("core.forget-throttle-counts", every_seconds=3600)
def forget_throttle_counts() -> int:
    """Drop attempt counts of ended windows."""
    return throttle.forget_old()
