"""A registry held by another instance, read over its API (``adapter=http``).

The other instance is real: a second ``lienthong serve`` process with its **own**
embedded SQLite database (its own ``LIENTHONG_VAR_DIR``, migrated by ``lienthong
migrate`` and filled by ``lienthong shell -c``), holding the population registry with
the built-in adapter, an OAuth2 client for this platform and a grant to it. This test
process is the calling platform: its own ``population`` row says ``adapter=http`` and
points at that server. Two databases, two access logs, two grants — the honest picture
of a province reading the national registry — and the test runs on any backend (the
calling side's database is whatever the suite runs on; the remote side never shares
it), at the cost of one migration of a fresh SQLite file (~15 s on an idle machine,
started in the background at the start of the session so that it overlaps the
creation of the local test database).

Outages are made with things the test controls at the TCP level, never by mocking
``requests``: a closed port, and a small proxy in a thread (:class:`Gate`) that
forwards to the remote, drops every connection, holds connections without answering,
or answers with something that is not JSON — and counts the connections it accepts,
which is how "the open circuit makes no connection attempt" is shown.
"""

from __future__ import annotations

import json
import os
import select
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from lienthong.core.errors import InvalidInput
from lienthong.registries import gateway, remote
from lienthong.registries.adapters import Query, RegistryUnavailable
from lienthong.registries.datasets import SERVICES
from lienthong.registries.models import AccessLog
from tests.registries.conftest import CHILD, CITIZEN, STRANGER, WIFE

pytestmark = pytest.mark.django_db

LIENTHONG = str(Path(sys.executable).parent / "lienthong")
CLIENT_ID = "lienthong-tinh-thu-nghiem"
CLIENT_SECRET = "bi-mat-cua-nen-tang-tinh-2026"
ENV = "LT_TEST_NATIONAL"
#: The remote's address for its people: not the address the local tables hold.
REMOTE_ADDRESS = "Số 8 phố Quốc Gia"
#: Fields of the remote's grant to this platform: no ``permanent_unit``.
REMOTE_FIELDS = [
    "pin",
    "full_name",
    "birth_date",
    "permanent_address",
    "household",
    "relation",
    "status",
]

SETUP = f"""
import datetime as dt
from django.utils import timezone
from oauth2_provider.models import Application
from lienthong.accounts.models import ApiClient
from lienthong.directory.models import Agency
from lienthong.registries.models import AccessGrant, Record, Registry

owner = Agency.objects.create(code="000.00.00.G01", name="Bộ Công an", block="state",
    level="central", kind="ministry", search_key="bo cong an")
consumer = Agency.objects.create(code="000.00.01.H98", name="UBND xã Một", block="state",
    level="commune", kind="people_committee", search_key="ubnd xa mot")
population = Registry.objects.create(code="population", name="CSDL quốc gia về dân cư",
    owner=owner)
people = [
    ({CITIZEN!r}, "Nguyễn Văn An", "1990-05-12", "head"),
    ({WIFE!r}, "Trần Thị Mai", "1992-03-01", "spouse"),
    ({CHILD!r}, "Nguyễn Minh Khôi", "2020-09-09", "child"),
]
for pin, name, born, relation in people:
    Record.objects.create(registry=population, key=pin, subject=pin, group="H000001",
        valid_from=timezone.now() - dt.timedelta(days=3),
        data={{"pin": pin, "full_name": name, "birth_date": born, "sex": "male",
              "permanent_unit": "13786", "permanent_address": {REMOTE_ADDRESS!r},
              "household": "H000001", "relation": relation, "status": "alive"}})
app = Application.objects.create(name="LiênThông tỉnh", client_id={CLIENT_ID!r},
    client_type="confidential", authorization_grant_type="client-credentials",
    client_secret={CLIENT_SECRET!r}, hash_client_secret=True)
ApiClient.objects.create(application=app, agency=consumer)
AccessGrant.objects.create(registry=population, consumer=consumer, client_id=app.client_id,
    services=["residence", "household", "verify-identity", "record"],
    fields={REMOTE_FIELDS!r}, purpose="Giải quyết thủ tục hành chính",
    legal_basis="Nghị định 47/2020/NĐ-CP",
    valid_from=timezone.localdate() - dt.timedelta(days=1))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Remote:
    url: str
    port: int
    database: Path
    log: Path

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1/"

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the remote instance's own database."""
        with closing(sqlite3.connect(self.database, timeout=20)) as db:
            return db.execute(sql, params).fetchall()

    def tokens(self) -> int:
        ((n,),) = self.rows(
            "SELECT count(*) FROM oauth2_provider_accesstoken t "
            "JOIN oauth2_provider_application a ON a.id = t.application_id "
            "WHERE a.client_id = ?",
            CLIENT_ID,
        )
        return int(n)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass
class _Home:
    path: Path
    env: dict[str, str]
    migrate: subprocess.Popen[bytes]
    log: Path


@pytest.fixture(scope="session", autouse=True)
def _national_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Home]:
    """The other instance's directory, its database migrated in the background from the
    start: session-scoped and autouse so that pytest starts it before it creates the
    local test database, and the two migrations overlap."""
    home = tmp_path_factory.mktemp("national")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "LIENTHONG_VAR_DIR"}
    }
    env["LIENTHONG_VAR_DIR"] = str(home / "var")
    log = home / "migrate.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([LIENTHONG, "migrate", "-v0"], env=env, stdout=out, stderr=out)
    try:
        yield _Home(home, env, proc, log)
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def national(_national_home: _Home) -> Iterator[Remote]:
    """The other instance: migrated, then filled while it starts serving on a free port
    (module-wide)."""
    home = _national_home
    try:
        home.migrate.wait(timeout=300)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the remote's migration hangs: {home.log.read_text()[-3000:]}")
    assert home.migrate.returncode == 0, home.log.read_text()[-3000:]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**home.env, "PUBLIC_URL": url}
    log = home.path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [LIENTHONG, "serve", "--port", str(port), "--threads", "4"],
            env=env,
            stdout=out,
            stderr=out,
        )
    try:
        setup = subprocess.run(
            [LIENTHONG, "shell", "-c", SETUP],
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert setup.returncode == 0, (setup.stdout[-2000:], setup.stderr[-3000:])
        for _ in range(600):
            if proc.poll() is not None:
                pytest.fail(f"the remote stopped: {log.read_text()[-3000:]}")
            try:
                requests.get(f"{url}/readyz", timeout=1).close()
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail(f"the remote did not start: {log.read_text()[-3000:]}")
        yield Remote(url, port, home.path / "var" / "lienthong.sqlite3", log)
    finally:
        _stop(proc)


class Gate:
    """A TCP port in front of the remote: ``forward`` (a transparent proxy), ``drop``
    (accept and close at once), ``hang`` (accept, read, never answer) or ``answer``
    (read the request, send ``reply``, close). ``accepted`` counts the connections made
    to it."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.mode = "forward"
        self.reply = b""
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = int(self._listener.getsockname()[1])
        self._closing = threading.Event()
        self._cut = threading.Event()  # ends the connections of the previous mode
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1/"

    def set(self, mode: str, reply: bytes = b"") -> None:
        """Switch mode; connections open in the previous one are cut."""
        with self._lock:
            cut, self._cut = self._cut, threading.Event()
            threads, self._threads = self._threads, []
            self.mode, self.reply = mode, reply
        cut.set()
        for t in threads:
            t.join(timeout=5)

    def close(self) -> None:
        self._closing.set()
        self._cut.set()
        self._accepting.join(timeout=5)
        for t in self._threads:
            t.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._closing.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.accepted += 1
                mode, reply, cut = self.mode, self.reply, self._cut
                if mode == "drop":
                    conn.close()
                    continue
                t = threading.Thread(target=self._serve, args=(conn, mode, reply, cut), daemon=True)
                self._threads.append(t)
            t.start()

    def _serve(self, conn: socket.socket, mode: str, reply: bytes, cut: threading.Event) -> None:
        with conn:
            if mode == "forward":
                with socket.create_connection(("127.0.0.1", self.upstream)) as up:
                    self._pipe(conn, up, cut)
                return
            if mode == "answer":
                conn.settimeout(5)
                conn.recv(65536)
                conn.sendall(reply)
                return
            while not cut.is_set():  # hang: read what comes, answer nothing
                ready, _, _ = select.select([conn], [], [], 0.05)
                if ready and not conn.recv(65536):
                    return

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket, cut: threading.Event) -> None:
        while not cut.is_set():
            ready, _, _ = select.select([a, b], [], [], 0.05)
            for s in ready:
                try:
                    data = s.recv(65536)
                    if not data:
                        return
                    (b if s is a else a).sendall(data)
                except OSError:
                    return


def _reply(status: str, content_type: str, body: bytes, *headers: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", *headers]
    head += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


@pytest.fixture
def gate(national: Remote) -> Iterator[Gate]:
    g = Gate(national.port)
    yield g
    g.close()


@pytest.fixture(autouse=True)
def _fresh_adapters() -> Iterator[None]:
    """Each test starts without tokens or circuits of another, and leaves no connection."""
    remote.reset()
    yield
    remote.reset()


@pytest.fixture
def linked(world, grant, national: Remote, monkeypatch, settings):
    """The local population registry read from the national instance; the local grant
    of the consumer (residence, household, verify-identity, record) as in the gateway
    tests."""
    monkeypatch.setenv(f"{ENV}_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv(f"{ENV}_CLIENT_SECRET", CLIENT_SECRET)
    settings.REGISTRY_HTTP_TIMEOUT = (2.0, 10.0)  # a busy test machine

    def point(url: str, *, token_url: str = "") -> Any:
        if token_url:
            monkeypatch.setenv(f"{ENV}_TOKEN_URL", token_url)
        population = world.population
        population.adapter = "http"
        population.remote_url = url
        population.remote_client_env = ENV
        population.save()
        return population

    grant()
    point(national.api)
    return point


def _caller(world) -> gateway.Caller:
    return gateway.Caller(world.consumer, world.clerk, "", "127.0.0.1")


def _residence(client, world, **params: str) -> Any:
    client.force_login(world.clerk)
    return client.get(
        "/api/v1/data-services/residence",
        {"id": CITIZEN, "purpose": "Đăng ký thường trú", **params},
    )


# Reads that reach the remote -----------------------------------------------------------


def test_a_read_reaches_the_remote_which_minimises_and_logs_it_too(client, world, linked, national):
    response = _residence(client, world, dossier="H37.99", on_behalf_of=CITIZEN)
    assert response.status_code == 200, response.content
    body = response.json()
    (record,) = body["records"]
    # The remote's data (not the local tables'), minus what the remote's grant withholds.
    assert record["permanent_address"] == REMOTE_ADDRESS
    assert (record["pin"], record["full_name"]) == (CITIZEN, "Nguyễn Văn An")
    # Withheld by the remote's grant: not in the answer, not logged as read here.
    assert "permanent_unit" not in record
    assert "permanent_unit" not in body["fields"]
    assert body["meta"][0]["key"] == CITIZEN
    assert body["meta"][0]["version"] == 1
    # The local log: one row, as for the built-in tables.
    (log,) = AccessLog.objects.all()
    assert (log.subject, log.outcome, log.user_id, log.dossier) == (
        CITIZEN,
        "allowed",
        world.clerk.pk,
        "H37.99",
    )
    assert str(log.request) == body["request"]
    # The remote's own log names this platform's system, the purpose and the dossier.
    ((service, outcome, client_id, purpose, dossier, on_behalf_of, fields),) = national.rows(
        "SELECT service, outcome, client_id, purpose, dossier, on_behalf_of, fields "
        "FROM registries_accesslog WHERE dossier = ?",
        "H37.99",
    )
    assert (service, outcome, client_id, purpose, dossier, on_behalf_of) == (
        "residence",
        "allowed",
        CLIENT_ID,
        "Đăng ký thường trú",
        "H37.99",
        CITIZEN,
    )
    assert "permanent_unit" not in json.loads(fields)


def test_a_household_a_record_and_an_identity_check_over_the_remote(world, linked, national):
    caller = _caller(world)
    household = gateway.consult(caller, "household", WIFE, purpose="Cấp thẻ BHYT cho con")
    assert {r["pin"] for r in household.records} == {CITIZEN, WIFE, CHILD}
    assert {m.key for m in household.meta} == {CITIZEN, WIFE, CHILD}
    assert AccessLog.objects.filter(request=household.request).count() == 3

    one = gateway.read_record(caller, "population", CHILD, purpose="Kiểm tra hồ sơ", dossier="R1")
    assert [r["full_name"] for r in one.records] == ["Nguyễn Minh Khôi"]
    assert national.rows("SELECT service FROM registries_accesslog WHERE dossier = 'R1'") == [
        ("record",)
    ]

    facts = {"full_name": "nguyễn  văn AN", "birth_date": "1990-05-12"}
    yes = gateway.consult(caller, "verify-identity", CITIZEN, purpose="Xác thực", facts=facts)
    assert (yes.match, yes.records) == (True, [])
    wrong = {**facts, "birth_date": "1990-05-13"}
    no = gateway.consult(caller, "verify-identity", CITIZEN, purpose="Xác thực", facts=wrong)
    assert no.match is False
    nobody = gateway.consult(caller, "residence", STRANGER, purpose="Tra cứu")
    assert nobody.records == []
    assert AccessLog.objects.filter(outcome="not_found").count() == 1


def test_a_token_is_fetched_once_and_renewed_when_the_remote_refuses_it(world, linked, national):
    before = national.tokens()
    for _ in range(3):
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert national.tokens() == before + 1
    # A token the remote no longer accepts: one 401, a new token, the read goes on.
    adapter = remote.HttpAdapter.for_registry(world.population)
    adapter._token = remote._Token("het-han-hoac-bi-thu-hoi", time.monotonic() + 3600)
    answer = gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert answer.records[0]["permanent_address"] == REMOTE_ADDRESS
    assert national.tokens() == before + 2


def test_concurrent_reads_share_one_token_and_all_get_their_answer(world, linked, national):
    adapter = remote.HttpAdapter.for_registry(world.population)
    before = national.tokens()
    service = SERVICES["household"]

    def read(_: int) -> set[str]:
        reply = adapter.answer(world.population, service, CITIZEN, Query("Đọc đồng thời"))
        return {f.key for f in reply.found}

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(read, range(24)))
    assert answers == [{CITIZEN, WIFE, CHILD}] * 24
    assert national.tokens() == before + 1
    assert adapter.breaker.state == "closed"
    adapter.close()


# Refusals are answers, not outages ------------------------------------------------------


def test_the_remotes_refusal_is_a_403_not_an_outage(client, world, grant, linked):
    # Locally granted, but the remote granted this platform no ``person`` service.
    grant(services=["person"], fields=["pin", "full_name", "birth_date"])
    client.force_login(world.clerk)
    response = client.get("/api/v1/data-services/person", {"id": CITIZEN, "purpose": "Tra cứu"})
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "remote-refused"
    assert "chưa được" in response.json()["detail"]
    assert not AccessLog.objects.filter(outcome="unavailable").exists()
    # The attempt is in the person's tracker here too.
    (log,) = AccessLog.objects.all()
    assert (log.subject, log.outcome, log.reason) == (CITIZEN, "refused", "remote-refused")
    assert remote.HttpAdapter.for_registry(world.population).breaker.state == "closed"


def test_a_request_the_remote_finds_invalid_is_invalid_input(world, linked):
    adapter = remote.HttpAdapter.for_registry(world.population)
    with pytest.raises(InvalidInput) as invalid:
        adapter.answer(world.population, SERVICES["residence"], "12", Query("Tra cứu"))
    assert [p.name for p in invalid.value.invalid_params] == ["pin"]


# Outages -------------------------------------------------------------------------------


def _unavailable_rows() -> int:
    return AccessLog.objects.filter(outcome="unavailable").count()


def test_a_closed_port_is_a_logged_503_with_the_paper_copy(client, world, linked):
    linked(f"http://127.0.0.1:{_free_port()}/api/v1/")
    response = _residence(client, world)
    assert response.status_code == 503, response.content
    problem = response.json()
    assert (problem["code"], response["Content-Type"]) == (
        "registry-unavailable",
        "application/problem+json",
    )
    assert "bản giấy" in problem["detail"]
    log = AccessLog.objects.get()
    assert (log.outcome, log.reason, log.subject) == ("unavailable", "unavailable", CITIZEN)


def test_an_http_registry_without_credentials_is_a_logged_503(client, world, linked, monkeypatch):
    monkeypatch.delenv(f"{ENV}_CLIENT_SECRET")
    response = _residence(client, world)
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "registry-unavailable"
    assert _unavailable_rows() == 1
    linked("")  # no URL either
    with pytest.raises(gateway.RegistryUnavailableError) as caught:
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert isinstance(caught.value.__cause__, remote.Misconfigured)
    assert "remote_url" in str(caught.value.__cause__)


def test_dropped_connections_are_retried_then_unavailable(world, linked, gate, national, settings):
    settings.REGISTRY_HTTP_RETRIES = 2
    settings.REGISTRY_HTTP_BACKOFF = 0.01
    linked(gate.api, token_url=f"{national.url}/oidc/token/")
    gate.set("drop")
    with pytest.raises(gateway.RegistryUnavailableError) as caught:
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert isinstance(caught.value.__cause__, remote.RemoteUnavailable)
    assert gate.accepted == 3  # the first attempt and two retries
    assert _unavailable_rows() == 1


def test_the_circuit_opens_fails_fast_and_a_trial_closes_it(
    world, linked, gate, national, settings
):
    settings.REGISTRY_HTTP_RETRIES = 0
    settings.REGISTRY_BREAKER_FAILURES = 3
    settings.REGISTRY_BREAKER_RESET_SECONDS = 2.0
    linked(gate.api, token_url=f"{national.url}/oidc/token/")
    caller = _caller(world)
    assert gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu").records
    gate.set("drop")
    for _ in range(3):
        with pytest.raises(gateway.RegistryUnavailableError):
            gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")
    adapter = remote.HttpAdapter.for_registry(world.population)
    assert adapter.breaker.state == "open"
    # Open: failed at once, no connection attempted, still logged.
    attempts = gate.accepted
    with pytest.raises(gateway.RegistryUnavailableError) as caught:
        gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")
    assert isinstance(caught.value.__cause__, remote.CircuitOpen)
    assert _unavailable_rows() == 4
    started = time.perf_counter()
    with pytest.raises(remote.CircuitOpen):
        adapter.answer(world.population, SERVICES["residence"], CITIZEN, Query("Tra cứu"))
    assert time.perf_counter() - started < 0.05
    assert gate.accepted == attempts
    # After the open period one trial goes through; the remote is back: closed again.
    gate.set("forward")
    time.sleep(2.05)
    assert adapter.breaker.state == "half-open"
    assert gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu").records
    assert adapter.breaker.state == "closed"
    assert gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu").records
    assert gate.accepted >= 5


def test_a_failed_trial_reopens_the_circuit(world, linked, gate, national, settings):
    settings.REGISTRY_HTTP_RETRIES = 0
    settings.REGISTRY_BREAKER_FAILURES = 1
    settings.REGISTRY_BREAKER_RESET_SECONDS = 1.0
    linked(gate.api, token_url=f"{national.url}/oidc/token/")
    gate.set("drop")
    caller = _caller(world)
    with pytest.raises(gateway.RegistryUnavailableError):
        gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")
    time.sleep(1.05)
    with pytest.raises(gateway.RegistryUnavailableError) as trial:
        gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")
    assert isinstance(trial.value.__cause__, remote.RemoteUnavailable)
    assert gate.accepted == 2
    with pytest.raises(gateway.RegistryUnavailableError) as fast:
        gateway.consult(caller, "residence", CITIZEN, purpose="Tra cứu")
    assert isinstance(fast.value.__cause__, remote.CircuitOpen)
    assert gate.accepted == 2


def test_a_remote_that_never_answers_is_unavailable_within_the_timeout(
    client, world, linked, gate, national, settings
):
    settings.REGISTRY_HTTP_TIMEOUT = (1.0, 0.5)
    population = linked(gate.api, token_url=f"{national.url}/oidc/token/")
    # A token got beforehand: the remote checks the client's secret against a slow hash,
    # which on a busy machine takes longer than this test's read timeout.
    with requests.post(
        f"{national.url}/oidc/token/",
        data={"grant_type": "client_credentials"},
        auth=(CLIENT_ID, CLIENT_SECRET),
        timeout=30,
    ) as token:
        assert token.status_code == 200, token.text
        adapter = remote.HttpAdapter.for_registry(population)
        adapter._token = remote._Token(token.json()["access_token"], time.monotonic() + 600)
    gate.set("hang")
    started = time.perf_counter()
    response = _residence(client, world)
    elapsed = time.perf_counter() - started
    assert response.status_code == 503, response.content
    assert 0.5 <= elapsed < 2.5, elapsed
    assert gate.accepted == 1  # a timeout is not retried: its wait is already paid
    assert _unavailable_rows() == 1


def test_an_answer_that_is_not_the_api_is_unavailable(world, linked, gate, national):
    linked(gate.api, token_url=f"{national.url}/oidc/token/")
    gate.set("answer", _reply("200 OK", "text/html", b"<html></html>"))
    with pytest.raises(gateway.RegistryUnavailableError) as caught:
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert isinstance(caught.value.__cause__, remote.RemoteUnavailable)
    assert "not an answer" in str(caught.value.__cause__)


def test_a_busy_remote_is_retried_when_it_asks_for_a_short_wait(world, linked, gate, national):
    linked(gate.api, token_url=f"{national.url}/oidc/token/")
    busy = _reply("503 Service Unavailable", "application/problem+json", b"{}", "Retry-After: 0")
    gate.set("answer", busy)
    with pytest.raises(gateway.RegistryUnavailableError):
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert gate.accepted == 3  # REGISTRY_HTTP_RETRIES=2 by default
    # Asked to wait a minute: not retried (the clerk takes the paper copy instead).
    limited = _reply("429 Too Many Requests", "application/problem+json", b"{}", "Retry-After: 60")
    gate.set("answer", limited)
    started = time.perf_counter()
    with pytest.raises(gateway.RegistryUnavailableError):
        gateway.consult(_caller(world), "residence", CITIZEN, purpose="Tra cứu")
    assert gate.accepted == 4
    assert time.perf_counter() - started < 10  # not the minute it asked for


# The breaker on its own ----------------------------------------------------------------


def test_the_breaker_lets_one_trial_through_when_half_open():
    now = [0.0]
    breaker = remote.CircuitBreaker(2, 10.0, clock=lambda: now[0])
    assert breaker.allow()
    assert not breaker.failed()
    assert breaker.succeeded() is False  # closed already: the count starts again
    assert not breaker.failed()
    assert breaker.failed()  # the second in a row opens it
    assert (breaker.state, breaker.allow()) == ("open", False)
    now[0] = 10.0
    assert breaker.allow()  # the trial …
    assert not breaker.allow()  # … and only one
    assert breaker.failed()  # reopened for another 10 s
    now[0] = 15.0
    assert not breaker.allow()
    now[0] = 20.0
    assert breaker.allow()
    assert breaker.succeeded()
    assert (breaker.state, breaker.allow(), breaker.allow()) == ("closed", True, True)


def test_settings_shape_the_policy(settings):
    settings.REGISTRY_HTTP_TIMEOUT = 3
    settings.REGISTRY_HTTP_RETRIES = -1
    policy = remote.Policy.from_settings()
    assert (policy.timeout, policy.retries, policy.failures) == ((3.0, 3.0), 0, 5)
    assert remote._token_url("https://dancu.gov.vn/lienthong/api/v1/") == (
        "https://dancu.gov.vn/lienthong/oidc/token/"
    )
    assert remote._token_url("http://127.0.0.1:8123/api/v1/") == "http://127.0.0.1:8123/oidc/token/"


def test_a_misconfigured_adapter_raises_unavailability_not_a_crash(world):
    from lienthong.registries.adapters import adapter_for

    world.population.adapter = "http"
    adapter = adapter_for(world.population)
    assert isinstance(adapter, remote.Unconfigured)
    with pytest.raises(RegistryUnavailable, match="remote_url"):
        adapter.record(world.population, CITIZEN)
