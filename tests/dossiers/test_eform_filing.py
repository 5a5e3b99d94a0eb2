"""Filing on the electronic form: prefilled from the registries with the applicant's
consent (logged, shown to the person), locked registry values, conditions that show
items, a message beside each wrong answer, nothing filed until it is right."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lienthong.catalog.records import parse_procedure
from lienthong.catalog.services import publish_seed
from lienthong.dossiers.models import Dossier
from lienthong.registries.models import AccessLog, Record, Registry
from lienthong.registries.seeds import load_registries
from tests.catalog.conftest import KHAI_SINH, variant
from tests.dossiers.conftest import ELSEWHERE, HOME

pytestmark = pytest.mark.django_db

CODE = "1.009998"
CITIZEN = "037090001234"
URL = f"/ho-so/nop/{CODE}/"

FORM = {
    "code": "CT01",
    "title": "Tờ khai thay đổi thông tin cư trú",
    "source": "Thông tư 66/2023/TT-BCA, mẫu CT01",
    "sections": [
        {
            "title": "Người đề nghị",
            "fields": [
                {
                    "key": "ho_ten",
                    "label": "Họ, chữ đệm và tên",
                    "prefill": {"service": "person", "field": "full_name"},
                    "locked": True,
                },
                {
                    "key": "gioi_tinh",
                    "label": "Giới tính",
                    "kind": "choice",
                    "choices": ["Nam", "Nữ"],
                    "prefill": {
                        "service": "person",
                        "field": "sex",
                        "map": {"male": "Nam", "female": "Nữ"},
                    },
                },
                {
                    "key": "noi_thuong_tru",
                    "label": "Nơi thường trú",
                    "kind": "commune",
                    "prefill": {"service": "residence", "field": "permanent_unit"},
                },
                {"key": "dien_thoai", "label": "Số điện thoại", "kind": "phone"},
                {
                    "key": "o_nho",
                    "label": "Ở nhờ, ở thuê",
                    "kind": "choice",
                    "choices": ["Có", "Không"],
                    "default": "Không",
                },
                {
                    "key": "chu_nha",
                    "label": "Họ tên chủ nhà",
                    "show_if": {"field": "o_nho", "in": ["Có"]},
                },
            ],
        }
    ],
}


@pytest.fixture
def procedure(cast):
    raw = variant(
        KHAI_SINH,
        code=CODE,
        name="Đăng ký thường trú (thử)",
        result_document={},
        results=["Thông báo kết quả"],
        components=[],
        form=FORM,
    )
    publish_seed(parse_procedure(raw), decision_number="Dữ liệu kiểm thử")
    return CODE


@pytest.fixture
def registry(cast):
    load_registries()
    population = Registry.objects.get(code="population")
    Record.objects.create(
        registry=population,
        key=CITIZEN,
        subject=CITIZEN,
        version=3,
        valid_from=timezone.now() - dt.timedelta(days=3),
        data={
            "pin": CITIZEN,
            "full_name": "Nguyễn Văn An",
            "birth_date": "1990-05-12",
            "sex": "male",
            "permanent_unit": HOME,
            "permanent_address": "Xóm 3",
            "status": "alive",
        },
    )
    return population


def _grant(population, agency):
    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment
    from lienthong.registries.services import grant_access
    from tests.factories import UserFactory

    owner = UserFactory(official=True, pin="001085007890", username="001085007890")
    RoleAssignment.objects.create(user=owner, agency=population.owner, role=Role.REGISTRY_OWNER)
    grant_access(
        actor=owner,
        registry=population,
        consumer=agency,
        services=["person", "residence"],
        fields=["pin", "full_name", "sex", "birth_date", "permanent_unit", "permanent_address"],
        purpose="Giải quyết thủ tục hành chính",
        legal_basis="Nghị định 47/2020/NĐ-CP",
        valid_from=timezone.localdate() - dt.timedelta(days=1),
    )


def _step2(cast):
    return {"tinh": cast.home_committee.province.code, "xa": HOME, "noi-nop": ELSEWHERE}


def test_the_form_is_prefilled_with_consent_logged_and_locked(client, cast, procedure, registry):
    _grant(registry, cast.home_committee)
    client.force_login(cast.citizen)
    page = client.get(URL, _step2(cast)).content.decode()
    assert "Tờ khai thay đổi thông tin cư trú" in page
    assert "Đồng ý, điền sẵn" in page
    assert not AccessLog.objects.exists()  # nothing is read before the applicant agrees
    filled = client.post(URL, {**_step2(cast), "idem": "p-1", "action": "dien-san"})
    assert filled.status_code == 200
    html = filled.content.decode()
    assert 'value="Nguyễn Văn An"' in html
    assert "Đã lấy từ CSDL" in html or "Đã lấy từ Cơ sở dữ liệu" in html
    assert "phiên bản 3" in html
    assert "<option selected>Nam</option>" in html
    logs = AccessLog.objects.filter(subject=CITIZEN)
    assert {log.service for log in logs} == {"person", "residence"}
    assert {log.consumer_id for log in logs} == {cast.home_committee.pk}
    assert all(log.on_behalf_of == CITIZEN for log in logs)
    assert all(log.purpose.startswith("Điền sẵn tờ khai") for log in logs)
    assert not Dossier.objects.exists()
    # The applicant cannot change a locked registry value; the others are theirs.
    response = client.post(
        URL,
        {
            **_step2(cast),
            "idem": "p-2",
            "tk-ho_ten": "Người Khác",
            "tk-gioi_tinh": "Nam",
            "tk-noi_thuong_tru": HOME,
            "tk-dien_thoai": "0912 345 678",
            "tk-o_nho": "Không",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert dossier.form_data["ho_ten"] == "Nguyễn Văn An"
    assert dossier.form_data["dien_thoai"] == "0912345678"
    sources = dossier.form_data["_nguon"]
    assert sources["ho_ten"]["registry"] == "population"
    assert sources["ho_ten"]["version"] == 3
    assert "dien_thoai" not in sources
    # The person sees the reads in their tracker.
    tracker = client.get("/du-lieu-cua-toi/nhat-ky/").content.decode()
    assert "Điền sẵn tờ khai" in tracker


def test_a_registry_value_the_form_refuses_is_left_for_the_applicant_to_declare(
    client, cast, procedure, registry
):
    """A locked value that would fail the form's checks would trap the applicant: it is
    not filled, they are told why, and what they type is kept."""
    _grant(registry, cast.home_committee)
    record = Record.objects.get(key=CITIZEN)
    record.data = {**record.data, "full_name": "Nguyễn Văn An\x07"}  # a control character
    record.save(update_fields=["data"])
    client.force_login(cast.citizen)
    filled = client.post(URL, {**_step2(cast), "idem": "p-9", "action": "dien-san"})
    html = filled.content.decode()
    assert 'name="tk-ho_ten" value=""' in html
    assert "không dùng được" in html
    assert "Hãy tự khai mục này" in html
    assert "<option selected>Nam</option>" in html  # the other values are filled
    response = client.post(
        URL,
        {
            **_step2(cast),
            "idem": "p-9",
            "tk-ho_ten": "Nguyễn Văn An",
            "tk-gioi_tinh": "Nam",
            "tk-noi_thuong_tru": HOME,
            "tk-dien_thoai": "0912345678",
            "tk-o_nho": "Không",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert dossier.form_data["ho_ten"] == "Nguyễn Văn An"
    assert "ho_ten" not in dossier.form_data["_nguon"]  # typed, not the registry's


def test_without_a_grant_the_applicant_is_told_to_type_and_the_refusal_is_logged(
    client, cast, procedure, registry
):
    client.force_login(cast.citizen)
    filled = client.post(URL, {**_step2(cast), "idem": "p-3", "action": "dien-san"})
    html = filled.content.decode()
    assert filled.status_code == 200
    assert "chưa được cấp quyền lấy dữ liệu này" in html
    assert AccessLog.objects.filter(outcome="refused", subject=CITIZEN).exists()
    assert 'name="tk-ho_ten" value=""' in html  # left for the applicant to type


def test_a_condition_shows_its_items_and_wrong_answers_are_shown_beside_them(
    client, cast, procedure, registry
):
    client.force_login(cast.citizen)
    base = {**_step2(cast), "idem": "p-4", "tk-ho_ten": "Nguyễn Văn An", "tk-gioi_tinh": "Nam"}
    page = client.get(URL, _step2(cast)).content.decode()
    assert (
        'hidden>\n      <label for="tk-chu_nha">' in page
        or "hidden" in page.split("tk-chu_nha")[0][-200:]
    )
    redrawn = client.post(URL, {**base, "tk-o_nho": "Có", "action": "ve-lai"})
    assert redrawn.status_code == 200
    assert not Dossier.objects.exists()  # drawing the form again files nothing
    around = redrawn.content.decode().split('for="tk-chu_nha"')[0][-120:]
    assert "hidden" not in around
    wrong = client.post(
        URL,
        {**base, "tk-o_nho": "Có", "tk-dien_thoai": "123", "tk-noi_thuong_tru": "99999"},
    )
    assert wrong.status_code == 422
    html = wrong.content.decode()
    assert 'aria-invalid="true"' in html
    assert "Hãy khai «Họ tên chủ nhà»." in html
    assert "số điện thoại Việt Nam" in html
    assert "xã, phường đang có hiệu lực" in html
    assert not Dossier.objects.exists()


def test_a_client_cannot_claim_a_registry_source(client, cast, procedure):
    from lienthong.dossiers.services import submit

    dossier = submit(
        actor=cast.citizen,
        procedure_code=CODE,
        competent_unit_code=HOME,
        form_data={
            "ho_ten": "Nguyễn Văn An",
            "gioi_tinh": "Nam",
            "noi_thuong_tru": HOME,
            "dien_thoai": "0912345678",
            "o_nho": "Không",
            "_nguon": {"ho_ten": {"registry": "population", "version": 9}},
        },
    )
    assert "_nguon" not in dossier.form_data


def test_the_declaration_paper_is_not_uploaded_when_declared_on_the_form(client, cast):
    from tests.dossiers.test_documents import BIRTH

    client.force_login(cast.citizen)
    step2 = client.get("/ho-so/nop/1.001193/", _step2(cast)).content.decode()
    assert "kê khai trên tờ khai điện tử ở trên, không phải tải lên" in step2
    assert 'name="tep-0"' not in step2  # the form paper is the e-form
    declared = {f"tk-{k}": v for k, v in BIRTH.items()} | {"tk-quan_he": "Cha"}
    response = client.post("/ho-so/nop/1.001193/", {**_step2(cast), "idem": "f-9", **declared})
    assert response.status_code == 302, response.content.decode()[:3000]
    dossier = Dossier.objects.get()
    assert dossier.form_data["ho_ten"] == "Nguyễn Minh Khang"
    # Without the form's answers, the paper is asked for as before.
    missing = client.post("/ho-so/nop/1.001193/", {**_step2(cast), "idem": "f-10"})
    assert missing.status_code == 422
    assert "Tờ khai đăng ký khai sinh" in missing.content.decode()


def test_the_form_and_the_prefill_through_the_api(client, cast, procedure, registry):
    form = client.get(f"/api/v1/procedures/{CODE}/form")
    assert form.status_code == 200
    body = form.json()
    assert (body["procedure"], body["derived"]) == (CODE, False)
    assert body["definition"]["sections"][0]["fields"][0]["locked"] is True
    derived = client.get("/api/v1/procedures/1.001193/form").json()
    assert derived["derived"] is True
    none = client.get("/api/v1/procedures/2.001610/form")  # a paper form, attached
    assert none.status_code == 404
    assert none.json()["code"] == "no-form"
    _grant(registry, cast.home_committee)
    client.force_login(cast.citizen)
    got = client.post(
        f"/api/v1/procedures/{CODE}/prefill",
        {"commune": HOME},
        content_type="application/json",
    )
    assert got.status_code == 200, got.content
    assert got.json()["values"]["ho_ten"] == "Nguyễn Văn An"
    assert got.json()["values"]["gioi_tinh"] == "Nam"
    assert got.json()["sources"]["ho_ten"]["version"] == 3
    assert AccessLog.objects.filter(subject=CITIZEN, outcome="allowed").count() == 2
    elsewhere = client.post(
        f"/api/v1/procedures/{CODE}/prefill",
        {"commune": "99999"},
        content_type="application/json",
    )
    assert elsewhere.status_code == 200
    assert elsewhere.json()["values"] == {}
    assert elsewhere.json()["problems"]


def test_the_declaration_is_printed_as_its_paper(client, cast, procedure, registry):
    from lienthong.dossiers.services import submit
    from tests.dossiers.conftest import pdf_text

    dossier = submit(
        actor=cast.citizen,
        procedure_code=CODE,
        competent_unit_code=HOME,
        form_data={
            "ho_ten": "Nguyễn Văn An",
            "gioi_tinh": "Nam",
            "noi_thuong_tru": HOME,
            "dien_thoai": "0912345678",
            "o_nho": "Không",
        },
        prefilled_from={
            "ho_ten": {"registry": "population", "registry_name": "CSDL dân cư", "version": 3}
        },
    )
    client.force_login(cast.citizen)
    page = client.get(f"/ho-so/{dossier.code}/").content.decode()
    assert f"/ho-so/{dossier.code}/to-khai.pdf" in page
    response = client.get(f"/ho-so/{dossier.code}/to-khai.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.content).split())
    assert "TỜ KHAI THAY ĐỔI THÔNG TIN CƯ TRÚ" in text
    assert "Nguyễn Văn An" in text
    assert "đã lấy từ CSDL dân cư, phiên bản 3" in text
    assert "Xã Liên Minh" in text  # the commune by name, not its code
    assert "Ở nhờ, ở thuê" in text


def test_a_clerk_types_the_paper_declaration_on_the_form_at_the_counter(client, cast):
    from tests.dossiers.test_documents import BIRTH

    client.force_login(cast.clerk_home)
    page = client.get("/can-bo/ho-so/tiep-nhan/", {"thu-tuc": "1.001193"}).content.decode()
    assert 'name="tk-ho_ten"' in page
    assert "Đồng ý, điền sẵn" not in page  # the applicant is not there to agree
    base = {"thu-tuc": "1.001193", "cccd": cast.citizen.pin, "xa": HOME, "idem": "q-1"}
    wrong = client.post(
        "/can-bo/ho-so/tiep-nhan/",
        {**base, **{f"tk-{k}": v for k, v in BIRTH.items()}, "tk-ngay_sinh": "2099-01-01"},
    )
    assert wrong.status_code == 422
    assert "không sau hôm nay" in wrong.content.decode()
    assert not Dossier.objects.exists()
    done = client.post(
        "/can-bo/ho-so/tiep-nhan/", {**base, **{f"tk-{k}": v for k, v in BIRTH.items()}}
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    dossier = Dossier.objects.get()
    assert dossier.channel == "counter"
    assert dossier.form_data["ho_ten"] == BIRTH["ho_ten"]
