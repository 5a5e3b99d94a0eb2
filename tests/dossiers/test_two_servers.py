"""Two application servers, one platform (docs/deployment.md).

Two ``lienthong serve`` processes with different local folders, one PostgreSQL
database and one object store (a real S3 server), and the worker beside them: a
dossier filed through the first is received, decided, signed and returned through the
second and the first, files and all; a login on one is a login on the other; a
publication is seen by both.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from lienthong.dossiers.models import Dossier, WalletDocument
from tests.catalog.conftest import CHUNG_THUC, variant
from tests.conftest import database_url_of_current_test_db
from tests.dossiers.conftest import ELSEWHERE, HOME, PDF
from tests.objectstore import ACCESS_KEY, SECRET_KEY
from tests.tokens import bearer_token

LIENTHONG = str(Path(sys.executable).parent / "lienthong")
PASSWORD = "MatKhau@2026"

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="several servers share one PostgreSQL database (SQLite is the one-machine default)",
)


@dataclass
class Platform:
    a: str
    b: str
    logs: list[Path]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def platform(cast_committed, object_storage, tmp_path, settings) -> Iterator[Platform]:
    server, prefix = object_storage
    key = tmp_path / "oidc.pem"
    key.write_text(django_settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"])
    shared = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    shared.update(
        DATABASE_URL=database_url_of_current_test_db(),
        STORAGE_URL=server.url(prefix),
        STORAGE_ACCESS_KEY=ACCESS_KEY,
        STORAGE_SECRET_KEY=SECRET_KEY,
        # What every server of one platform shares (docs/deployment.md).
        SECRET_KEY=django_settings.SECRET_KEY,
        OIDC_PROVIDER_PRIVATE_KEY_FILE=str(key),
        OUTBOX_POLL_SECONDS="0.2",
    )
    logs: list[Path] = []
    with ExitStack() as stack:

        def start(name: str, *args: str, port: int | None = None) -> None:
            env = {**shared, "LIENTHONG_VAR_DIR": str(tmp_path / name)}
            if port:
                env["PUBLIC_URL"] = f"http://127.0.0.1:{port}"
            log = tmp_path / f"{name}.log"
            logs.append(log)
            out = stack.enter_context(log.open("wb"))
            proc = subprocess.Popen([LIENTHONG, *args], env=env, stdout=out, stderr=out)

            def stop() -> None:
                proc.terminate()
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()

            stack.callback(stop)

        ports = _free_port(), _free_port()
        for name, port in zip(("a", "b"), ports, strict=True):
            start(name, "serve", "--port", str(port), "--threads", "2", port=port)
        start("worker", "worker")
        for port in ports:
            for _ in range(300):
                try:
                    requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                    break
                except requests.ConnectionError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"a server did not start: {[p.read_text()[-2000:] for p in logs]}")
        yield Platform(*(f"http://127.0.0.1:{p}" for p in ports), logs)


def _api(base: str, token: str, method: str, path: str, **kw) -> dict:
    answer = requests.request(
        method,
        f"{base}/api/v1{path}",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        **kw,
    )
    assert answer.status_code in (200, 201), (path, answer.status_code, answer.text[:500])
    return answer.json()


def _login(base: str, user) -> requests.Session:
    # The servers' own password hasher (the tests' settings use a fast one they lack).
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, "tuoi-hai-may-chu")
    user.save(update_fields=["password"])
    session = requests.Session()
    page = session.get(f"{base}/dang-nhap/", timeout=10).text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf, page[:500]
    answer = session.post(
        f"{base}/dang-nhap/",
        data={
            "csrfmiddlewaretoken": csrf.group(1),
            "username": user.username,
            "password": PASSWORD,
        },
        headers={"Referer": f"{base}/dang-nhap/"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text[:500]
    return session


def test_a_dossier_filed_on_one_server_is_handled_on_the_other(platform, cast_committed):
    cast = cast_committed
    token = {
        name: bearer_token(getattr(cast, name), name)
        for name in ("citizen", "clerk_elsewhere", "leader", "specialist")
    }
    filed = _api(
        platform.a,
        token["citizen"],
        "POST",
        "/dossiers/multipart",
        data={
            "procedure": "1.001193",
            "competent_unit": HOME,
            "receiving_unit": ELSEWHERE,
            "components": ["Tờ khai đăng ký khai sinh"],
        },
        files={"files": ("to-khai.pdf", PDF, "application/pdf")},
    )
    code = filed["code"]
    for who, action, body in [
        ("clerk_elsewhere", "receive", {}),
        ("leader", "assign", {"assignee_pin": cast.specialist.pin}),
        ("specialist", "start_review", {}),
        ("specialist", "submit_for_signature", {}),
        ("leader", "approve", {}),
        ("leader", "issue_result", {}),
    ]:
        step = _api(platform.b, token[who], "POST", f"/dossiers/{code}/actions/{action}", json=body)
    assert step["status"] == "result_issued"
    # The worker beside them signs the result into the applicant's store (the bucket).
    for _ in range(300):  # a minute at most, on a busy CI machine
        if WalletDocument.objects.filter(dossier__code=code, signed=True).exists():
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"the result was not signed: {platform.logs[-1].read_text()[-3000:]}")
    done = _api(
        platform.a,
        token["clerk_elsewhere"],
        "POST",
        f"/dossiers/{code}/actions/return_result",
        json={},
    )
    assert done["status"] == "returned"
    # A login on one server is a login on the other; both serve the files of the bucket.
    citizen = _login(platform.a, cast.citizen)
    dossier = Dossier.objects.get(code=code)
    declaration = dossier.files.exclude(file="").get()
    for base in (platform.a, platform.b):
        result = citizen.get(f"{base}/ho-so/{code}/ket-qua.pdf", timeout=30)
        assert result.status_code == 200, result.text[:300]
        assert b"/ByteRange" in result.content  # the signed copy from the bucket
        upload = citizen.get(f"{base}/ho-so/{code}/tep/{declaration.pk}/", timeout=30)
        assert upload.content == PDF
    assert not (Path(platform.logs[0]).parent / "a" / "media").exists()
    assert not (Path(platform.logs[0]).parent / "b" / "media").exists()


def test_a_publication_is_seen_by_both_servers(platform):
    from lienthong.catalog.records import parse_procedure
    from lienthong.catalog.services import publish_seed

    token = "Chứng thực chữ ký người dịch"
    for base in (platform.a, platform.b):
        found = requests.get(f"{base}/api/v1/procedures", params={"q": token}, timeout=10).json()
        assert not any(p["code"] == "1.009998" for p in found["items"])
    publish_seed(
        parse_procedure(variant(CHUNG_THUC, code="1.009998", name=token)),
        decision_number="Quyết định thử",
    )
    connection.close()  # committed: the servers read it
    for base in (platform.a, platform.b):
        found = requests.get(f"{base}/api/v1/procedures", params={"q": token}, timeout=10).json()
        assert any(p["code"] == "1.009998" for p in found["items"]), found


def test_a_token_revoked_elsewhere_stops_working_on_every_server(platform, cast_committed):
    from oauth2_provider.models import AccessToken

    from lienthong.accounts.auth import TOKEN_MEMO_SECONDS

    token = bearer_token(cast_committed.citizen, "revoked-citizen")
    for base in (platform.a, platform.b):  # both servers now remember the token as valid
        _api(base, token, "GET", "/dossiers")
    AccessToken.objects.filter(token_checksum=hashlib.sha256(token.encode()).hexdigest()).delete()
    connection.close()
    revoked = time.monotonic()
    refused: dict[str, float] = {}
    while len(refused) < 2 and time.monotonic() - revoked < TOKEN_MEMO_SECONDS + 15:
        for base in (platform.a, platform.b):
            if base not in refused:
                answer = requests.get(
                    f"{base}/api/v1/dossiers",
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=10,
                )
                if answer.status_code == 401:
                    refused[base] = time.monotonic() - revoked
        time.sleep(1)
    # docs/deployment.md: refused by every server within TOKEN_MEMO_SECONDS (plus the
    # time of one poll on a busy machine).
    assert set(refused) == {platform.a, platform.b}, refused
    assert max(refused.values()) <= TOKEN_MEMO_SECONDS + 5, refused
