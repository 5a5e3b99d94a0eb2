"""LT-02 end to end: a death declared once; the population record marked dead, the
residence removed by the police, the insurance card stopped by social insurance."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lienthong.core.outbox import dispatch
from lienthong.dossiers.services import act
from lienthong.groups import services
from lienthong.groups.models import GroupApplication
from lienthong.registries.models import Record, Registry
from tests.dossiers.conftest import HOME
from tests.groups.people import FATHER

pytestmark = pytest.mark.django_db

GRANDFATHER = "037062003101"
CARD = "3706200310"


def _deceased():
    population = Registry.objects.get(code="population")
    Record.objects.create(
        registry=population,
        key=GRANDFATHER,
        subject=GRANDFATHER,
        group="H0001",
        valid_from=timezone.now() - dt.timedelta(days=30),
        data={
            "pin": GRANDFATHER,
            "full_name": "Nguyễn Văn Thắng",
            "birth_date": "1962-02-03",
            "sex": "male",
            "ethnicity": "Kinh",
            "nationality": "Việt Nam",
            "permanent_unit": HOME,
            "permanent_address": "Xóm 3, thôn Đông",
            "status": "alive",
        },
    )
    Record.objects.create(
        registry=Registry.objects.get(code="insurance"),
        key=CARD,
        subject=GRANDFATHER,
        valid_from=timezone.now() - dt.timedelta(days=30),
        data={"insurance_code": CARD, "pin": GRANDFATHER, "card_status": "active"},
    )


def _answers():
    died = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    return {
        "nguoi_khai_ho_ten": "Nguyễn Văn An",
        "nguoi_khai_so_dinh_danh": FATHER,
        "nguoi_khai_noi_cu_tru": HOME,
        "nguoi_khai_dien_thoai": "0912345678",
        "quan_he": "Con",
        "so_dinh_danh": GRANDFATHER,
        "ho_ten": "Nguyễn Văn Thắng",
        "ngay_sinh": "1962-02-03",
        "gioi_tinh": "Nam",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "noi_cu_tru": "Xóm 3, thôn Đông, xã Liên Minh, tỉnh Ninh Bình",
        "ngay_chet": died,
        "noi_chet": "Tại nhà",
        "noi_dang_ky": HOME,
        "dia_chi": "Xóm 3, thôn Đông",
        "chu_ho_ho_ten": "Nguyễn Văn An",
        "chu_ho_so_dinh_danh": FATHER,
        "quan_he_chu_ho": "Cha",
        "ma_bhxh": CARD,
        "che_do": "Trợ cấp mai táng",
        "nhan_tien": "Chuyển khoản",
        "so_tai_khoan": "0123456789 Ngân hàng Nông nghiệp",
    }


def _handle(dossier, leader, specialist):
    for actor, action, kw in [
        (leader, "assign", {"assignee": specialist}),
        (specialist, "start_review", {}),
        (specialist, "submit_for_signature", {}),
        (leader, "approve", {}),
        (leader, "issue_result", {}),
    ]:
        dossier = act(actor=actor, code=dossier.code, action=action, **kw)


def _drain():
    while dispatch():
        pass


def test_lt02_end_to_end(family):
    _deceased()
    app = services.apply(
        actor=family.father, group_code="LT-02", commune_code=HOME, form_data=_answers()
    )
    death = app.steps.get(order=1).dossier
    act(actor=family.clerk, code=death.code, action="receive")
    _handle(death, family.leader, family.specialist)
    _drain()
    person = Record.objects.get(registry__code="population", key=GRANDFATHER)
    assert person.data["status"] == "dead"
    assert Record.objects.filter(
        registry__code="civil-status", subject=GRANDFATHER, data__kind="death"
    ).exists()
    residence, benefit = app.steps.get(order=2).dossier, app.steps.get(order=3).dossier
    assert residence.handling_agency == family.police
    assert benefit.handling_agency == family.insurer
    assert benefit.form_data["ma_bhxh"] == CARD
    _handle(residence, family.police_leader, family.police_specialist)
    _handle(benefit, family.insurer_leader, family.insurer_specialist)
    _drain()
    person.refresh_from_db()
    assert person.data["permanent_unit"] == ""
    card = Record.objects.get(registry__code="insurance", key=CARD)
    assert card.data["card_status"] == "stopped"
    assert GroupApplication.objects.get(pk=app.pk).status == "completed"
