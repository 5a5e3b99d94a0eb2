"""Writes of the geography app: spreadsheet conversion jobs."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from django.core.files.base import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from lienthong.core import audit, files, spreadsheets
from lienthong.core.errors import InvalidInput, InvalidParam, NotFound, PermissionDenied
from lienthong.geo.files import XLSX_LIMITS, FileFormatError, convert_file, count_rows
from lienthong.geo.models import ConversionJob, JobStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser, AnonymousUser

__all__ = ["MAX_UPLOAD_BYTES", "run_conversion_job", "start_conversion"]

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
ALLOWED_SUFFIXES = (".csv", ".xlsx")


def start_conversion(
    *, actor: AbstractUser | AnonymousUser, upload: UploadedFile[bytes], column: str = ""
) -> ConversionJob:
    """Store the upload and queue its conversion; nothing is stored when the file is refused."""
    if not actor.is_authenticated:
        raise PermissionDenied("Cần đăng nhập để chuyển đổi tệp.")
    if not (actor.is_staff or getattr(actor, "kind", "") == "official"):
        raise PermissionDenied("Chỉ cán bộ, công chức được chuyển đổi tệp địa chỉ.")
    name = Path(upload.name or "").name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise InvalidInput(
            "Chỉ nhận tệp .csv hoặc .xlsx.",
            invalid_params=[
                InvalidParam("file", "unsupported_format", "Chỉ nhận tệp .csv hoặc .xlsx.")
            ],
        )
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            "Tệp lớn hơn 100 MB; hãy dùng lệnh 'lienthong geo convert' cho tệp lớn.",
            invalid_params=[InvalidParam("file", "too_large", "Tệp lớn hơn 100 MB.")],
        )
    if name.lower().endswith(".xlsx") and upload.file is not None:
        # A zip bomb is refused here, from the zip's directory, before it is stored.
        try:
            spreadsheets.check_archive(upload.file, XLSX_LIMITS)
        except spreadsheets.SpreadsheetRefused as exc:
            raise InvalidInput(
                exc.message, invalid_params=[InvalidParam("file", exc.code, exc.message)]
            ) from exc
    from lienthong.geo.tasks import convert_uploaded_file

    job = ConversionJob(
        uuid=uuid.uuid4(), owner_id=actor.pk, original_name=name, column=column.strip()
    )
    with files.staging() as staged, transaction.atomic():
        job.input_file = staged.add(
            ConversionJob._meta.get_field("input_file").generate_filename(job, name), upload
        )
        job.save()
        staged.settle()
        audit.record(
            "geo.conversion_started",
            actor=actor,
            object_type="geo_conversion_job",
            object_id=job.uuid,
            data={"file": name, "bytes": upload.size},
        )
        transaction.on_commit(lambda: convert_uploaded_file.enqueue(str(job.uuid)))
    return job


def run_conversion_job(job_uuid: str) -> ConversionJob:
    """Convert a stored upload, recording progress; a bad file ends as 'failed' with a reason."""
    job = ConversionJob.objects.filter(uuid=job_uuid).first()
    if job is None:
        raise NotFound(f"Không có lượt chuyển đổi {job_uuid}")
    if job.status == JobStatus.DONE:
        return job
    with tempfile.TemporaryDirectory(prefix="lienthong-geo-") as work:
        # The converter reads and writes local files; the input and the output live in
        # the platform's storage (local disk or object store), copied in and out here.
        suffix = Path(job.input_file.name or "").suffix.lower()
        src = Path(work) / f"input{suffix}"
        with job.input_file.open("rb") as stored, src.open("wb") as local:
            shutil.copyfileobj(stored, local)
        return _convert(job, src, Path(work))


def _convert(job: ConversionJob, src: Path, work: Path) -> ConversionJob:
    from lienthong.geo.selectors import address_index

    stem = Path(job.original_name).stem
    suffix = src.suffix
    out_name = f"{stem}-dia-chi-moi{suffix}"
    dst = work / f"output{suffix}"
    # Pending until the job row names it: a killed conversion leaves no stray output.
    staged = files.Staging()
    job.status = JobStatus.RUNNING
    try:
        job.total_rows = count_rows(src)
    except Exception:  # unreadable: convert_file below reports why
        job.total_rows = None
    job.save(update_fields=["status", "total_rows"])

    def progress(rows: int) -> None:
        ConversionJob.objects.filter(pk=job.pk).update(processed_rows=rows)

    try:
        summary = convert_file(
            src,
            dst,
            index=address_index(),
            column=job.column or None,
            language="vi",
            progress=progress,
            progress_every=2000,
        )
        with dst.open("rb") as converted:
            output = staged.add(
                str(Path(job.input_file.name or "").with_name(out_name)), File(converted)
            )
    except FileFormatError as exc:
        job.status, job.error = JobStatus.FAILED, str(exc)
    except Exception as exc:  # keep the job visible with a reason, never a silent loss
        job.status, job.error = JobStatus.FAILED, f"Lỗi khi đọc tệp: {type(exc).__name__}"
    else:
        job.status = JobStatus.DONE
        job.summary = summary.as_dict()
        job.processed_rows = summary.rows
        job.output_file.name = output
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save()
        audit.record(
            "geo.conversion_finished",
            actor="system:worker",
            object_type="geo_conversion_job",
            object_id=job.uuid,
            data={"status": job.status, "summary": job.summary, "error": job.error},
        )
        if job.status == JobStatus.DONE:
            staged.settle()
    if job.status != JobStatus.DONE:
        staged.discard()  # a partial output
    return job
