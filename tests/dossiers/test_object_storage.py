"""Files on an S3-compatible object store (a real one: rclone's ``serve s3``).

Uploads, supplements, signed results and address-conversion files go through Django's
storage API to the bucket; downloads are streamed through the permission check after
their checksum is verified; a failed write leaves no object; the orphan scan walks the
bucket.
"""

from __future__ import annotations

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import DatabaseError

from lienthong.core import files as stored_files
from lienthong.core.models import AuditEntry, PendingFile
from lienthong.dossiers import services, workflow
from lienthong.dossiers.models import Dossier, DossierFile
from lienthong.dossiers.services import act
from tests.dossiers.conftest import PDF, file_online, form, pdf


@pytest.fixture
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def test_a_dossiers_files_are_stored_in_the_bucket_and_served_through_the_check(
    cast, client, object_storage, local_media
):
    server, prefix = object_storage
    d = file_online(cast)
    row = d.files.exclude(file="").get()
    objects = server.objects(prefix)
    assert [p.relative_to(server.root / "lienthong" / prefix).as_posix() for p in objects] == [
        row.file.name
    ]
    assert objects[0].read_bytes() == PDF
    assert not local_media.exists()  # nothing on this server's own disk
    client.force_login(cast.citizen)
    response = client.get(f"/ho-so/{d.code}/tep/{row.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "no-store" in response["Cache-Control"]
    # Another commune's official gets the same 404 as for a missing file.
    client.force_login(cast.other_specialist)
    assert client.get(f"/ho-so/{d.code}/tep/{row.pk}/").status_code == 404


def test_an_object_altered_in_the_bucket_is_never_served(cast, client, object_storage):
    server, prefix = object_storage
    d = file_online(cast)
    row = d.files.exclude(file="").get()
    (obj,) = server.objects(prefix)
    obj.write_bytes(PDF.replace(b"%PDF", b"%PDX"))
    client.force_login(cast.citizen)
    response = client.get(f"/ho-so/{d.code}/tep/{row.pk}/")
    assert response.status_code == 503
    assert "không khớp mã kiểm tra" in response.content.decode()
    assert AuditEntry.objects.filter(action="file.damaged", object_id=row.file.name).exists()
    with pytest.raises(stored_files.DamagedFile):
        stored_files.open_verified(row.file, row.sha256)


def test_a_failed_step_leaves_no_object(cast, object_storage, monkeypatch):
    server, prefix = object_storage
    d = file_online(cast)
    for actor, action, kw in [
        (cast.clerk_elsewhere, "receive", {}),
        (cast.specialist, "request_supplement", {"note": "Thiếu bản vẽ"}),
    ]:
        act(actor=actor, code=d.code, action=action, **kw)
    before = server.objects(prefix)

    def fail(*args, **kwargs):
        raise DatabaseError("the step failed")

    monkeypatch.setattr(workflow.DossierMachine, "record", fail)
    with pytest.raises(DatabaseError):
        act(
            actor=cast.citizen,
            code=d.code,
            action="supplement",
            uploads=[services.Upload("Giấy tờ bổ sung", pdf("bo-sung.pdf"))],
        )
    assert server.objects(prefix) == before
    assert not PendingFile.objects.exists()
    assert not DossierFile.objects.filter(supplement=True).exists()


def test_the_orphan_scan_walks_the_bucket(cast, object_storage):
    server, prefix = object_storage
    file_online(cast)
    # What a process killed between its write and its pending row would leave.
    name = default_storage.save("dossiers/2020/01/mo-coi.pdf", ContentFile(PDF))
    stray = server.root / "lienthong" / prefix / name
    assert stray.exists()
    out = io.StringIO()
    call_command("files", "scan", "--remove", "--older-than-minutes", "0", stdout=out)
    assert not stray.exists()
    assert len(server.objects(prefix)) == 1  # the dossier's own file stays
    assert Dossier.objects.count() == 1


def test_a_signed_result_is_kept_in_the_bucket(cast, client, object_storage, settings, tmp_path):
    from lienthong.core.outbox import dispatch

    settings.SIGNING_PKI_DIR = tmp_path / "pki"
    server, prefix = object_storage
    d = file_online(cast, uploads=form())
    for actor, action, kw in [
        (cast.clerk_elsewhere, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "approve", {}),
        (cast.leader, "issue_result", {}),
    ]:
        act(actor=actor, code=d.code, action=action, **kw)
    while dispatch():
        pass
    names = [p.name for p in server.objects(prefix)]
    assert len(names) == 2  # the declaration and the signed result
    client.force_login(cast.citizen)
    response = client.get(f"/ho-so/{d.code}/ket-qua.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert b"/ByteRange" in response.content  # the signed copy, not a new rendering
