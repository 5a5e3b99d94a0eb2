"""No file outlives a failed write: submissions, retries, signed results (issue 13 item 7)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import DatabaseError, IntegrityError

from lienthong.core.errors import InvalidInput
from lienthong.core.models import PendingFile
from lienthong.core.outbox import dispatch
from lienthong.dossiers import services, wallet, workflow
from lienthong.dossiers.models import Dossier, WalletDocument
from lienthong.dossiers.services import act, submit
from tests.dossiers.conftest import HOME, file_online, form, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.SIGNING_PKI_DIR = tmp_path / "pki"
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def stored(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_a_failed_insert_leaves_neither_the_dossier_nor_its_file(cast, media, monkeypatch):
    """The statement fails after the file values were taken (PostgreSQL: the one
    statement; SQLite: the history row after the files)."""
    import psycopg

    from lienthong.core import fastsql
    from lienthong.dossiers.models import DossierEvent

    real_insert = fastsql.insert

    def insert(rows, **kwargs):
        if rows and isinstance(rows[0], DossierEvent):
            raise DatabaseError("the history insert failed")
        return real_insert(rows, **kwargs)

    def execute(self, *args, **kwargs):
        raise psycopg.OperationalError("the connection dropped")

    monkeypatch.setattr(fastsql, "insert", insert)
    monkeypatch.setattr(psycopg.RawCursor, "execute", execute)
    with pytest.raises(DatabaseError):
        file_online(cast, uploads=[*form(), services.Upload("Giấy chứng sinh", pdf())])
    assert not Dossier.objects.exists()
    assert stored(media) == []
    assert not PendingFile.objects.exists()


def test_a_counter_intake_failing_after_its_insert_leaves_no_file(cast, media, monkeypatch):
    def fail(*args, **kwargs):
        raise DatabaseError("the receive step failed")

    monkeypatch.setattr(workflow.DossierMachine, "record", fail)
    with pytest.raises(DatabaseError):
        submit(
            actor=cast.clerk_home,
            applicant=cast.citizen,
            procedure_code="1.001193",
            competent_unit_code=HOME,
            channel="counter",
            uploads=form(),
        )
    assert not Dossier.objects.exists()
    assert stored(media) == []


def test_a_retried_submission_keeps_one_file(cast, media):
    first = file_online(cast, idempotency_key="same")
    again = file_online(cast, idempotency_key="same")
    assert again.pk == first.pk
    (kept,) = stored(media)
    assert str(kept).endswith(first.files.get(from_registry="").file.name)
    assert not PendingFile.objects.exists()


def test_a_committed_submission_keeps_its_file_and_leaves_nothing_pending(cast, media):
    d = file_online(cast)
    (kept,) = stored(media)
    assert kept.read_bytes().startswith(b"%PDF")
    assert str(kept).endswith(d.files.get(from_registry="").file.name)
    assert not PendingFile.objects.exists()


def _issue(cast) -> Dossier:
    d = submit(
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    for actor, action, kw in [
        (cast.clerk_home, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "approve", {}),
        (cast.leader, "issue_result", {}),
    ]:
        d = act(actor=actor, code=d.code, action=action, **kw)
    return d


def test_a_signed_result_has_a_name_nobody_can_guess_and_downloads_under_the_code(
    cast, media, client
):
    d = _issue(cast)
    while dispatch():
        pass
    doc = WalletDocument.objects.get(dossier=d)
    assert d.code not in doc.file.name
    assert re.fullmatch(r"wallet/\d{4}/\d{2}/[0-9a-f]{32}\.pdf", doc.file.name)
    client.force_login(cast.citizen)
    got = client.get(f"/kho-giay-to/{doc.pk}/")
    assert f'filename="ket-qua-{d.code}.pdf"' in got["Content-Disposition"]
    # Read to the end: the test client then closes the stored file.
    assert b"".join(got.streaming_content).startswith(b"%PDF")
    assert not PendingFile.objects.exists()


def test_a_signed_result_whose_row_fails_leaves_no_file(cast, media, monkeypatch):
    d = _issue(cast)
    before = set(stored(media))

    def refuse(self, *args, **kwargs):
        raise IntegrityError("stored meanwhile by another dispatcher")

    monkeypatch.setattr(WalletDocument, "save", refuse)
    event = type("E", (), {"aggregate_id": d.code})()
    wallet.store_result(event)
    assert set(stored(media)) == before
    assert not PendingFile.objects.exists()

    def crash(self, *args, **kwargs):
        raise DatabaseError("the worker's batch failed")

    monkeypatch.setattr(WalletDocument, "save", crash)
    with pytest.raises(DatabaseError):
        wallet.store_result(event)
    assert set(stored(media)) == before
    assert not PendingFile.objects.exists()


def _waiting_for_supplement(cast) -> Dossier:
    d = file_online(cast)
    d = act(actor=cast.clerk_elsewhere, code=d.code, action="receive")
    d = act(actor=cast.leader, code=d.code, action="assign", assignee=cast.specialist)
    d = act(actor=cast.specialist, code=d.code, action="start_review")
    return act(actor=cast.specialist, code=d.code, action="request_supplement", note="Thiếu")


def test_a_supplement_stores_its_file_with_its_row(cast, media):
    d = _waiting_for_supplement(cast)
    act(
        actor=cast.citizen,
        code=d.code,
        action="supplement",
        uploads=[services.Upload("Giấy tờ bổ sung", pdf("bo-sung.pdf"))],
    )
    row = d.files.get(supplement=True)
    assert row.original_name == "bo-sung.pdf"
    with row.file.open("rb") as f:
        assert f.read().startswith(b"%PDF")
    assert len(stored(media)) == 2
    assert not PendingFile.objects.exists()


def test_a_supplement_whose_step_fails_leaves_no_file(cast, media, monkeypatch):
    d = _waiting_for_supplement(cast)
    before = set(stored(media))

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
    assert set(stored(media)) == before
    assert not d.files.filter(supplement=True).exists()


def test_a_dossier_takes_a_bounded_number_of_files(cast, media):
    many = [services.Upload("Tờ khai đăng ký khai sinh", pdf()) for _ in range(41)]
    with pytest.raises(InvalidInput) as refused:
        file_online(cast, uploads=many)
    assert refused.value.invalid_params[0].code == "too_many_files"
    assert not Dossier.objects.exists()
    assert stored(media) == []
