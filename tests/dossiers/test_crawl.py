"""Every link on every page works and no page uses an id twice, for every kind of
user: a crawl from the home page as an anonymous visitor, a citizen, a business,
each official of the dossier's path, an agency administrator, a steering viewer and
a platform administrator (every kind of demo account), over a
platform holding dossiers in several states. A link to a page the person may not
see is a broken link too (the menu must not offer it)."""

from __future__ import annotations

import re
from collections import Counter, deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.urls import Resolver404, resolve

from lienthong.accounts.constants import Role
from lienthong.accounts.models import RoleAssignment, UserKind
from lienthong.directory import selectors as directory
from lienthong.dossiers.services import act
from tests.dossiers.conftest import advance, file_online
from tests.dossiers.test_documents import BIRTH
from tests.factories import UserFactory

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#][^"]*)"')
ID = re.compile(r'\sid="([^"]+)"')
#: Pages of one kind visited at most this many times (a unit page stands for all 3,000).
PER_VIEW = 3
#: Not pages: the API's JSON and documents, the language switch, files of the site; and
#: the login through the identity provider, a round trip between two servers that
#: tests/accounts/test_oidc_login.py follows in a real browser.
SKIP = (
    "/api/",
    "/static/",
    "/i18n/",
    "/oidc/",
    "/quan-tri/",
    "/favicon.ico",
    "/dang-nhap/oidc/",
)


@pytest.fixture
def platform(cast, settings, tmp_path):
    """Dossiers waiting at each kind of desk, one returned with its signed result."""
    settings.SIGNING_PKI_DIR = tmp_path / "pki"

    def filed():
        return file_online(cast, form_data=BIRTH, summary="Xin cấp thêm bản sao")

    filed()  # submitted
    for until in ("receive", "assign", "submit_for_signature", "return_result"):
        advance(cast, filed(), until)
    d = filed()
    act(actor=cast.clerk_elsewhere, code=d.code, action="receive")
    act(actor=cast.specialist, code=d.code, action="request_supplement", note="Thiếu chữ ký")
    province = cast.home_committee.province
    steering = UserFactory(official=True, full_name="Đỗ Văn Giang")
    RoleAssignment.objects.create(
        user=steering,
        agency=directory.search_agencies(
            province=province.code, kind="people_committee", level="province"
        ).get(),
        role=Role.STEERING_VIEWER,
    )
    agency_admin = UserFactory(official=True, full_name="Hoàng Văn Hải")
    RoleAssignment.objects.create(
        user=agency_admin, agency=cast.home_committee, role=Role.AGENCY_ADMIN
    )
    business = UserFactory(kind=UserKind.BUSINESS, tax_code="2701234560", full_name="Công ty A")
    return {
        "ẩn danh": None,
        "doanh nghiệp": business,
        "quản trị cơ quan": agency_admin,
        "công dân": cast.citizen,
        "một cửa": cast.clerk_elsewhere,
        "chuyên viên": cast.specialist,
        "lãnh đạo": cast.leader,
        "điều hành": steering,
        "quản trị nền tảng": UserFactory(admin=True),
    }


def _crawl(client) -> tuple[list[str], int]:
    """(the broken links as "page → link: status", pages visited)."""
    seen: set[str] = set()
    per_view: Counter[str] = Counter()
    queue: deque[tuple[str, str]] = deque([("(start)", "/")])
    broken: list[str] = []
    visited = 0
    while queue:
        source, url = queue.popleft()
        url = urldefrag(url)[0]
        if url in seen or url.startswith(SKIP) or not url.startswith("/"):
            continue
        seen.add(url)
        try:
            view = resolve(urlsplit(url).path).view_name
        except Resolver404:
            broken.append(f"{source} → {url}: no such page")
            continue
        if per_view[view] >= PER_VIEW:
            continue
        per_view[view] += 1
        response = client.get(url, follow=True)
        visited += 1
        html = "text/html" in response.get("Content-Type", "")
        if response.streaming:  # a download: read to the end, which closes its file
            b"".join(response.streaming_content)
        page = response.content.decode() if html and not response.streaming else ""
        if response.status_code >= 400:
            broken.append(f"{source} → {url}: {response.status_code}")
            continue
        twice = sorted(i for i, n in Counter(ID.findall(page)).items() if n > 1)
        if twice:  # a label pointing at the wrong element, a skip link going nowhere
            broken.append(f"{url}: ids used twice: {', '.join(twice)}")
        for href in HREF.findall(page):
            href = href.replace("&amp;", "&")
            if href.startswith("?"):
                href = urlsplit(url).path + href
            queue.append((url, href))
    return broken, visited


def test_no_broken_link_for_any_role(client, platform):
    report = {}
    for name, user in platform.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        broken, visited = _crawl(client)
        assert visited > 10, (name, visited)
        if broken:
            report[name] = broken
    assert not report, "\n".join(f"{who}: {b}" for who, links in report.items() for b in links)
