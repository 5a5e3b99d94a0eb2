"""Drafts, publication and versions: a dossier's version never changes under it."""

from __future__ import annotations

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.catalog.models import ProcedureVersion
from lienthong.catalog.selectors import get_procedure, get_version, search_procedures
from lienthong.catalog.services import publish, save_draft
from lienthong.core.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from lienthong.core.models import AuditEntry, OutboxEvent
from tests.catalog.conftest import KHAI_SINH, variant
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.usefixtures("catalog")


@pytest.fixture
def admin():
    return UserFactory(admin=True)


def test_a_new_version_is_published_and_the_old_one_kept(admin):
    save_draft(
        actor=admin, data=variant(KHAI_SINH, processing_days=2, name="Đăng ký khai sinh (sửa)")
    )
    assert get_procedure("1.001193").number == 1  # the draft is not public yet
    v2 = publish(actor=admin, code="1.001193", decision_number="1234/QĐ-UBND")
    assert v2.number == 2
    assert v2.status == "published"
    assert get_procedure("1.001193").name == "Đăng ký khai sinh (sửa)"
    old = get_version("1.001193", 1)
    assert old.status == "superseded"
    assert old.processing_days == 1
    assert search_procedures("khai sinh sua")[0].number == 2  # the search index follows
    assert AuditEntry.objects.filter(action="catalog.published", object_id="1.001193").count() == 2
    assert OutboxEvent.objects.filter(topic="catalog.procedure_published").count() == 1


def test_saving_a_draft_twice_keeps_one_draft(admin):
    save_draft(actor=admin, data=variant(KHAI_SINH, name="Bản nháp 1"))
    save_draft(actor=admin, data=variant(KHAI_SINH, name="Bản nháp 2"))
    drafts = ProcedureVersion.objects.filter(procedure__code="1.001193", status="draft")
    assert [d.name for d in drafts] == ["Bản nháp 2"]


def test_publishing_needs_a_draft_and_a_decision_number(admin):
    with pytest.raises(IllegalTransition):
        publish(actor=admin, code="1.001193", decision_number="1/QĐ")
    with pytest.raises(NotFound):
        publish(actor=admin, code="9.999999", decision_number="1/QĐ")
    save_draft(actor=admin, data=KHAI_SINH)
    with pytest.raises(InvalidInput) as caught:
        publish(actor=admin, code="1.001193", decision_number="  ")
    assert caught.value.invalid_params[0].name == "decision_number"


def test_only_a_platform_admin_edits_the_catalogue():
    leader = UserFactory(official=True)
    RoleAssignment.objects.create(user=leader, agency=AgencyFactory(), role=Role.AGENCY_ADMIN)
    with pytest.raises(PermissionDenied):
        save_draft(actor=leader, data=KHAI_SINH)
    with pytest.raises(PermissionDenied):
        publish(actor=leader, code="1.001193", decision_number="1/QĐ")


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"code": "ABC"}, "code", "code_format"),
        ({"name": " "}, "name", "required"),
        ({"levels": ["district"]}, "levels", "unknown_value"),
        ({"service_level": "full", "channels": ["counter"]}, "channels", "online_missing"),
        ({"processing_days": "ba ngày"}, "processing_days", "invalid_days"),
        ({"agency_kind": "department", "department": None}, "department", "required"),
        ({"fees": [{"name": "Lệ phí", "amount": -5}]}, "fees[0].amount", "invalid_amount"),
        (
            {"components": [{"name": "X", "data_source": {"registry": "facebook"}}]},
            "components[0].data_source",
            "unknown_registry",
        ),
    ],
)
def test_bad_data_names_the_field_and_stores_nothing(admin, changes, field, code):
    before = ProcedureVersion.objects.count()
    with pytest.raises(InvalidInput) as caught:
        save_draft(actor=admin, data=variant(KHAI_SINH, **changes))
    assert (field, code) in [(p.name, p.code) for p in caught.value.invalid_params]
    assert ProcedureVersion.objects.count() == before
