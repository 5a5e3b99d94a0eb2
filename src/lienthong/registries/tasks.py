"""Background work of the registries app."""

from __future__ import annotations

from django_tasks import task

from lienthong.registries import quality


@task()
def check_quality(run_id: int) -> dict[str, object]:
    job = quality.run(run_id)
    return {"status": job.status, "records": job.processed}


@task()
def convert_legacy_addresses(run_id: int) -> dict[str, object]:
    from lienthong.registries import services

    job = services.run_conversion(run_id)
    return {"status": job.status, **job.results}
