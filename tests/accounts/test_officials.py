"""Agency administrators add officials and assign roles; every change is audited."""

from __future__ import annotations

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment, User, UserKind
from lienthong.accounts.services import add_official, grant_role, revoke_role
from lienthong.core.errors import InvalidInput, NotFound, PermissionDenied
from lienthong.core.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PIN = "037190001234"


def test_an_agency_admin_adds_an_official_with_roles(places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    user = add_official(
        actor=admin,
        agency=places.own,
        pin=f" {PIN} ",
        full_name="  Trần  Thị Bình ",
        roles=[Role.CLERK, Role.SPECIALIST],
    )
    assert user.pin == PIN
    assert user.username == PIN
    assert user.kind == UserKind.OFFICIAL
    assert user.full_name == "Trần Thị Bình"
    assert not user.has_usable_password()  # they log in with their national e-ID
    assert set(user.role_assignments.values_list("role", flat=True)) == {"clerk", "specialist"}
    granted = AuditEntry.objects.filter(action="role.granted")
    assert granted.count() == 2
    assert granted.first().actor == f"user:{admin.pk}"


def test_adding_again_is_idempotent_and_keeps_the_existing_person(places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    citizen = UserFactory(pin=PIN, full_name="Trần Thị Bình")
    add_official(actor=admin, agency=places.own, pin=PIN, full_name="x", roles=[Role.CLERK])
    add_official(actor=admin, agency=places.own, pin=PIN, full_name="x", roles=[Role.CLERK])
    citizen.refresh_from_db()
    assert citizen.kind == UserKind.OFFICIAL
    assert citizen.full_name == "Trần Thị Bình"
    assert RoleAssignment.objects.active().filter(user=citizen).count() == 1
    assert User.objects.filter(pin=PIN).count() == 1


def test_the_admin_of_a_commune_manages_its_service_centre_but_not_another_agency(
    places, official_with
):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    add_official(actor=admin, agency=places.child, pin=PIN, full_name="A", roles=[Role.CLERK])
    with pytest.raises(PermissionDenied):
        add_official(actor=admin, agency=places.sibling, pin=PIN, full_name="A", roles=[Role.CLERK])


@pytest.mark.parametrize("role", [Role.CLERK, Role.LEADER, Role.STEERING_VIEWER])
def test_other_roles_cannot_add_officials(places, official_with, role):
    actor = official_with(role, places.own)
    with pytest.raises(PermissionDenied):
        add_official(actor=actor, agency=places.own, pin=PIN, full_name="A", roles=[Role.CLERK])
    assert not User.objects.filter(pin=PIN).exists()


@pytest.mark.parametrize(
    ("pin", "roles", "field", "code"),
    [
        ("12345", [Role.CLERK], "pin", "pin_format"),
        ("999190001234", [Role.CLERK], "pin", "pin_province"),
        (PIN, [], "roles", "unknown_role"),
        (PIN, ["boss"], "roles", "unknown_role"),
        (PIN, [Role.PLATFORM_ADMIN], "roles", "platform_admin_reserved"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_nothing_is_stored(
    places, official_with, pin, roles, field, code
):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    before = AuditEntry.objects.count()
    with pytest.raises(InvalidInput) as caught:
        add_official(actor=admin, agency=places.own, pin=pin, full_name="A", roles=roles)
    assert [(p.name, p.code) for p in caught.value.invalid_params] == [(field, code)]
    assert AuditEntry.objects.count() == before
    assert not RoleAssignment.objects.filter(agency=places.own).exclude(user=admin).exists()


def test_revoking_keeps_the_row_and_who_did_it(places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    clerk = official_with(Role.CLERK, places.own)
    assignment = clerk.role_assignments.get()
    revoke_role(actor=admin, assignment_id=assignment.pk)
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    assert assignment.revoked_by == admin
    assert AuditEntry.objects.filter(action="role.revoked", object_id=str(clerk.pk)).exists()
    with pytest.raises(NotFound):
        revoke_role(actor=admin, assignment_id=assignment.pk)


def test_an_admin_of_another_agency_cannot_revoke(places, official_with):
    outsider = official_with(Role.AGENCY_ADMIN, places.far)
    clerk = official_with(Role.CLERK, places.own)
    # Not even told that the assignment exists (docs/access.md).
    with pytest.raises(NotFound):
        revoke_role(actor=outsider, assignment_id=clerk.role_assignments.get().pk)
    assert clerk.role_assignments.active().count() == 1


def test_only_a_platform_admin_grants_platform_admin(places, official_with):
    admin = official_with(Role.AGENCY_ADMIN, places.own)
    someone = UserFactory()
    with pytest.raises(InvalidInput):
        grant_role(actor=admin, user=someone, agency=places.own, role=Role.PLATFORM_ADMIN)
    root = UserFactory(admin=True)
    assert grant_role(actor=root, user=someone, agency=places.own, role=Role.PLATFORM_ADMIN)
    assert grant_role(actor=root, user=someone, agency=places.own, role=Role.PLATFORM_ADMIN) is None
