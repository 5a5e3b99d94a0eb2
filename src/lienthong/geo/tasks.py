"""Background work of the geography app."""

from __future__ import annotations

from django_tasks import task

from lienthong.geo.services import run_conversion_job


@task()
def convert_uploaded_file(job_uuid: str) -> dict[str, object]:
    job = run_conversion_job(job_uuid)
    return {"status": job.status, "rows": job.processed_rows}
