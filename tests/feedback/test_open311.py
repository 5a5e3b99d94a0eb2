"""Open311 GeoReport v2 at /open311/v2/ (docs/open311.md): every answer valid against a
JSON Schema written from the specification's field lists; a report filed through it
reaches the officials, and once published is read back closed, with the published answer
and without personal data; nothing unpublished is listed or returned; bad input answers
Open311's error list with a 4xx.

The schemas are checked with ``jsonschema_rs`` (draft 2020-12), which the locked dev
tree installs with schemathesis; the pure-Python ``jsonschema`` package is not installed.
"""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

import jsonschema_rs
import pytest
from django.test import Client
from django.utils import timezone

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.accounts.services import create_api_client
from lienthong.feedback import selectors, services
from lienthong.feedback.constants import Category
from lienthong.feedback.models import Report
from lienthong.feedback.open311 import title_of
from tests.dossiers.conftest import HOME
from tests.factories import UserFactory
from tests.tokens import bearer_token

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
JSON = "application/json; charset=utf-8"

# --------------------------------------------------------------------------- schemas
# From https://wiki.open311.org/GeoReport_v2: each response's field list and types.

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: W3C datetime with the time zone, which GeoReport v2 requires.
W3C = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
DATETIME = {"type": "string", "pattern": W3C}
TEXT_OR_NULL = {"type": ["string", "null"]}

ERRORS = {
    "$schema": DRAFT,
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "properties": {
            "code": {"type": "integer"},
            "description": {"type": "string", "minLength": 1},
        },
        "required": ["code", "description"],
        "additionalProperties": False,
    },
}

SERVICE_LIST = {
    "$schema": DRAFT,
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"},
            "group": {"type": "string"},
        },
        "required": [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        ],
        "additionalProperties": False,
    },
}

SERVICE_DEFINITION = {
    "$schema": DRAFT,
    "type": "object",
    "properties": {
        "service_code": {"type": "string", "minLength": 1},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string", "minLength": 1},
                    "datatype": {
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ]
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": TEXT_OR_NULL,
                    "order": {"type": "integer", "minimum": 1},
                    "description": {"type": "string"},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "key": {"type": ["string", "number"]},
                                "name": {"type": "string"},
                            },
                            "required": ["key", "name"],
                        },
                    },
                },
                "required": [
                    "variable",
                    "code",
                    "datatype",
                    "required",
                    "datatype_description",
                    "order",
                    "description",
                ],
                "additionalProperties": False,
                # A list offers its values.
                "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
                "then": {"required": ["values"]},
            },
        },
    },
    "required": ["service_code", "attributes"],
    "additionalProperties": False,
}

POST_RESPONSE = {
    "$schema": DRAFT,
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "properties": {
            "service_request_id": {"type": "string", "minLength": 1},
            "token": {"type": "string"},
            "service_notice": TEXT_OR_NULL,
            "account_id": TEXT_OR_NULL,
        },
        # Either the request's id (a realtime service) or a token, never both.
        "oneOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "additionalProperties": False,
    },
}

REQUESTS = {
    "$schema": DRAFT,
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "service_request_id": {"type": "string", "minLength": 1},
            "status": {"enum": ["open", "closed"]},
            "status_notes": TEXT_OR_NULL,
            "service_name": {"type": "string"},
            "service_code": {"type": "string"},
            "description": TEXT_OR_NULL,
            "agency_responsible": TEXT_OR_NULL,
            "service_notice": TEXT_OR_NULL,
            "requested_datetime": DATETIME,
            "updated_datetime": DATETIME,
            "expected_datetime": {"anyOf": [DATETIME, {"type": "null"}]},
            "address": {"type": "string"},
            "address_id": {"type": "string"},
            "zipcode": {"type": "string"},
            "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
            "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
            "media_url": {"type": "string"},
        },
        "required": [
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "description",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "address",
            "address_id",
            "zipcode",
            "lat",
            "long",
            "media_url",
        ],
        "additionalProperties": False,
    },
}

DISCOVERY = {
    "$schema": DRAFT,
    "type": "object",
    "properties": {
        "changeset": DATETIME,
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "properties": {
                    "specification": {"type": "string"},
                    "url": {"type": "string", "pattern": "^https?://"},
                    "changeset": DATETIME,
                    "type": {"enum": ["production", "test"]},
                    "formats": {"type": "array", "items": {"type": "string"}, "minItems": 1},
                },
                "required": ["specification", "url", "changeset", "type", "formats"],
            },
        },
    },
    "required": ["changeset", "contact", "key_service", "endpoints"],
}

SCHEMAS = [ERRORS, SERVICE_LIST, SERVICE_DEFINITION, POST_RESPONSE, REQUESTS, DISCOVERY]


def valid(schema, response, status=200):
    """The response's JSON body, after checking its status, type and schema."""
    assert response.status_code == status, response.content.decode()
    assert response["Content-Type"] == JSON
    body = response.json()
    errors = [
        f"{list(e.instance_path)}: {e.message}"
        for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(body)
    ]
    assert not errors, errors
    return body


def refused(response, status, *words):
    """An Open311 error list with ``status``, each word in one of its descriptions."""
    body = valid(ERRORS, response, status)
    assert {e["code"] for e in body} == {status}
    text = " ".join(e["description"] for e in body)
    for word in words:
        assert word in text, text
    return text


# --------------------------------------------------------------------------- helpers

#: What a citizen writes: the street light, and who they are (never to be read back).
DESCRIPTION = (
    "Đèn đường ở xóm 3 hỏng đã hai tuần, buổi tối rất tối. Tôi là Nguyễn Văn An, "
    "CCCD 037090001234, điện thoại 0912 345 678, thư an.nguyen@example.vn."
)
ANSWER = (
    "Ngày 27/11 UBND xã đã thay bóng đèn hai cột số 12 và 13; ông Trần Văn Bình "
    "(0987654321) phụ trách chiếu sáng."
)
HOME_ADDRESS = "Số 5 ngõ 12 thôn Đông Hòa"
PERSONAL = (
    "Nguyễn Văn An",
    "037090001234",
    "0912 345 678",
    "0912345678",
    "an.nguyen@example.vn",
    "an@example.vn",
    "Trần Văn Bình",
    "0987654321",
    HOME_ADDRESS,
    "Văn An",
)


def form(**fields):
    data = {
        "service_code": "infrastructure",
        "attribute[xa]": HOME,
        "lat": "20.257",
        "long": "105.975",
        "description": "Đèn đường ở xóm 3 hỏng đã hai tuần, buổi tối rất tối.",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def post(client, data, fmt="json", **headers):
    return client.post(
        f"{BASE}/requests.{fmt}",
        urlencode(data),
        content_type="application/x-www-form-urlencoded; charset=utf-8",
        **headers,
    )


def publish(cast, code, answer=ANSWER):
    services.act(actor=cast.leader, code=code, action="accept")
    services.act(actor=cast.specialist, code=code, action="answer", answer=answer)
    return services.act(actor=cast.leader, code=code, action="publish")


def system_token(client, cast) -> str:
    """A client-credentials token of a system registered for the commune's committee."""
    admin = UserFactory(official=True, pin="037085005678", username="037085005678")
    RoleAssignment.objects.create(user=admin, agency=cast.home_committee, role=Role.AGENCY_ADMIN)
    creds = create_api_client(actor=admin, agency=cast.home_committee, name="Ứng dụng Open311")
    basic = base64.b64encode(f"{creds.client_id}:{creds.client_secret}".encode()).decode()
    answer = client.post(
        "/oidc/token/", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=f"Basic {basic}"
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["access_token"]


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("schema", SCHEMAS)
def test_the_schemas_are_valid_json_schemas(schema):
    jsonschema_rs.meta.validate(schema)


def test_one_service_per_public_category(client):
    body = valid(SERVICE_LIST, client.get(f"{BASE}/services.json"))
    assert [s["service_code"] for s in body] == [
        "procedure",
        "regulation",
        "conduct",
        "infrastructure",
        "other",
    ]  # not the Front's supervision
    light = next(s for s in body if s["service_code"] == "infrastructure")
    assert light["service_name"] == "Hạ tầng, dịch vụ công cộng ở địa phương"
    assert (light["metadata"], light["type"]) == (True, "realtime")
    assert "đèn đường" in light["keywords"]


def test_a_service_definition_asks_for_the_commune(client):
    body = valid(SERVICE_DEFINITION, client.get(f"{BASE}/services/infrastructure.json"))
    assert body["service_code"] == "infrastructure"
    xa = body["attributes"][0]
    assert (xa["code"], xa["datatype"], xa["required"], xa["order"]) == ("xa", "string", True, 1)
    assert "5 chữ số" in xa["datatype_description"]
    assert "address_id" in xa["description"]
    procedure = valid(SERVICE_DEFINITION, client.get(f"{BASE}/services/procedure.json"))
    assert [a["code"] for a in procedure["attributes"]] == ["xa", "thu_tuc"]
    for code in ("supervision", "khong-co"):
        refused(client.get(f"{BASE}/services/{code}.json"), 404, code)


def test_service_discovery(client):
    body = valid(DISCOVERY, client.get(f"{BASE}/discovery.json"))
    endpoint = body["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["application/json"]


@pytest.mark.parametrize(
    "path", ["services.xml", "services/other.xml", "requests.xml", "requests/PA-1.xml"]
)
def test_only_json_is_offered(client, path):
    refused(client.get(f"{BASE}/{path}"), 400, "JSON")


def test_a_filed_report_reaches_the_officials_and_is_read_back_once_published(cast):
    client = Client(enforce_csrf_checks=True)  # token-authenticated: no CSRF token asked
    token = bearer_token(cast.citizen, "open311-citizen")
    sent = post(
        client,
        form(
            api_key=token,
            description=DESCRIPTION,
            first_name="Văn An",
            last_name="Nguyễn",
            email="an@example.vn",
            phone="0912 345 678",
            address_string=HOME_ADDRESS,
            media_url="https://example.vn/anh.jpg",
            device_id="thiet-bi-1",
            account_id="tk-1",
        ),
    )
    [created] = valid(POST_RESPONSE, sent, 201)
    code = created["service_request_id"]
    assert code.startswith("PA-")
    assert created["account_id"] is None
    report = Report.objects.select_related("handling_agency").get(code=code)
    assert "2 ngày làm việc" in created["service_notice"]
    assert f"{timezone.localtime(report.step_due_at):%d/%m/%Y}" in created["service_notice"]
    assert report.handling_agency.name in created["service_notice"]
    # Filed as the person of the token, through the API channel.
    assert (report.author, report.submitted_by, report.channel) == (
        cast.citizen,
        cast.citizen,
        "api",
    )
    assert (report.category, report.commune.code, report.address) == (
        "infrastructure",
        HOME,
        HOME_ADDRESS,
    )
    assert report.title == "Đèn đường ở xóm 3 hỏng đã hai tuần, buổi tối rất tối"
    assert (report.contact_name, report.contact_phone, report.contact_email) == (
        "Nguyễn Văn An",
        "0912345678",
        "an@example.vn",
    )
    assert str(report.latitude) == "20.257000"
    assert code in [r.code for r in selectors.queue(cast.leader, "tiep-nhan")]

    # Not published yet: not there for Open311.
    refused(client.get(f"{BASE}/requests/{code}.json"), 404, code)
    assert valid(REQUESTS, client.get(f"{BASE}/requests.json")) == []

    published = publish(cast, code)
    [got] = valid(REQUESTS, client.get(f"{BASE}/requests/{code}.json"))
    commune = published.commune
    assert got == {
        "service_request_id": code,
        "status": "closed",
        "status_notes": published.public_answer,
        "service_name": "Hạ tầng, dịch vụ công cộng ở địa phương",
        "service_code": "infrastructure",
        "description": published.public_text,
        "agency_responsible": cast.home_committee.name,
        "service_notice": got["service_notice"],
        "requested_datetime": timezone.localtime(published.submitted_at).isoformat(
            timespec="seconds"
        ),
        "updated_datetime": timezone.localtime(published.published_at).isoformat(
            timespec="seconds"
        ),
        "expected_datetime": timezone.localtime(published.due_at).isoformat(timespec="seconds"),
        "address": f"{commune.name}, {commune.province.name}",
        "address_id": HOME,
        "zipcode": "",
        "lat": 20.257,
        "long": 105.975,
        "media_url": "",
    }
    assert got["requested_datetime"].endswith("+07:00")
    assert "thay bóng đèn" in got["status_notes"]
    assert "Đèn đường ở xóm 3" in got["description"]

    listed = valid(REQUESTS, client.get(f"{BASE}/requests.json"))
    assert [r["service_request_id"] for r in listed] == [code]
    today = timezone.localdate()
    for query, found in [
        ({"service_request_id": f"{code},PA-000000-000000"}, [code]),
        ({"status": "closed"}, [code]),
        ({"status": "open"}, []),
        ({"status": "open,closed"}, [code]),
        ({"service_code": "conduct"}, []),
        ({"service_code": "conduct,infrastructure"}, [code]),
        ({"start_date": f"{today - dt.timedelta(days=1)}", "end_date": f"{today}"}, [code]),
        ({"start_date": f"{today - dt.timedelta(days=1)}T00:00:00+07:00"}, [code]),
        ({"end_date": f"{today - dt.timedelta(days=1)}T23:59:59+07:00"}, []),
        # "+" sent unescaped arrives as a space, and is read as the offset.
        ({"start_date": f"{today - dt.timedelta(days=1)}T00:00:00 07:00"}, [code]),
        # service_request_id overrides every other parameter.
        ({"service_request_id": code, "status": "open"}, [code]),
    ]:
        rows = valid(REQUESTS, client.get(f"{BASE}/requests.json", query))
        assert [r["service_request_id"] for r in rows] == found, query

    # Nobody's personal data in anything read back.
    for path in (f"requests/{code}.json", "requests.json"):
        shown = client.get(f"{BASE}/{path}").content.decode()
        for private in PERSONAL:
            assert private not in shown, (path, private)
    assert "[đã ẩn]" in got["description"]
    assert "[đã ẩn]" in got["status_notes"]


def test_a_system_files_for_someone_who_leaves_a_contact(client, cast):
    token = system_token(client, cast)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    refused(post(client, form(), **auth), 400, "phone")  # no way to answer them
    [created] = valid(
        POST_RESPONSE,
        post(client, form(first_name="Thị Hoa", last_name="Lê", phone="+84912000111"), **auth),
        201,
    )
    report = Report.objects.get(code=created["service_request_id"])
    assert (report.author, report.submitted_by, report.channel) == (None, None, "api")
    assert (report.contact_name, report.contact_phone) == ("Lê Thị Hoa", "0912000111")
    assert report.latitude is not None
    assert report.api_client  # which system sent it
    # A system's retry under the same key files once.
    data = form(first_name="Thị Hoa", last_name="Lê", phone="+84912000111")
    again = [
        valid(POST_RESPONSE, post(client, data, HTTP_IDEMPOTENCY_KEY="s-1", **auth), 201)
        for _ in range(2)
    ]
    assert again[0][0]["service_request_id"] == again[1][0]["service_request_id"]
    assert Report.objects.filter(api_client=report.api_client).count() == 2


def test_address_id_stands_for_the_commune_and_a_procedure_routes_the_report(client, cast):
    token = bearer_token(cast.citizen, "open311-procedure")
    data = form(api_key=token, service_code="procedure", lat=None, long=None)
    del data["attribute[xa]"]
    data.update({"address_id": HOME, "attribute[thu_tuc]": "1.001193"})
    [created] = valid(POST_RESPONSE, post(client, data), 201)
    report = Report.objects.get(code=created["service_request_id"])
    assert (report.category, report.procedure_code, report.commune.code) == (
        "procedure",
        "1.001193",
        HOME,
    )
    assert report.latitude is None
    data["attribute[xa]"] = "13753"  # another commune than address_id
    refused(post(client, data), 400, "address_id")


def test_a_retry_with_the_same_idempotency_key_files_once(client, cast):
    token = bearer_token(cast.citizen, "open311-retry")
    first, second = (
        valid(POST_RESPONSE, post(client, form(api_key=token), HTTP_IDEMPOTENCY_KEY="k-1"), 201)
        for _ in range(2)
    )
    assert first[0]["service_request_id"] == second[0]["service_request_id"]
    assert Report.objects.count() == 1


def test_what_is_not_published_is_neither_listed_nor_returned(client, cast):
    waiting = services.submit(
        actor=cast.citizen,
        category="infrastructure",
        title="Đèn đường hỏng",
        text=DESCRIPTION,
        commune_code=HOME,
    )
    private = services.submit(
        actor=cast.citizen,
        category="infrastructure",
        title="Đèn đường hỏng",
        text=DESCRIPTION,
        commune_code=HOME,
        private=True,
    )
    closed = publish(cast, private.code)
    assert (closed.status, closed.published) == ("closed", False)  # answered, not public
    answered = services.submit(
        actor=cast.citizen, category="other", title="Khác", text=DESCRIPTION, commune_code=HOME
    )
    services.act(actor=cast.leader, code=answered.code, action="accept")
    services.act(actor=cast.specialist, code=answered.code, action="answer", answer=ANSWER)
    for report in (waiting, private, answered):
        refused(client.get(f"{BASE}/requests/{report.code}.json"), 404)
    codes = ",".join(r.code for r in (waiting, private, answered))
    assert valid(REQUESTS, client.get(f"{BASE}/requests.json")) == []
    assert valid(REQUESTS, client.get(f"{BASE}/requests.json", {"service_request_id": codes})) == []


def test_only_the_last_90_days_unless_asked_and_a_reopened_report_is_open(client, cast):
    report = services.submit(
        actor=cast.citizen,
        category="infrastructure",
        title="Đèn đường hỏng",
        text=DESCRIPTION,
        commune_code=HOME,
    )
    publish(cast, report.code)
    long_ago = timezone.now() - dt.timedelta(days=100)
    Report.objects.filter(pk=report.pk).update(submitted_at=long_ago)
    assert valid(REQUESTS, client.get(f"{BASE}/requests.json")) == []
    day = timezone.localdate(long_ago)
    rows = valid(REQUESTS, client.get(f"{BASE}/requests.json", {"start_date": f"{day}"}))
    assert [r["service_request_id"] for r in rows] == [report.code]
    # The author does not accept the answer: handled again, still published, now open.
    services.act(actor=cast.citizen, code=report.code, action="reraise", note="Đèn lại hỏng")
    [again] = valid(REQUESTS, client.get(f"{BASE}/requests/{report.code}.json"))
    assert again["status"] == "open"
    assert "xử lý lại" in again["service_notice"]


@pytest.mark.parametrize(
    ("fields", "status", "words"),
    [
        ({"service_code": None}, 400, ["service_code"]),
        ({"service_code": "khong-co"}, 404, ["khong-co"]),
        ({"service_code": Category.SUPERVISION.value}, 404, ["supervision"]),
        ({"attribute[xa]": None}, 400, ["attribute[xa]"]),
        ({"attribute[xa]": "123"}, 400, ["attribute[xa]", "5 chữ số"]),
        ({"attribute[xa]": "99999"}, 400, ["attribute[xa]"]),
        ({"lat": "abc"}, 400, ["lat"]),
        ({"lat": "nan"}, 400, ["lat"]),
        ({"long": "inf"}, 400, ["long"]),
        ({"long": None}, 400, ["long"]),
        ({"lat": "48.8566", "long": "2.3522"}, 400, ["lat", "Việt Nam"]),
        ({"description": "Hỏng"}, 400, ["description"]),
        ({"description": None}, 400, ["description"]),
        ({"description": "x" * 5001}, 400, ["description"]),
        ({"email": "khong-phai-thu"}, 400, ["email"]),
        ({"phone": "12345"}, 400, ["phone"]),
        ({"first_name": "An\u202e"}, 400, ["first_name"]),
    ],
)
def test_bad_input_is_an_open311_error(client, cast, fields, status, words):
    token = bearer_token(cast.citizen, "open311-bad")
    refused(post(client, form(api_key=token, **fields)), status, *words)
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_AUTHORIZATION": "Bearer khong-hop-le"}, {"HTTP_AUTHORIZATION": "Basic eDp5"}],
)
def test_without_a_valid_token_nothing_is_filed(client, headers):
    refused(post(client, form(api_key="sai" if headers else ""), **headers), 403, "api_key")
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"status": "pending"}, ["status"]),
        ({"service_code": "khong-co"}, ["service_code", "khong-co"]),
        ({"service_code": "supervision"}, ["service_code"]),
        ({"start_date": "hôm qua"}, ["start_date", "ISO 8601"]),
        ({"end_date": "2026-13-01"}, ["end_date"]),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, ["end_date", "90"]),
        ({"start_date": "2026-06-01", "end_date": "2026-01-01"}, ["end_date"]),
        ({"service_request_id": ",".join(f"PA-{i}" for i in range(1001))}, ["1000"]),
    ],
)
def test_bad_filters_are_open311_errors(client, query, words):
    refused(client.get(f"{BASE}/requests.json", query), 400, *words)


def test_ninety_whole_days_may_be_asked(client):
    query = {"start_date": "2026-01-01", "end_date": "2026-03-31"}
    assert valid(REQUESTS, client.get(f"{BASE}/requests.json", query)) == []


def test_other_addresses_and_methods_answer_open311_errors(client):
    refused(client.get(f"{BASE}/khong-co.json"), 404)
    refused(client.get(f"{BASE}/requests/khong-co.json"), 404)
    response = client.delete(f"{BASE}/requests.json")
    refused(response, 405, "DELETE")
    assert response["Allow"] == "GET, HEAD, POST"
    refused(post(client, form(), fmt="xml"), 400, "JSON")


@pytest.mark.parametrize(
    ("description", "title"),
    [
        ("Đèn đường hỏng. Đã hai tuần.", "Đèn đường hỏng"),
        ("Cống tắc ở ngõ 5\nnước tràn vào nhà", "Cống tắc ở ngõ 5"),
        ("Giá 3.5 triệu là sai? Thu thêm phí.", "Giá 3.5 triệu là sai?"),
        (
            "Đường liên xã từ thôn Đông sang thôn Đoài bị sụt lún nhiều đoạn, xe máy đi "
            "qua rất nguy hiểm vào ban đêm",
            "Đường liên xã từ thôn Đông sang thôn Đoài bị sụt lún nhiều đoạn, xe máy đi qua…",
        ),
    ],
)
def test_the_title_is_the_first_sentence_cut_at_80(description, title):
    assert title_of(description) == title
    assert len(title_of(description)) <= 80


def test_the_list_reads_the_reports_in_one_query(client, cast, django_assert_num_queries):
    for _ in range(3):
        report = services.submit(
            actor=cast.citizen,
            category="infrastructure",
            title="Đèn đường hỏng",
            text=DESCRIPTION,
            commune_code=HOME,
        )
        publish(cast, report.code)
    with django_assert_num_queries(1):
        rows = valid(REQUESTS, client.get(f"{BASE}/requests.json"))
    assert len(rows) == 3
    assert {r["address"] for r in rows} == {rows[0]["address"]}
