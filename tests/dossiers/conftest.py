from __future__ import annotations

import datetime as dt
import subprocess
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lienthong.dossiers.services import Upload
from tests.conftest import require_tool
from tests.directory.conftest import ensure_directory_data
from tests.dossiers.people import ELSEWHERE, HOME

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=VN)


def pdf_text(document: bytes) -> str:
    """The PDF's words (poppler's pdftotext), whitespace collapsed: table cells wrap."""
    require_tool("pdftotext")
    out = subprocess.run(["pdftotext", "-", "-"], input=document, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def pdf(name: str = "to-khai.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def form(component: str = "Tờ khai đăng ký khai sinh") -> list[Upload]:
    return [Upload(component, pdf())]


def file_online(cast, **kw):
    """A birth registration filed online at Hiển Khánh for a family of Liên Minh
    (boundary-free: received there, handled by Liên Minh)."""
    from lienthong.dossiers.services import submit

    kw.setdefault("uploads", form())
    return submit(
        actor=cast.citizen,
        procedure_code="1.001193",
        competent_unit_code=HOME,
        receiving_unit_code=ELSEWHERE,
        **kw,
    )


def main_path(cast) -> list[tuple[object, str, dict]]:
    """The standard path of a dossier filed by :func:`file_online`, step by step."""
    return [
        (cast.clerk_elsewhere, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "approve", {}),
        (cast.leader, "issue_result", {}),
        (cast.clerk_elsewhere, "return_result", {}),
    ]


def advance(cast, dossier, until: str):
    """Take the main path's steps on ``dossier`` up to and including ``until``."""
    from lienthong.dossiers.services import act

    for actor, action, kw in main_path(cast):
        dossier = act(actor=actor, code=dossier.code, action=action, **kw)
        if action == until:
            return dossier
    raise ValueError(until)


@pytest.fixture(scope="module", autouse=True)
def reference_data(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()
