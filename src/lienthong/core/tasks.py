"""Background work of the shared kernel (django-tasks; run by ``lienthong worker``)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from lienthong.core import audit


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
