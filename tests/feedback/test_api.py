"""The feedback API: a report sent, handled step by step and published over HTTP; an
idempotent send; a system's report; the anonymous author hidden from officials; strangers
get 404; bad input named; stale versions 409; public answers without personal data."""

from __future__ import annotations

import base64
from typing import get_args

import pytest

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.accounts.services import create_api_client
from lienthong.feedback.models import Report
from lienthong.feedback.schemas import QueueTab
from lienthong.feedback.selectors import QUEUES
from tests.dossiers.conftest import HOME, PDF
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TEXT = (
    "Hồ sơ khai sinh của con tôi đã quá hẹn 3 ngày. Tôi là Nguyễn Văn An, CCCD "
    "037090001234, điện thoại 0912 345 678; chị Lan ở bộ phận một cửa bảo chờ thêm."
)
#: What the published answer must never show (TEXT's and the answer's people).
PERSONAL = ("Nguyễn Văn An", "037090001234", "0912 345 678", "Lan", "Trần Văn Bình", "0987654321")
PUBLIC_KEYS = {
    "code",
    "category",
    "category_label",
    "title",
    "text",
    "answer",
    "commune",
    "commune_name",
    "province_name",
    "agency_name",
    "latitude",
    "longitude",
    "submitted_at",
    "published_at",
    "score",
}


def _send(client, key: str = "", auth: dict[str, str] | None = None, **over):
    body = {
        "category": "infrastructure",
        "title": "Đèn đường hỏng",
        "text": "Đèn đường ở xóm 3 hỏng đã hai tuần, buổi tối rất tối.",
        "commune": HOME,
        **over,
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    headers.update(auth or {})
    return client.post("/api/v1/feedback", body, content_type="application/json", **headers)


def _act(client, code: str, action: str, **body):
    return client.post(
        f"/api/v1/feedback/{code}/actions/{action}", body, content_type="application/json"
    )


def _sent(client, cast, **over) -> str:
    client.force_login(cast.citizen)
    response = _send(client, **over)
    assert response.status_code == 201, response.content
    return str(response.json()["code"])


def _answered(client, cast, code: str, answer: str) -> None:
    client.force_login(cast.leader)
    assert _act(client, code, "accept").status_code == 200
    client.force_login(cast.specialist)
    answered = _act(client, code, "answer", answer=answer)
    assert answered.status_code == 200, answered.content


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    return dict(response.json())


def _param(response) -> dict:
    [param] = _problem(response, 422)["invalid_params"]
    return dict(param)


def test_the_whole_path_over_the_api(client, cast):
    client.force_login(cast.citizen)
    sent = _send(
        client,
        key="pa-1",
        latitude=20.25,
        longitude=105.97,
        address="Xóm 3",
        files=[{"name": "anh.pdf", "content_base64": base64.b64encode(PDF).decode()}],
    )
    assert sent.status_code == 201, sent.content
    report = sent.json()
    code = report["code"]
    assert code.startswith("PA-")
    assert (report["status"], report["channel"], report["lock_version"]) == (
        "received",
        "online",
        1,
    )
    assert report["handling_agency"] == cast.home_committee.code
    assert (report["author"], report["contact_name"]) == ("Nguyễn Văn An", "Nguyễn Văn An")
    assert (report["latitude"], report["longitude"]) == (20.25, 105.97)
    assert [f["name"] for f in report["files"]] == ["anh.pdf"]
    assert {a["action"] for a in report["actions"]} == {"withdraw"}
    assert client.get("/api/v1/feedback").json()["items"][0]["code"] == code

    client.force_login(cast.leader)
    tab = client.get("/api/v1/feedback/queue", {"tab": "tiep-nhan"}).json()
    assert [r["code"] for r in tab["items"]] == [code]
    shown = client.get(f"/api/v1/feedback/{code}").json()
    assert {"accept", "refuse"} <= {a["action"] for a in shown["actions"]}
    accepted = _act(client, code, "accept", expected_version=1)
    assert accepted.status_code == 200, accepted.content
    assert (accepted.json()["status"], accepted.json()["lock_version"]) == ("accepted", 2)
    assign = next(a for a in accepted.json()["actions"] if a["action"] == "assign")
    assert assign["required"] == ["assignee_pin"]
    assigned = _act(client, code, "assign", assignee_pin=cast.specialist.pin, expected_version=2)
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["assignee"] == cast.specialist.get_full_name()

    client.force_login(cast.specialist)
    assert [r["code"] for r in client.get("/api/v1/feedback/queue?tab=xu-ly").json()["items"]] == [
        code
    ]
    answer = "UBND xã đã thay bóng đèn ở xóm 3 ngày 27/11/2026."
    answered = _act(client, code, "answer", answer=answer)
    assert answered.json()["status"] == "answered"

    client.force_login(cast.citizen)  # the draft answer is not the author's yet
    assert client.get(f"/api/v1/feedback/{code}").json()["answer"] is None

    client.force_login(cast.leader)
    published = _act(client, code, "publish")
    assert published.status_code == 200, published.content
    assert (published.json()["status"], published.json()["published"]) == ("closed", True)

    client.force_login(cast.citizen)
    mine = client.get(f"/api/v1/feedback/{code}").json()
    assert mine["answer"] == answer
    rated = _act(client, code, "rate", score=5, comment="Cảm ơn")
    assert rated.status_code == 200, rated.content
    assert rated.json()["score"] == 5
    history = client.get(f"/api/v1/feedback/{code}/history").json()
    assert [h["action"] for h in history] == [
        "submit",
        "accept",
        "assign",
        "answer",
        "publish",
        "rate",
    ]
    assert history[1]["label"] == "Tiếp nhận xử lý"
    assert history[1]["actor"] == cast.leader.get_full_name()

    client.logout()
    listed = client.get("/api/v1/feedback/public", {"q": "den duong", "commune": HOME})
    assert listed.status_code == 200
    assert [r["code"] for r in listed.json()["items"]] == [code]
    one = client.get(f"/api/v1/feedback/public/{code}").json()
    assert (one["answer"], one["score"], one["commune"]) == (answer, 5, HOME)
    assert client.get("/api/v1/feedback/public", {"category": "conduct"}).json()["count"] == 0


def test_sending_again_with_the_same_key_returns_the_first_report(client, cast):
    client.force_login(cast.citizen)
    first = _send(client, key="k-1")
    again = _send(client, key="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["code"] == first.json()["code"]
    assert Report.objects.count() == 1
    assert _send(client, key="k-2").json()["code"] != first.json()["code"]


def test_the_anonymous_author_is_hidden_from_the_officials(client, cast):
    code = _sent(
        client,
        cast,
        anonymous=True,
        contact_phone="0912 000 111",
        text="Cán bộ tiếp nhận ở quầy số 2 không hướng dẫn, bắt đi lại nhiều lần.",
        category="conduct",
    )
    own = client.get(f"/api/v1/feedback/{code}").json()
    assert (own["author"], own["contact_phone"]) == ("Nguyễn Văn An", "0912000111")
    client.force_login(cast.leader)
    for response in (
        client.get(f"/api/v1/feedback/{code}"),
        client.get("/api/v1/feedback/queue"),
        client.get(f"/api/v1/feedback/{code}/history"),
        _act(client, code, "accept"),
    ):
        assert response.status_code == 200, response.content
        text = response.content.decode()
        for private in ("Nguyễn Văn An", "0912000111", cast.citizen.pin):
            assert private not in text, (private, response.request["PATH_INFO"])
    seen = client.get(f"/api/v1/feedback/{code}").json()
    assert seen["anonymous"] is True
    assert [seen[k] for k in ("author", "contact_name", "contact_phone", "contact_email")] == [
        None
    ] * 4
    history = client.get(f"/api/v1/feedback/{code}/history").json()
    assert [h["actor"] for h in history] == [None, cast.leader.get_full_name()]


def test_a_report_the_caller_may_not_read_is_404(client, cast):
    code = _sent(client, cast)
    client.force_login(cast.other_specialist)
    for response in (
        client.get(f"/api/v1/feedback/{code}"),
        client.get(f"/api/v1/feedback/{code}/history"),
        _act(client, code, "accept"),
        client.get("/api/v1/feedback/PA-000000-000000"),
    ):
        assert _problem(response, 404)["type"] == "urn:lienthong:problem:not-found"
    # Whether a number has an account is not given away on someone else's report.
    for pin in ("000000000000", cast.specialist.pin):
        _problem(_act(client, code, "assign", assignee_pin=pin), 404)
    assert client.get("/api/v1/feedback/queue").json()["count"] == 0
    client.logout()
    _problem(client.get(f"/api/v1/feedback/{code}"), 401)
    _problem(client.get(f"/api/v1/feedback/public/{code}"), 404)  # not published


def test_bad_input_is_a_422_naming_the_field(client, cast):
    client.force_login(cast.citizen)
    assert _param(_send(client, category="khac"))["name"] == "category"
    assert _param(_send(client, text="Ngắn"))["code"] == "too_short"
    assert _param(_send(client, commune="00000"))["code"] == "unknown_unit"
    outside = _param(_send(client, latitude=48.85, longitude=2.35))
    assert (outside["name"], outside["code"]) == ("latitude", "outside_vietnam")
    assert _param(_send(client, contact_email="khong-phai-thu"))["name"] == "contact_email"
    assert _param(_send(client, contact_phone="12345"))["code"] == "invalid_phone"
    bad_file = [{"name": "x.pdf", "content_base64": base64.b64encode(b"not a pdf").decode()}]
    assert _param(_send(client, files=bad_file))["code"] == "file_type"
    assert Report.objects.count() == 0

    code = _sent(client, cast)
    client.force_login(cast.leader)
    refused = _param(_act(client, code, "refuse"))
    assert (refused["name"], refused["code"]) == ("note", "note_required")
    assert refused["reason"] == "Hãy ghi lý do hoặc nội dung."
    _act(client, code, "accept")
    moved = _param(_act(client, code, "transfer", note="Không thuộc thẩm quyền"))
    assert (moved["name"], moved["code"]) == ("to_agency", "agency_required")
    unknown_agency = _param(_act(client, code, "transfer", to_agency="000.00.00.X00", note="x"))
    assert (unknown_agency["name"], unknown_agency["code"]) == ("to_agency", "unknown_agency")
    # An unknown number is refused exactly as a known one that is no handler.
    unknown = _param(_act(client, code, "assign", assignee_pin="000000000000"))
    known = _param(_act(client, code, "assign", assignee_pin=cast.citizen.pin))
    assert unknown == known
    assert (known["name"], known["code"]) == ("assignee_pin", "not_a_handler")
    # A step that takes no assignee says so, whether the number has an account or not.
    extra = [
        _param(_act(client, code, "transfer", to_agency="x", note="x", assignee_pin=pin))
        for pin in ("000000000000", cast.specialist.pin)
    ]
    assert extra[0] == extra[1]
    assert (extra[0]["name"], extra[0]["code"]) == ("assignee_pin", "not_accepted")
    not_taken = _param(_act(client, code, "assign", assignee_pin=cast.specialist.pin, score=3))
    assert (not_taken["name"], not_taken["code"]) == ("score", "not_accepted")
    client.force_login(cast.specialist)
    assert _param(_act(client, code, "answer"))["name"] == "answer"
    out_of_range = _act(client, code, "rate", score=9)
    assert "score" in {p["name"] for p in _problem(out_of_range, 422)["invalid_params"]}
    assert Report.objects.get(code=code).status == "accepted"


def test_a_stale_version_or_a_wrong_state_is_409(client, cast):
    code = _sent(client, cast)
    client.force_login(cast.leader)
    assert _act(client, code, "accept", expected_version=1).status_code == 200
    stale = _act(client, code, "assign", assignee_pin=cast.specialist.pin, expected_version=1)
    stale = _problem(stale, 409)
    assert stale["type"] == "urn:lienthong:problem:conflict"
    assert code in stale["detail"]
    illegal = _problem(_act(client, code, "accept"), 409)
    assert illegal["type"] == "urn:lienthong:problem:illegal-transition"
    client.force_login(cast.specialist)  # a specialist does not assign
    _problem(_act(client, code, "assign", assignee_pin=cast.specialist.pin), 403)
    _problem(_act(client, code, "fly"), 404)
    assert Report.objects.get(code=code).lock_version == 2


def test_public_answers_carry_no_personal_data(client, cast):
    code = _sent(client, cast, category="conduct", title="Cán bộ Trần Văn Bình hẹn sai", text=TEXT)
    _answered(client, cast, code, "Đã nhắc nhở ông Trần Văn Bình; liên hệ 0987654321 nếu cần.")
    client.force_login(cast.leader)
    assert _act(client, code, "publish").status_code == 200
    private_code = _sent(client, cast, private=True, text=TEXT)
    _answered(client, cast, private_code, "Đã trả lời riêng cho người gửi.")
    client.force_login(cast.leader)
    assert _act(client, private_code, "publish").status_code == 200
    client.logout()
    listed = client.get("/api/v1/feedback/public")
    assert listed.status_code == 200
    assert [r["code"] for r in listed.json()["items"]] == [code]  # the private one is not
    one = client.get(f"/api/v1/feedback/public/{code}")
    for response in (listed, one):
        text = response.content.decode()
        for private in (*PERSONAL, "0912345678"):
            assert private not in text, private
    body = one.json()
    assert set(body) == PUBLIC_KEYS
    assert "[đã ẩn]" in body["text"]
    assert "[đã ẩn]" in body["answer"]
    assert "quá hẹn 3 ngày" in body["text"]  # what it is about stays
    _problem(client.get(f"/api/v1/feedback/public/{private_code}"), 404)


def test_a_system_sends_for_someone_with_a_contact(client, cast):
    admin = UserFactory(official=True)
    RoleAssignment.objects.create(user=admin, agency=cast.home_committee, role=Role.AGENCY_ADMIN)
    creds = create_api_client(actor=admin, agency=cast.home_committee, name="Tổng đài 1022")
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    token = client.post(
        "/oidc/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    ).json()["access_token"]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    missing = _param(_send(client, auth=auth))
    assert (missing["name"], missing["code"]) == ("contact_phone", "contact_required")
    sent = _send(client, auth=auth, contact_name="Lê Thị Hoa", contact_phone="0912 000 111")
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert (body["channel"], body["author"], body["contact_phone"]) == ("api", None, "0912000111")
    assert body["actions"] == []
    report = Report.objects.get(code=body["code"])
    assert (report.author, report.submitted_by) == (None, None)
    # The system sends; reading and acting are for people.
    assert _problem(client.get("/api/v1/feedback", **auth), 403)["code"] == "people-only"
    _problem(client.get(f"/api/v1/feedback/{body['code']}", **auth), 403)


def test_the_queue_tabs_are_the_selectors(client, cast):
    assert set(get_args(QueueTab)) == {q.key for q in QUEUES}
    client.force_login(cast.leader)
    assert _param(client.get("/api/v1/feedback/queue", {"tab": "khong-co"}))["name"] == "tab"
    for tab in get_args(QueueTab):
        assert client.get("/api/v1/feedback/queue", {"tab": tab}).status_code == 200
    _problem(client.get("/api/v1/feedback/queue", {"limit": 1000}), 422)


def test_the_schemas_have_names_of_their_own():
    # django-ninja names an OpenAPI component after its class: two apps' "SubmitIn" would
    # be one component, and one endpoint documented (and probed) with the other's body.
    import importlib
    import pkgutil

    from ninja import Schema

    import lienthong

    def names(module) -> set[str]:
        return {n for n, v in vars(module).items() if isinstance(v, type) and issubclass(v, Schema)}

    ours = names(importlib.import_module("lienthong.feedback.schemas")) - {"Schema"}
    for app in pkgutil.iter_modules(lienthong.__path__):
        if app.ispkg and app.name != "feedback":
            try:
                module = importlib.import_module(f"lienthong.{app.name}.schemas")
            except ModuleNotFoundError:
                continue
            assert not ours & names(module), app.name
