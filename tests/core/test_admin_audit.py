"""Every edit made in the Django admin appends to the audit chain (issue 13, item 3)."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.forms import modelform_factory
from django.test import RequestFactory

from lienthong.core.models import AuditEntry
from lienthong.directory.models import Agency
from tests.directory.conftest import ensure_directory_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_request(django_user_model):
    user = django_user_model.objects.create(username="quan-tri", is_staff=True, is_superuser=True)
    request = RequestFactory().post("/admin/", REMOTE_ADDR="10.0.0.7")
    request.user = user
    return request


def test_an_agency_edited_in_the_admin_is_audited_with_the_fields_changed(admin_request):
    ensure_directory_data()
    agency = Agency.objects.filter(kind="service_centre").first()
    model_admin = site._registry[Agency]
    form_class = modelform_factory(Agency, fields=["phone", "email"])
    form = form_class({"phone": "0222 3 888 999", "email": agency.email or ""}, instance=agency)
    assert form.is_valid(), form.errors
    before = AuditEntry.objects.count()
    model_admin.save_model(admin_request, form.save(commit=False), form, change=True)
    entry = AuditEntry.objects.order_by("seq").last()
    assert AuditEntry.objects.count() == before + 1
    assert entry.action == "admin.changed"
    assert entry.object_type == "directory.agency"
    assert entry.object_id == str(agency.pk)
    assert entry.data == {"fields": ["phone"]}
    assert entry.ip == "10.0.0.7"
    assert entry.actor_label or entry.actor
    agency.refresh_from_db()
    assert agency.phone == "0222 3 888 999"


def test_an_agency_deleted_in_the_admin_is_audited(admin_request):
    ensure_directory_data()
    agency = Agency.objects.filter(kind="service_centre").first()
    agency.counters.all().delete()
    key = agency.pk
    site._registry[Agency].delete_model(admin_request, agency)
    entry = AuditEntry.objects.order_by("seq").last()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "admin.deleted",
        "directory.agency",
        str(key),
    )
