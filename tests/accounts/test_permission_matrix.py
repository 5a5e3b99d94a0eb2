"""Each role × each permission × own / sub-agency / other agency / other province.

The table below is written by hand from the roles' duties (docs/access.md); it is
not derived from ``ROLE_PERMISSIONS``, so a change to the code's matrix that is
not also made here fails.
"""

from __future__ import annotations

import pytest

from lienthong.accounts.constants import Perm, Role
from lienthong.accounts.permissions import can, steering_provinces
from tests.factories import UserFactory

ROLES = [
    "clerk",
    "specialist",
    "leader",
    "records_clerk",
    "agency_admin",
    "steering_viewer",
    "registry_owner",
    "supervisor",
    "platform_admin",
]

# . never   O own agency   S own agency and those directly under it
# P anywhere in the own agency's province   A anywhere
MATRIX = """
permission               clerk spec lead rec adm steer reg sup plat
agency.view_officials     .    .    S    .    S    .    .    .    A
agency.manage_officials   .    .    .    .    S    .    .    .    A
dossier.view              O    O    O    .    .    .    .    .    A
dossier.receive           O    .    .    .    .    .    .    .    A
dossier.assign            .    .    O    .    .    .    .    .    A
dossier.process           .    O    .    .    .    .    .    .    A
dossier.approve           .    .    O    .    .    .    .    .    A
dossier.return            O    .    .    .    .    .    .    .    A
document.view             .    .    O    O    .    .    .    .    A
document.send             .    .    .    O    .    .    .    .    A
document.receive          .    .    .    O    .    .    .    .    A
registry.publish          .    .    .    .    .    .    O    .    A
registry.grant            .    .    .    .    .    .    O    .    A
registry.read             O    O    O    .    .    .    .    .    A
steering.view             .    .    P    .    .    P    .    .    A
catalog.publish           .    .    .    .    .    .    .    .    A
feedback.view             O    O    O    .    .    .    .    .    A
feedback.receive          O    .    O    .    .    .    .    .    A
feedback.handle           .    O    O    .    .    .    .    .    A
feedback.publish          .    .    O    .    .    .    .    .    A
feedback.supervise        .    .    .    .    .    .    .    O    A
task.report               .    .    O    .    .    .    .    .    A
task.manage               .    .    .    .    .    .    .    .    A
"""

REACH = {
    ".": {"own": False, "child": False, "sibling": False, "far": False},
    "O": {"own": True, "child": False, "sibling": False, "far": False},
    "S": {"own": True, "child": True, "sibling": False, "far": False},
    "P": {"own": True, "child": True, "sibling": True, "far": False},
    "A": {"own": True, "child": True, "sibling": True, "far": True},
}


def _cases():
    rows = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    for perm, *marks in rows:
        for role, mark in zip(ROLES, marks, strict=True):
            yield pytest.param(role, perm, mark, id=f"{role}-{perm}")


def test_the_table_covers_every_role_and_permission():
    rows = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    assert sorted(r[0] for r in rows) == sorted(Perm.values)
    assert sorted(ROLES) == sorted(Role.values)


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "perm", "mark"), list(_cases()))
def test_permission_matrix(role, perm, mark, places, official_with):
    user = official_with(role, places.own)
    got = {where: can(user, perm, agency=getattr(places, where)) for where in REACH["."]}
    assert got == REACH[mark]


@pytest.mark.django_db
def test_a_province_steering_viewer_sees_only_their_province(places, official_with):
    viewer = official_with(Role.STEERING_VIEWER, places.own)
    assert can(viewer, Perm.STEERING_VIEW, province=places.province)
    assert not can(viewer, Perm.STEERING_VIEW, province=places.other_province)
    assert not can(viewer, Perm.STEERING_VIEW)  # the national view
    assert steering_provinces(viewer) == {places.province.pk}


@pytest.mark.django_db
def test_a_central_steering_viewer_sees_the_whole_country(places, official_with):
    viewer = official_with(Role.STEERING_VIEWER, places.central)
    assert can(viewer, Perm.STEERING_VIEW, province=places.other_province)
    assert can(viewer, Perm.STEERING_VIEW)
    assert steering_provinces(viewer) is None


@pytest.mark.django_db
def test_citizens_and_revoked_roles_have_no_permission(places, official_with):
    from django.utils import timezone

    citizen = UserFactory()
    assert not any(can(citizen, p, agency=places.own) for p in Perm.values)
    clerk = official_with(Role.CLERK, places.own)
    clerk.role_assignments.update(revoked_at=timezone.now())
    clerk = type(clerk).objects.get(pk=clerk.pk)  # a fresh request: no cached roles
    assert not can(clerk, Perm.DOSSIER_RECEIVE, agency=places.own)


@pytest.mark.django_db
def test_a_superuser_is_a_platform_admin(places):
    admin = UserFactory(admin=True)
    assert can(admin, Perm.CATALOG_PUBLISH)
    assert can(admin, Perm.AGENCY_MANAGE_OFFICIALS, agency=places.far)


@pytest.mark.parametrize(
    ("marker", "command"), [("matrix", "matrix_markdown"), ("reads", "reads_markdown")]
)
def test_docs_access_md_shows_the_current_tables(marker, command):
    from pathlib import Path

    from lienthong.accounts import permissions

    doc = (Path(__file__).resolve().parents[2] / "docs" / "access.md").read_text()
    embedded = doc.split(f"<!-- {marker}:start -->\n", 1)[1].split(f"<!-- {marker}:end -->", 1)[0]
    assert embedded == getattr(permissions, command)(), (
        f"run `lienthong access {marker}` and update docs/access.md"
    )


def test_the_access_command_prints_both_tables():
    from io import StringIO

    from django.core.management import call_command

    from lienthong.accounts.permissions import matrix_markdown, reads_markdown

    for what, table in (("matrix", matrix_markdown()), ("reads", reads_markdown())):
        out = StringIO()
        call_command("access", what, stdout=out)
        assert out.getvalue() == table


@pytest.mark.parametrize("role", ROLES)
def test_the_scope_of_each_cell_is_the_hand_written_mark(role):
    """``scope_of`` (which prints docs/access.md and drives ``reach``) says what MATRIX says."""
    from lienthong.accounts.permissions import Scope, scope_of

    words = {
        ".": Scope.NONE,
        "O": Scope.OWN,
        "S": Scope.OWN_AND_UNDER,
        "P": Scope.PROVINCE,
        "A": Scope.COUNTRY,
    }
    rows = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    column = ROLES.index(role)
    assert {perm: scope_of(role, perm) for perm, *_ in rows} == {
        perm: words[marks[column]] for perm, *marks in rows
    }
