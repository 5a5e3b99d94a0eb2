"""The pages of an interconnected application: filing the group on one prefilled form,
the combined status for the applicant and the agencies involved, and nobody else."""

from __future__ import annotations

import pytest

from lienthong.core.outbox import dispatch
from lienthong.dossiers.services import act
from lienthong.groups.models import GroupApplication
from lienthong.registries.models import AccessLog
from tests.dossiers.conftest import HOME
from tests.factories import UserFactory
from tests.groups.people import FATHER, LT01

pytestmark = pytest.mark.django_db

URL = "/ho-so/lien-thong/nop/LT-01/"


def _where(family):
    return {"tinh": family.committee.province.code, "xa": HOME}


def test_the_group_is_filed_on_one_prefilled_form(client, family):
    client.force_login(family.father)
    assert (
        'href="/ho-so/lien-thong/nop/LT-01/"' in client.get("/thu-tuc/nhom/LT-01/").content.decode()
    )
    step1 = client.get(URL, {"tinh": family.committee.province.code}).content.decode()
    assert "Xã, phường nơi gia đình cư trú" in step1
    step2 = client.get(URL, _where(family)).content.decode()
    assert "Tờ khai liên thông: đăng ký khai sinh" in step2
    assert "Đồng ý, điền sẵn" in step2
    filled = client.post(URL, {**_where(family), "action": "dien-san"})
    html = filled.content.decode()
    assert filled.status_code == 200
    assert 'value="Nguyễn Văn An"' in html  # the declarant, from the population registry
    assert f'<option value="{HOME}" selected>' in html  # the family's commune
    assert AccessLog.objects.filter(subject=FATHER, outcome="allowed").exists()
    answers = {f"tk-{k}": v for k, v in LT01.items()}
    response = client.post(URL, {**_where(family), **answers, "tk-nguoi_khai_ho_ten": "Ai Khác"})
    assert response.status_code == 302, response.content.decode()[:3000]
    app = GroupApplication.objects.get()
    assert response["Location"] == f"/ho-so/lien-thong/{app.code}/"
    assert app.form_data["nguoi_khai_ho_ten"] == "Nguyễn Văn An"  # locked: the registry's
    assert app.form_data["_nguon"]["nguoi_khai_ho_ten"]["registry"] == "population"
    page = client.get(response["Location"]).content.decode()
    assert "Đăng ký khai sinh" in page
    assert "Chờ kết quả bước trước" in page
    assert client.get("/ho-so/lien-thong/").content.decode().count(app.code) >= 1


def test_a_wrong_answer_is_shown_beside_it_and_nothing_is_filed(client, family):
    client.force_login(family.father)
    answers = {f"tk-{k}": v for k, v in LT01.items()} | {"tk-noi_kcb": ""}
    response = client.post(URL, {**_where(family), **answers})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Hãy khai «Cơ sở khám bệnh, chữa bệnh ban đầu»." in html
    assert 'aria-invalid="true"' in html
    assert not GroupApplication.objects.exists()


def test_who_reads_the_combined_status(client, family):
    from lienthong.groups import services

    app = services.apply(
        actor=family.father, group_code="LT-01", commune_code=HOME, form_data=dict(LT01)
    )
    url = f"/ho-so/lien-thong/{app.code}/"
    client.force_login(UserFactory(pin="001090009999"))
    assert client.get(url).status_code == 404  # another citizen: as if it did not exist
    client.force_login(family.police_leader)
    assert client.get(url).status_code == 404  # no dossier of the police yet
    birth = app.steps.get(order=1).dossier
    client.force_login(family.clerk)
    assert client.get(url).status_code == 200  # the clerk who receives the birth
    act(actor=family.clerk, code=birth.code, action="receive")
    for actor, action, kw in [
        (family.leader, "assign", {"assignee": family.specialist}),
        (family.specialist, "start_review", {}),
        (family.specialist, "submit_for_signature", {}),
        (family.leader, "approve", {}),
        (family.leader, "issue_result", {}),
    ]:
        act(actor=actor, code=birth.code, action=action, **kw)
    while dispatch():
        pass
    client.force_login(family.police_leader)
    page = client.get(url).content.decode()
    assert "Đăng ký thường trú" in page  # the police now handle a part of it
    client.force_login(family.father)
    page = client.get(url).content.decode()
    assert "Tải kết quả (PDF)" in page
    assert "Số định danh cá nhân của trẻ" in page


def test_the_api_files_and_reads_an_application(client, family):
    client.force_login(family.father)
    bad = client.post(
        "/api/v1/group-applications",
        {"group": "LT-01", "commune": HOME, "form_data": {**LT01, "ngay_sinh": "2099-01-01"}},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert any(p["name"] == "form_data.ngay_sinh" for p in bad.json()["invalid_params"])
    assert not GroupApplication.objects.exists()
    made = client.post(
        "/api/v1/group-applications",
        {"group": "LT-01", "commune": HOME, "form_data": LT01},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "in_progress"
    assert [s["status"] for s in body["steps"]] == ["filed", "waiting", "waiting"]
    assert body["steps"][0]["dossier"]
    one = client.get(f"/api/v1/group-applications/{body['code']}")
    assert one.json()["code"] == body["code"]
    assert [a["code"] for a in client.get("/api/v1/group-applications").json()] == [body["code"]]
    client.force_login(UserFactory(pin="001090009999"))
    assert client.get(f"/api/v1/group-applications/{body['code']}").status_code == 404


def test_a_relative_is_prefilled_a_stranger_is_not(client, family):
    from tests.groups.test_lt02 import GRANDFATHER, _deceased

    _deceased()  # the grandfather lives in the father's household
    client.force_login(family.father)
    url = "/ho-so/lien-thong/nop/LT-02/"
    where = {"tinh": family.committee.province.code, "xa": HOME}
    filled = client.post(url, {**where, "action": "dien-san", "tk-so_dinh_danh": GRANDFATHER})
    assert 'value="Nguyễn Văn Thắng"' in filled.content.decode()
    stranger = "001090009999"
    refused = client.post(url, {**where, "action": "dien-san", "tk-so_dinh_danh": stranger})
    assert "hãy tự khai" in refused.content.decode()
    assert not AccessLog.objects.filter(subject=stranger).exists()


def test_a_declaration_in_someone_elses_name_is_refused(family):
    from lienthong.core.errors import InvalidInput
    from lienthong.dossiers.services import submit
    from tests.groups.people import MOTHER

    with pytest.raises(InvalidInput) as refused:
        submit(
            actor=family.father,
            procedure_code="1.004222",
            competent_unit_code=HOME,
            form_data={
                "ho_ten": "Trần Thị Mai",
                "ngay_sinh": "1992-03-01",
                "gioi_tinh": "Nữ",
                "so_dinh_danh": MOTHER,
                "dien_thoai": "0912345678",
                "chu_ho_ho_ten": "Nguyễn Văn An",
                "chu_ho_so_dinh_danh": FATHER,
                "quan_he_chu_ho": "Vợ",
                "noi_dang_ky": HOME,
                "dia_chi": "Xóm 3",
                "noi_dung": "Đăng ký thường trú",
            },
        )
    assert ("form_data.so_dinh_danh", "not_the_applicant") in {
        (p.name, p.code) for p in refused.value.invalid_params
    }
