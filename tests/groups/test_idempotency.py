"""Filing a group once, whatever the client does: a double click, a page sent again, a
retried API call under the same key give the first application, with nothing filed
twice (also when both attempts race to the database); another key files another one,
and a key reused for a different declaration files nothing and says so."""

from __future__ import annotations

import pytest

from lienthong.core.errors import InvalidInput
from lienthong.dossiers.models import Dossier
from lienthong.groups import services
from lienthong.groups.models import GroupApplication
from tests.dossiers.conftest import HOME
from tests.groups.people import LT01

pytestmark = pytest.mark.django_db

URL = "/ho-so/lien-thong/nop/LT-01/"


def _apply(family, key, **changes):
    return services.apply(
        actor=family.father,
        group_code="LT-01",
        commune_code=HOME,
        form_data={**LT01, **changes},
        idempotency_key=key,
    )


def test_the_same_key_twice_files_one_application(family):
    first = _apply(family, "k-123")
    again = _apply(family, "k-123")
    assert again.pk == first.pk
    assert GroupApplication.objects.count() == 1
    assert Dossier.objects.count() == 1  # the birth, filed once
    assert first.steps.get(order=1).dossier_id == Dossier.objects.get().pk


def test_different_keys_file_two_applications(family):
    one = _apply(family, "k-1")
    two = _apply(family, "k-2")
    assert one.pk != two.pk
    assert GroupApplication.objects.count() == 2
    assert Dossier.objects.count() == 2


def test_no_key_files_each_time(family):
    _apply(family, "")
    _apply(family, "")
    assert GroupApplication.objects.count() == 2


def test_a_retry_that_races_the_first_returns_the_first(family, monkeypatch):
    first = _apply(family, "k-race")
    # The retry's own lookup ran before the first attempt's row was committed: only
    # the key's unique constraint stops it.
    looked_up = []
    real = services._filed_before

    def late(*args, **kwargs):
        looked_up.append(1)
        return None if len(looked_up) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(services, "_filed_before", late)
    again = _apply(family, "k-race")
    assert len(looked_up) == 2  # refused by the constraint, then found
    assert again.pk == first.pk
    assert GroupApplication.objects.count() == 1
    assert Dossier.objects.count() == 1


def test_a_key_reused_for_another_declaration_files_nothing(family):
    first = _apply(family, "k-twins")
    with pytest.raises(InvalidInput) as refused:
        _apply(family, "k-twins", ho_ten="Nguyễn Minh Anh")  # the twin, same page key
    (problem,) = refused.value.invalid_params
    assert (problem.name, problem.code) == ("idempotency_key", "key_reused")
    assert first.code in str(problem.reason)
    assert GroupApplication.objects.count() == 1
    assert Dossier.objects.count() == 1


def _where(family):
    return {"tinh": family.committee.province.code, "xa": HOME}


def test_the_page_sent_twice_files_one_application(client, family):
    client.force_login(family.father)
    page = client.get(URL, _where(family)).content.decode()
    marker = 'name="idem" value="'
    assert marker in page  # a one-time key drawn with the page
    idem = page.split(marker, 1)[1].split('"', 1)[0]
    assert len(idem) >= 16
    again = client.get(URL, _where(family)).content.decode()
    assert idem not in again  # each drawing of the page has its own
    form = {**_where(family), "idem": idem, **{f"tk-{k}": v for k, v in LT01.items()}}
    first = client.post(URL, form)
    second = client.post(URL, form)  # a double click, or the browser sending it again
    app = GroupApplication.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/ho-so/lien-thong/{app.code}/"
    assert Dossier.objects.count() == 1


def test_the_page_gives_a_new_key_when_the_old_one_filed_another(client, family):
    client.force_login(family.father)
    answers = {**_where(family), "idem": "abc123abc123abc1"}
    answers |= {f"tk-{k}": v for k, v in LT01.items()}
    assert client.post(URL, answers).status_code == 302
    twin = client.post(URL, {**answers, "tk-ho_ten": "Nguyễn Minh Anh"})
    assert twin.status_code == 422
    html = twin.content.decode()
    assert "Khoá chống gửi trùng đã dùng cho hồ sơ" in html
    assert 'name="idem" value="abc123abc123abc1"' not in html  # pressing again files it
    idem = html.split('name="idem" value="', 1)[1].split('"', 1)[0]
    filed = client.post(URL, {**answers, "tk-ho_ten": "Nguyễn Minh Anh", "idem": idem})
    assert filed.status_code == 302
    assert GroupApplication.objects.count() == 2


def test_the_api_takes_the_idempotency_key_header(client, family):
    client.force_login(family.father)
    body = {"group": "LT-01", "commune": HOME, "form_data": LT01}
    one = client.post(
        "/api/v1/group-applications",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "api-key-1"},
    )
    two = client.post(
        "/api/v1/group-applications",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "api-key-1"},
    )
    assert one.status_code == two.status_code == 201, two.content
    assert one.json()["code"] == two.json()["code"]
    assert GroupApplication.objects.count() == 1
    assert Dossier.objects.count() == 1
    other = client.post(
        "/api/v1/group-applications",
        body,
        content_type="application/json",
        headers={"Idempotency-Key": "api-key-2"},
    )
    assert other.status_code == 201
    assert other.json()["code"] != one.json()["code"]
    reused = client.post(
        "/api/v1/group-applications",
        {**body, "form_data": {**LT01, "ho_ten": "Nguyễn Minh Anh"}},
        content_type="application/json",
        headers={"Idempotency-Key": "api-key-1"},
    )
    assert reused.status_code == 422
    assert reused.json()["invalid_params"][0]["code"] == "key_reused"
    assert GroupApplication.objects.count() == 2
