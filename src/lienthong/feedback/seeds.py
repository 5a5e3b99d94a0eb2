"""Demo of feedback: the Front committee of the demo commune supervises its area, and a
few answered reports of the commune are public (sent by the demo citizen, accepted,
answered and published by the commune's demo officials through the same steps)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.utils import timezone

from lienthong.core.reference import StepResult, register_seeder
from lienthong.directory import selectors as directory

#: Where in the demo commune (Xã Liên Minh, Ninh Bình) the reports are, roughly.
_PLACES: Final = ((20.352, 106.104), (20.347, 106.112), (20.356, 106.098))
#: (category, title, text, answer) of the demo's answered reports.
_ANSWERED: Final = (
    (
        "infrastructure",
        "Đèn đường xóm 3 không sáng",
        "Đèn đường ở xóm 3, thôn Đông không sáng đã hai tuần, buổi tối đi lại rất nguy hiểm. "
        "Liên hệ tôi: 0912 345 678.",
        "UBND xã đã cho thay bóng đèn ở các cột số 12 và 13 ngày 20/11/2026; đèn đã sáng "
        "bình thường. Cảm ơn bạn đã phản ánh.",
    ),
    (
        "conduct",
        "Chờ lâu tại quầy tiếp nhận",
        "Sáng thứ Hai tôi chờ hơn một giờ ở quầy số 2 vì chỉ có một cán bộ làm việc.",
        "Trung tâm Phục vụ hành chính công xã đã bố trí thêm một cán bộ tiếp nhận vào sáng "
        "thứ Hai và thứ Sáu, thời gian chờ nay dưới 20 phút.",
    ),
    (
        "other",
        "Hướng dẫn giấy tờ đăng ký thường trú",
        "Đề nghị niêm yết rõ giấy tờ cần có khi đăng ký thường trú cho trẻ mới sinh.",
        "Từ 1/7/2025 trẻ đăng ký khai sinh trên LiênThông được đăng ký thường trú liên thông, "
        "không phải nộp thêm giấy tờ; UBND xã đã niêm yết hướng dẫn tại trung tâm.",
    ),
)


_LATE_BIRTH_KEY = "demo-late-birth"


def _late_birth_dossier(citizen: Any, clerk: Any) -> str:
    """A birth registration the demo citizen filed at Liên Minh two weeks ago, received
    at once and now late: what the feedback walk of the README reports on."""
    from lienthong.dossiers import selectors as dossiers
    from lienthong.dossiers import services as dossier_services

    mine = dossiers.dossiers_visible_to(citizen).filter(applicant=citizen)
    # Its own key: the citizen's generated history may hold other birth registrations.
    if mine.filter(idempotency_key=_LATE_BIRTH_KEY).exists():
        return ""
    filed = timezone.now() - dt.timedelta(days=14)
    born = (filed - dt.timedelta(days=10)).date().isoformat()
    from lienthong.accounts.seeds import DEMO_COMMUNE

    dossier = dossier_services.submit(
        actor=citizen,
        procedure_code="1.001193",
        competent_unit_code=DEMO_COMMUNE,
        form_data={
            "nguoi_khai_ho_ten": citizen.get_full_name(),
            "nguoi_khai_so_dinh_danh": citizen.pin,
            "nguoi_khai_noi_cu_tru": DEMO_COMMUNE,
            "nguoi_khai_dia_chi": "Xóm 3, thôn Đông",
            "nguoi_khai_dien_thoai": "0912345678",
            "quan_he": "Cha",
            "ho_ten": "Nguyễn Minh Khôi",
            "gioi_tinh": "Nam",
            "ngay_sinh": born,
            "noi_sinh": "Trạm y tế xã Liên Minh, tỉnh Ninh Bình",
            "que_quan": "Xã Liên Minh, tỉnh Ninh Bình",
            "dan_toc": "Kinh",
            "quoc_tich": "Việt Nam",
            "me_ho_ten": "Trần Thị Mai",
            "me_nam_sinh": "1992",
            "me_dan_toc": "Kinh",
            "me_quoc_tich": "Việt Nam",
            "me_noi_cu_tru": "Xóm 3, thôn Đông, xã Liên Minh, tỉnh Ninh Bình",
            "co_cha": "Có",
            "cha_ho_ten": citizen.get_full_name(),
            "cha_nam_sinh": "1990",
            "cha_dan_toc": "Kinh",
            "cha_quoc_tich": "Việt Nam",
            "cha_noi_cu_tru": "Xóm 3, thôn Đông, xã Liên Minh, tỉnh Ninh Bình",
        },
        eid_authenticated=True,
        idempotency_key=_LATE_BIRTH_KEY,
        now=filed,
    )
    dossier_services.act(
        actor=clerk, code=dossier.code, action="receive", now=filed + dt.timedelta(hours=2)
    )
    return dossier.code


@register_seeder("feedback.demo", order=80, description="Giám sát MTTQ xã, phản ánh đã trả lời")
def seed_feedback_demo() -> StepResult:
    from lienthong.accounts.constants import Role
    from lienthong.accounts.seeds import DEMO_COMMUNE, DemoPerson, demo_admin, demo_official
    from lienthong.accounts.selectors import user_by_pin
    from lienthong.feedback import services
    from lienthong.feedback.selectors import mine

    front = directory.agencies_of_unit(DEMO_COMMUNE).filter(kind="front_committee").first()
    accounts = []
    if front is not None:
        person = DemoPerson(
            "Giám sát MTTQ xã", "037178004600", "Ngô Thị Hồng", Role.SUPERVISOR, "", "Chủ tịch"
        )
        accounts.append(demo_official(demo_admin(), person, front))
    citizen = user_by_pin("037090001234")
    leader = user_by_pin("037175004567")
    specialist = user_by_pin("036088003456")
    clerk = user_by_pin("036190002345")
    late = ""
    if citizen is not None and clerk is not None:
        late = _late_birth_dossier(citizen, clerk)
    made = 0
    if citizen is not None and leader is not None and specialist is not None:
        known = set(mine(citizen).values_list("title", flat=True))
        start = timezone.now() - dt.timedelta(days=20)
        for i, (category, title, text, answer) in enumerate(_ANSWERED):
            if title in known:
                continue
            sent = start + dt.timedelta(days=i)
            report = services.submit(
                actor=citizen,
                category=category,
                title=title,
                text=text,
                commune_code=DEMO_COMMUNE,
                latitude=_PLACES[i][0],
                longitude=_PLACES[i][1],
                now=sent,
            )
            steps: tuple[tuple[Any, str, dict[str, Any], int], ...] = (
                (leader, "accept", {}, 1),
                (leader, "assign", {"assignee": specialist}, 1),
                (specialist, "answer", {"answer": answer}, 5),
                (leader, "publish", {}, 6),
            )
            for actor, action, inputs, days in steps:
                services.act(
                    actor=actor,
                    code=report.code,
                    action=action,
                    now=sent + dt.timedelta(days=days),
                    **inputs,
                )
            made += 1
    late_note = f", hồ sơ khai sinh trễ hẹn {late}" if late else ""
    return StepResult(
        f"{len(accounts)} cán bộ giám sát, {made} phản ánh đã trả lời{late_note}", accounts
    )
