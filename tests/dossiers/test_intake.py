"""Writing a new dossier: numbers per centre and day, and every row written at once
(one statement on PostgreSQL, consecutive inserts on SQLite: the same rows)."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from lienthong.core.models import OutboxEvent
from lienthong.dossiers.models import DossierEvent, DossierFile, DossierSequence
from tests.dossiers.conftest import file_online

pytestmark = pytest.mark.django_db


def test_a_submission_writes_the_dossier_its_files_its_history_and_its_event(cast):
    d = file_online(cast)
    day = timezone.localdate(d.submitted_at)
    assert d.code == f"{cast.elsewhere_centre.code}-{day:%y%m%d}-0001"
    assert d.pk is not None
    d.refresh_from_db()
    assert d.receiving_agency == cast.elsewhere_centre
    files = {f.component_name: f for f in DossierFile.objects.filter(dossier=d)}
    upload = files.pop("Tờ khai đăng ký khai sinh")
    with upload.file.open("rb") as stored:
        assert stored.read().startswith(b"%PDF")
    assert len(upload.sha256) == 64
    # The rest are taken from data (once-only): recorded, with no file.
    assert files
    assert all(f.from_registry and not f.file and f.digitised for f in files.values())
    (event,) = DossierEvent.objects.filter(dossier=d)
    assert (event.action, event.from_status, event.to_status) == ("submit", "", "submitted")
    assert event.actor == cast.citizen
    assert event.agency == cast.elsewhere_centre
    assert event.data == {"channel": "online", "spared": {"registry": 1, "store": 0, "form": 0}}
    (emitted,) = OutboxEvent.objects.filter(aggregate_id=d.code)
    assert emitted.topic == "dossier.submit"
    assert emitted.payload["code"] == d.code
    assert emitted.payload["status"] == "submitted"
    assert emitted.payload["procedure"] == "1.001193"


def test_a_stored_file_is_named_at_random_and_keeps_its_own_name_aside(cast):
    first, second = (
        file_online(cast).files.get(from_registry="").file.name,
        file_online(cast).files.get(from_registry="").file.name,
    )
    day = timezone.localdate()
    for name in (first, second):
        # Nothing of the applicant's file name (it may name a person), not guessable.
        assert re.fullmatch(rf"dossiers/{day:%Y/%m}/[0-9a-f]{{32}}\.pdf", name)
    assert first != second
    stored = DossierFile.objects.get(file=first)
    assert stored.original_name == "to-khai.pdf"


def test_numbers_follow_each_other_and_a_retry_takes_none(cast):
    first = file_online(cast, idempotency_key="k-1")
    again = file_online(cast, idempotency_key="k-1")
    second = file_online(cast, idempotency_key="k-2")
    assert again.pk == first.pk
    assert [first.code[-4:], second.code[-4:]] == ["0001", "0002"]
    assert DossierEvent.objects.filter(dossier=first).count() == 1


def test_past_9999_in_a_day_the_number_grows_a_digit(cast):
    day = timezone.localdate()
    DossierSequence.objects.create(agency=cast.elsewhere_centre, day=day, last=9999)
    d = file_online(cast)
    assert d.code == f"{cast.elsewhere_centre.code}-{day:%y%m%d}-10000"
