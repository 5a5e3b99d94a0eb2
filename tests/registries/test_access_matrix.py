"""Every page of the registries app × every role × held at the registry's owner or at
another agency, against the table of docs/access.md (``registries.access.PAGES``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.accounts.permissions import Scope
from lienthong.registries.access import PAGES, pages_markdown
from lienthong.registries.models import Registry
from tests.factories import AgencyFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    owner = AgencyFactory(code="000.00.00.G01", central=True, name="Bộ Công an")
    other = AgencyFactory(code="000.00.01.H98", kind="people_committee", name="UBND xã Một")
    Registry.objects.update_or_create(
        code="population", defaults={"name": "CSDL dân cư", "owner": owner}
    )[0]
    return {"owner": owner, "other": other}


def _expected(page, role: str, at: str) -> int:
    scope = page.scope(role)
    if page.where == "self":
        return 200
    if page.where == "own":
        return 200 if scope != Scope.NONE else 403
    if at == "owner":
        return 200 if scope != Scope.NONE else 403
    return 200 if scope == Scope.COUNTRY else 403


CASES = [(page, role, at) for page in PAGES for role in Role for at in ("owner", "other")]


@pytest.mark.parametrize(
    ("page", "role", "at"), CASES, ids=[f"{p.key}-{r.value}-{a}" for p, r, a in CASES]
)
def test_the_page_opens_exactly_for_the_roles_the_table_says(client, places, page, role, at):
    user = UserFactory(official=True, pin="001085007890", username="001085007890")
    RoleAssignment.objects.create(user=user, agency=places[at], role=role)
    client.force_login(user)
    assert client.get(page.path).status_code == _expected(page, role, at)


def test_a_person_without_roles_opens_only_their_own_pages(client, places):
    client.force_login(UserFactory(pin="037090001234", username="037090001234"))
    for page in PAGES:
        assert client.get(page.path).status_code == (200 if page.where == "self" else 403)


def test_docs_access_md_shows_the_current_registries_table():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "access.md").read_text()
    embedded = doc.split("<!-- registries:start -->\n", 1)[1].split("<!-- registries:end -->")[0]
    assert embedded == pages_markdown(), (
        "run `lienthong registries access` and update docs/access.md"
    )
