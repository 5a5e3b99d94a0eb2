"""Reference data, demo seeding and the background worker."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from lienthong.accounts.models import User
from lienthong.core.models import AuditEntry
from lienthong.core.selectors import last_audit_verification
from lienthong.core.tasks import verify_audit_chain


@pytest.mark.django_db
def test_reference_data_loads_twice_without_change(capsys):
    call_command("load_reference_data")
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert out.count("lịch chính thức các năm 2025, 2026") == 2


@pytest.mark.django_db
def test_demo_setup_is_idempotent_and_prints_the_accounts(capsys):
    call_command("demo", no_serve=True)
    call_command("demo", no_serve=True)
    out = capsys.readouterr().out
    assert "quantri / LienThong@2026" in out
    admin = User.objects.get(username="quantri")
    assert admin.is_superuser
    assert admin.check_password("LienThong@2026")
    assert AuditEntry.objects.filter(action="account.created", object_id=str(admin.pk)).count() == 1
    # The generated history (the demo citizen's own past dossiers among it), and the
    # citizen's late birth registration (the feedback walk reports on it): run twice,
    # created once.
    from lienthong.dossiers.generator import DEMO_HISTORY, DEMO_OWN
    from lienthong.dossiers.models import Dossier

    assert Dossier.objects.count() == DEMO_HISTORY + 1
    assert Dossier.objects.filter(applicant__username="037090001234").count() == DEMO_OWN + 1
    assert Dossier.objects.values("province").distinct().count() > 20


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_enqueued_tasks():
    verify_audit_chain.enqueue()
    assert last_audit_verification().status == "READY"
    call_command("worker", batch=True)
    result = last_audit_verification()
    assert result.status == "SUCCESSFUL"
    assert result.return_value["ok"] is True
    assert AuditEntry.objects.filter(action="audit.verified").count() == 1
