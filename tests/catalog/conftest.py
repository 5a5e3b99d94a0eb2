from __future__ import annotations

import copy

import pytest

from lienthong.catalog import search
from lienthong.catalog.loaders import load_lexicon, load_procedures
from lienthong.catalog.records import parse_procedure
from lienthong.catalog.services import publish_seed

KHAI_SINH = {
    "code": "1.001193",
    "name": "Đăng ký khai sinh",
    "field": "Hộ tịch",
    "levels": ["commune"],
    "competent_agency": "Ủy ban nhân dân cấp xã",
    "agency_kind": "people_committee",
    "department": None,
    "channels": ["online", "counter", "post"],
    "service_level": "full",
    "processing_days": 1,
    "processing_note": "Ngay trong ngày làm việc.",
    "pauses_on_supplement": True,
    "fees": [
        {"name": "Lệ phí đăng ký khai sinh", "amount": 0, "rule": "Miễn lệ phí khi đúng hạn."}
    ],
    "legal_bases": [{"number": "60/2014/QH13", "title": "Luật Hộ tịch", "issued": "2014-11-20"}],
    "results": ["Giấy khai sinh (bản chính, bản điện tử)"],
    "requirements": ["Trong 60 ngày kể từ ngày sinh."],
    "steps": ["Nộp tờ khai", "Cán bộ tư pháp – hộ tịch kiểm tra", "Trả kết quả"],
    "boundary_free": True,
    "business_related": False,
    "life_events": ["khai-sinh"],
    "essential_06": True,
    "components": [
        {
            "name": "Tờ khai đăng ký khai sinh",
            "originals": 1,
            "copies": 0,
            "required": True,
            "condition": "",
            "form": "Thông tư 04/2024/TT-BTP",
            "data_source": None,
        },
        {
            "name": "Giấy chứng sinh",
            "originals": 1,
            "copies": 0,
            "required": True,
            "condition": "",
            "form": "",
            "data_source": {
                "registry": "health",
                "fields": ["giay_chung_sinh"],
                "note": "Giấy chứng sinh điện tử",
            },
        },
    ],
    "sources": ["Luật Hộ tịch 2014, điều 16"],
    "result_document": {"layout": "giay_khai_sinh"},
}


def variant(base: dict, **changes: object) -> dict:
    data = copy.deepcopy(base)
    data.update(changes)
    return data


KET_HON = variant(
    KHAI_SINH,
    code="1.000894",
    name="Đăng ký kết hôn",
    life_events=["ket-hon"],
    results=["Giấy chứng nhận kết hôn"],
    result_document={"layout": "giay_chung_nhan_ket_hon"},
    components=[
        {
            "name": "Tờ khai đăng ký kết hôn",
            "originals": 1,
            "copies": 0,
            "required": True,
            "condition": "",
            "form": "",
            "data_source": None,
        }
    ],
)
CHUNG_THUC = variant(
    KHAI_SINH,
    code="2.000815",
    name="Chứng thực bản sao từ bản chính giấy tờ, văn bản",
    field="Chứng thực",
    life_events=["chung-thuc"],
    service_level="partial",
    processing_days=0.5,
    results=["Bản sao có chứng thực"],
    result_document={},
    essential_06=False,
    fees=[{"name": "Phí chứng thực", "amount": 2000, "rule": "2.000 đồng/trang"}],
    components=[
        {
            "name": "Bản chính giấy tờ, văn bản",
            "originals": 1,
            "copies": 0,
            "required": True,
            "condition": "",
            "form": "",
            "data_source": None,
        }
    ],
)
THANH_LAP = variant(
    KHAI_SINH,
    code="2.001610",
    name="Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
    field="Thành lập và hoạt động doanh nghiệp",
    levels=["province"],
    agency_kind="department",
    department="tai_chinh",
    competent_agency="Sở Tài chính",
    life_events=["thanh-lap-doanh-nghiep"],
    processing_days=3,
    business_related=True,
    essential_06=False,
    results=["Giấy chứng nhận đăng ký doanh nghiệp"],
    result_document={},
    components=[
        {
            "name": "Giấy đề nghị đăng ký doanh nghiệp",
            "originals": 1,
            "copies": 0,
            "required": True,
            "condition": "",
            "form": "",
            "data_source": None,
        }
    ],
)
SAMPLE = [KHAI_SINH, KET_HON, CHUNG_THUC, THANH_LAP]


@pytest.fixture
def catalog(db):
    search.forget()
    for raw in SAMPLE:
        publish_seed(parse_procedure(raw), decision_number="Dữ liệu kiểm thử")
    yield
    search.forget()


@pytest.fixture
def seed_catalog(db):
    """The seed catalogue (65 procedures) and its search lexicon, as `load-reference-data`
    loads them."""
    search.forget()
    load_procedures()
    load_lexicon()
    yield
    search.forget()
