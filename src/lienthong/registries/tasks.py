"""Background work of the registries app."""

from __future__ import annotations

from django_tasks import task

from lienthong.registries import quality


@task()
def check_quality(run_id: int) -> dict[str, object]:
    job = quality.run(run_id)
    return {"status": job.status, "records": job.processed}


@task()
def convert_legacy_addresses(registry_code: str) -> dict[str, int]:
    from lienthong.registries import selectors, services

    summary = services.convert_addresses(actor=None, registry=selectors.get_registry(registry_code))
    return {
        "converted": summary.converted,
        "queued": summary.queued,
        "unresolved": summary.unresolved,
    }
