from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lienthong.dossiers.services import Upload
from tests.directory.conftest import ensure_directory_data
from tests.dossiers.people import ELSEWHERE, HOME  # noqa: F401  re-exported for the tests

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def pdf(name: str = "to-khai.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def form(component: str = "Tờ khai đăng ký khai sinh") -> list[Upload]:
    return [Upload(component, pdf())]


@pytest.fixture(scope="module", autouse=True)
def reference_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()
