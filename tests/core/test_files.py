"""Files stored with their row or not at all (core/files.py): pending names, the sweep
for killed writes, and the scan for files no row names."""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from lienthong.core import files
from lienthong.core.models import AuditEntry, PendingFile

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored(media: Path) -> list[str]:
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def _fail(message: str) -> None:
    raise RuntimeError(message)


def test_a_write_that_fails_before_its_commit_leaves_no_file(media):
    seen = []
    with pytest.raises(RuntimeError, match="insert"), files.staging() as staged:  # noqa: PT012
        seen.append(staged.add("x/a.pdf", b"%PDF-1.4"))
        seen.append(stored(media))
        _fail("the insert failed")
    assert seen == ["x/a.pdf", ["x/a.pdf"]]
    assert stored(media) == []
    assert not PendingFile.objects.exists()


def _job(name: str):
    from django.contrib.auth import get_user_model

    from lienthong.geo.models import ConversionJob

    owner, _ = get_user_model().objects.get_or_create(username="file-owner")
    return ConversionJob.objects.create(
        uuid=uuid.uuid4(), owner=owner, input_file=name, original_name="a.csv"
    )


def test_a_write_whose_rows_committed_keeps_its_file_even_when_something_fails_after(media):
    with pytest.raises(RuntimeError, match="later"), files.staging() as staged:  # noqa: PT012
        name = staged.add("x/a.csv", b"a")
        with transaction.atomic():
            _job(name)
            staged.settle()  # the row naming the file commits here
        _fail("a later step failed")
    assert stored(media) == ["x/a.csv"]
    assert not PendingFile.objects.exists()


def test_a_rolled_back_transaction_keeps_the_name_pending_so_the_file_goes(media):
    with (  # noqa: PT012
        pytest.raises(RuntimeError, match="commit"),
        files.staging() as staged,
        transaction.atomic(),
    ):
        staged.add("x/a.pdf", b"%PDF-1.4")
        staged.settle()
        _fail("the commit never came")
    assert stored(media) == []


def test_a_storage_that_fails_midway_leaves_no_partial_file(media, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    real = FileSystemStorage._save

    def half_then_fail(self, name, content):
        Path(self.path(name)).parent.mkdir(parents=True, exist_ok=True)
        Path(self.path(name)).write_bytes(b"%PDF-1")  # a truncated write
        raise OSError("disk full")

    monkeypatch.setattr(FileSystemStorage, "_save", half_then_fail)
    with pytest.raises(OSError, match="disk full"), files.staging() as staged:
        staged.add("x/a.pdf", b"%PDF-1.4 whole")
    monkeypatch.setattr(FileSystemStorage, "_save", real)
    assert stored(media) == []
    assert not PendingFile.objects.exists()


def test_a_killed_write_is_swept_after_the_grace_period_only(media):
    # What a killed process leaves: the name committed as pending, the file written.
    staged = files.Staging()
    staged.add("x/killed.pdf", b"%PDF-1.4")
    assert files.sweep() == 0  # it may still be a write in progress
    assert stored(media) == ["x/killed.pdf"]
    later = timezone.now() + files.GRACE + dt.timedelta(seconds=1)
    assert files.sweep(now=later) == 1
    assert stored(media) == []
    assert not PendingFile.objects.exists()


def test_the_sweep_removes_a_pending_name_whose_file_was_never_written(media):
    PendingFile.objects.create(name="x/never.pdf", created_at=timezone.now() - dt.timedelta(days=1))
    assert files.sweep() == 1
    assert not PendingFile.objects.exists()


def test_the_worker_runs_the_sweep_and_audits_what_it_removed(media):
    from lienthong.core.periodic import jobs

    (job,) = [j for j in jobs() if j.name == "core.sweep-pending-files"]
    files.Staging().add("x/killed.pdf", b"%PDF-1.4")
    PendingFile.objects.update(created_at=timezone.now() - dt.timedelta(hours=2))
    assert job.run() == 1
    assert stored(media) == []
    assert AuditEntry.objects.filter(action="files.swept").last().data == {"removed": 1}


def _age(path: Path, seconds: float) -> None:
    t = time.time() - seconds
    os.utime(path, (t, t))


def test_the_scan_reports_files_no_row_names_and_removes_them_when_asked(media, capsys):
    (media / "geo/conversions/u").mkdir(parents=True)
    (media / "geo/conversions/u/kept.csv").write_text("a")
    _job("geo/conversions/u/kept.csv")
    (media / "dossiers/2026/12").mkdir(parents=True)
    orphan = media / "dossiers/2026/12/orphan.pdf"
    orphan.write_bytes(b"%PDF-1.4 orphan")
    young = media / "dossiers/2026/12/young.pdf"
    young.write_bytes(b"%PDF")
    pending = media / "dossiers/2026/12/pending.pdf"
    pending.write_bytes(b"%PDF")
    PendingFile.objects.create(name="dossiers/2026/12/pending.pdf")
    for p in (media / "geo/conversions/u/kept.csv", orphan, pending):
        _age(p, 7200)

    found = files.scan()
    assert found.names == ["dossiers/2026/12/orphan.pdf"]
    assert (found.checked, found.bytes, found.removed) == (4, 15, 0)
    assert orphan.exists()

    call_command("files", "scan", "--remove")
    out = capsys.readouterr().out
    assert "dossiers/2026/12/orphan.pdf" in out
    assert "1 tệp mồ côi" in out
    assert not orphan.exists()
    assert young.exists()
    assert pending.exists()
    assert (media / "geo/conversions/u/kept.csv").exists()
    assert AuditEntry.objects.filter(action="files.orphans_removed").exists()


def test_the_scan_of_an_empty_storage_finds_nothing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not-yet"
    assert files.scan().checked == 0
