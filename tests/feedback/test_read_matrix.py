"""Who reads a report (docs/feedback.md, "Who sees what"), walked for every kind of
reader on the report's page, its file and the lists: the author; the handling agency's
officials; the Front of its commune; a platform administrator — and nobody else, who
sees the public page only once the answer is published."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment
from lienthong.directory import selectors as directory
from lienthong.feedback import services
from tests.dossiers.conftest import HOME
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64

#: reader → (reads the full report, sees it in their list)
EXPECTED = {
    "author": (True, True),
    "leader": (True, True),
    "specialist": (True, True),
    "clerk_of_the_centre": (False, False),
    "other_commune_specialist": (False, False),
    "front_of_the_commune": (True, True),
    "front_of_another_commune": (False, False),
    "other_citizen": (False, False),
    "platform_admin": (True, True),
    "anonymous": (False, False),
}


def _readers(cast):
    def front(unit):
        user = UserFactory(official=True)
        agency = directory.agencies_of_unit(unit).get(kind="front_committee")
        RoleAssignment.objects.create(user=user, agency=agency, role=Role.SUPERVISOR)
        return user

    return {
        "author": cast.citizen,
        "leader": cast.leader,
        "specialist": cast.specialist,
        "clerk_of_the_centre": cast.clerk_home,
        "other_commune_specialist": cast.other_specialist,
        "front_of_the_commune": front(HOME),
        "front_of_another_commune": front("13753"),
        "other_citizen": UserFactory(pin="037095002222", username="037095002222"),
        "platform_admin": UserFactory(admin=True),
        "anonymous": None,
    }


def _lists(client, who):
    return {
        "leader": "/can-bo/phan-anh/?hang=tiep-nhan",
        "specialist": "/can-bo/phan-anh/?hang=xu-ly",
        "front_of_the_commune": "/giam-sat/",
        "front_of_another_commune": "/giam-sat/",
        "author": "/phan-anh/cua-toi/",
        "platform_admin": "/can-bo/phan-anh/?hang=tiep-nhan",
    }.get(who)


@pytest.mark.parametrize("who", list(EXPECTED))
def test_who_reads_a_report(client, cast, who):
    report = services.submit(
        actor=cast.citizen,
        category="infrastructure",
        title="Cống thoát nước tắc",
        text="Cống thoát nước trước nhà văn hóa thôn Đông bị tắc, nước tràn ra đường.",
        commune_code=HOME,
        uploads=[services.Upload("Ảnh", SimpleUploadedFile("anh.png", PNG, "image/png"))],
    )
    if who == "specialist":  # their tab lists what is being handled
        services.act(actor=cast.leader, code=report.code, action="accept")
    reader = _readers(cast)[who]
    if reader is not None:
        client.force_login(reader)
    full, listed = EXPECTED[who]
    page = client.get(f"/phan-anh/{report.code}/")
    assert page.status_code == (200 if full else 404)
    if full:
        assert "Quá trình xử lý" in page.content.decode()
    file_id = report.files.get().pk
    got = client.get(f"/phan-anh/{report.code}/tep/{file_id}/")
    status = got.status_code
    if full:
        assert b"".join(got.streaming_content) == PNG
    assert status == (200 if full else 404 if reader is not None else 302)
    path = _lists(client, who)
    if path is not None:
        assert (report.code in client.get(path).content.decode()) is listed
