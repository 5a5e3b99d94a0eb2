"""A dossier's documents that come from data: the official reads them through the
gateway for the dossier (logged with its code, visible to the applicant), and an
unavailable registry turns into the paper path, never an error page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.dossiers.models import DossierFile
from lienthong.registries.models import AccessLog, Record, Registry
from lienthong.registries.seeds import load_registries
from lienthong.registries.services import grant_access
from tests.dossiers.conftest import file_online
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dossier(cast):
    load_registries()
    population = Registry.objects.get(code="population")
    Record.objects.create(
        registry=population,
        key=cast.citizen.pin,
        subject=cast.citizen.pin,
        valid_from=timezone.now(),
        data={
            "pin": cast.citizen.pin,
            "full_name": "Nguyễn Văn An",
            "permanent_unit": "13786",
            "permanent_address": "Xóm 3, thôn Đông",
        },
    )
    owner = UserFactory(official=True)
    RoleAssignment.objects.create(user=owner, agency=population.owner, role=Role.REGISTRY_OWNER)
    grant_access(
        actor=owner,
        registry=population,
        consumer=cast.home_committee,
        services=["residence"],
        fields=["full_name", "permanent_unit", "permanent_address"],
        purpose="Giải quyết thủ tục hành chính",
        legal_basis="Nghị định 47/2020/NĐ-CP",
        valid_from=dt.date(2025, 1, 1),
    )
    d = file_online(cast)
    DossierFile.objects.create(
        dossier=d, component_name="Giấy tờ chứng minh nơi cư trú", from_registry="population"
    )
    return d


def _component(d):
    return d.files.get(from_registry="population")


def test_the_specialist_reads_the_residence_for_the_dossier_and_the_applicant_sees_it(
    client, cast, dossier
):
    client.force_login(cast.specialist)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert "Tra cứu: Giấy tờ chứng minh nơi cư trú" in page
    response = client.post(
        f"/ho-so/{dossier.code}/du-lieu/{_component(dossier).pk}/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "Xóm 3, thôn Đông" in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.dossier, log.on_behalf_of, log.consumer) == (
        dossier.code,
        cast.citizen.pin,
        cast.home_committee,
    )
    assert dossier.code in log.purpose
    client.force_login(cast.citizen)
    assert dossier.code in client.get("/du-lieu-cua-toi/nhat-ky/").content.decode()
    # The applicant has no registry role: no lookup for them.
    assert "Tra cứu: Giấy tờ" not in client.get(f"/ho-so/{dossier.code}/").content.decode()
    denied = client.post(f"/ho-so/{dossier.code}/du-lieu/{_component(dossier).pk}/")
    assert denied.status_code == 403


def test_an_unavailable_registry_means_the_paper_copy(client, cast, dossier):
    Registry.objects.filter(code="population").update(adapter="http", remote_url="")
    client.force_login(cast.specialist)
    response = client.post(f"/ho-so/{dossier.code}/du-lieu/{_component(dossier).pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Không kết nối được cơ sở dữ liệu" in body
    assert "bản giấy" in body
    assert AccessLog.objects.get().outcome == "unavailable"


def test_a_grant_of_another_agency_does_not_serve_this_one(client, cast, dossier):
    client.force_login(cast.clerk_elsewhere)  # Hiển Khánh receives it; the grant is Liên Minh's
    response = client.post(
        f"/ho-so/{dossier.code}/du-lieu/{_component(dossier).pk}/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "chưa được" in response.content.decode()
    assert AccessLog.objects.get().outcome == "refused"
