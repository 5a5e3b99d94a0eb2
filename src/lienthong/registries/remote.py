"""Registries held by another LiênThông instance, read over its API (``adapter=http``).

The other instance (the national one, a ministry's) owns the records and answers the
same data services this platform answers (``/api/v1/data-services/…``,
``/api/v1/registries/…/records/…``). This platform calls it as a *system*: an OAuth2
client registered there, whose credentials are in the environment variables
``<PREFIX>_CLIENT_ID`` and ``<PREFIX>_CLIENT_SECRET`` (``Registry.remote_client_env`` is
the prefix; secrets never live in the database). The remote checks its own grant,
minimises to it and writes its own access log; the local gateway then minimises to the
local grant and writes the local log, as for the built-in tables.

What keeps a slow or broken remote from holding up the counter (docs/registries-remote.md):

* **timeouts** on connecting and on each read (``REGISTRY_HTTP_TIMEOUT``);
* **retries** of the GETs, which are idempotent, after a refused or dropped connection
  and after 502/503/504/429 (Retry-After respected up to a small cap), with a short
  exponential backoff; never after a timeout, whose wait has already been paid;
* a **circuit breaker** per remote registry: after ``REGISTRY_BREAKER_FAILURES`` failed
  reads in a row the circuit opens for ``REGISTRY_BREAKER_RESET_SECONDS``: reads fail at
  once with :class:`CircuitOpen` without touching the network; then one trial read goes
  through (half-open) and its outcome closes or reopens the circuit.

Every way the remote fails to answer is a :class:`RegistryUnavailable` (the gateway logs
an ``unavailable`` read and tells the clerk to take the paper copy). A remote that
answers with a refusal is not unavailable: its 403 becomes
``PermissionDenied(code="remote-refused")``, its 422 ``InvalidInput`` with its
parameters.
"""

from __future__ import annotations

import email.utils
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlsplit, urlunsplit

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AwareDatetime, BaseModel, ValidationError

from lienthong import __version__
from lienthong.core.errors import InvalidInput, InvalidParam, PermissionDenied, printable
from lienthong.registries.adapters import Found, Query, RegistryUnavailable, Reply
from lienthong.registries.datasets import RECORD

if TYPE_CHECKING:
    from lienthong.registries.datasets import Service
    from lienthong.registries.models import Registry

__all__ = [
    "CircuitBreaker",
    "CircuitOpen",
    "HttpAdapter",
    "Misconfigured",
    "Policy",
    "RemoteUnavailable",
    "Unconfigured",
    "adapter_for_http",
    "reset",
]

logger = logging.getLogger(__name__)


class RemoteUnavailable(RegistryUnavailable):
    """The remote did not answer usably (refused or dropped connection, timeout, 5xx,
    429 beyond the retries, a body that is not the API's answer, credentials refused)."""


class CircuitOpen(RegistryUnavailable):
    """The circuit of the remote registry is open: failed at once, no network call."""


class Misconfigured(RegistryUnavailable):
    """The registry says ``http`` but its URL or credentials are missing or malformed."""


# Configuration -------------------------------------------------------------------------


def _seconds(name: str, default: float) -> float:
    value = float(getattr(settings, name, default))
    return max(value, 0.0)


@dataclass(frozen=True, slots=True)
class Policy:
    """Timeouts, retries and breaker of the remote reads (settings ``REGISTRY_HTTP_*``,
    ``REGISTRY_BREAKER_*``; read when an adapter is made)."""

    connect_timeout: float = 2.0
    read_timeout: float = 5.0
    #: Further attempts after the first (connection refused or dropped, 502/503/504/429).
    retries: int = 2
    #: First pause between attempts, doubled each time up to ``backoff_max`` (± jitter).
    backoff: float = 0.2
    backoff_max: float = 1.0
    #: A 429 or 503 asking to wait longer than this is not retried (the read fails).
    retry_after_max: float = 2.0
    #: Failed reads in a row that open the circuit, and how long it stays open.
    failures: int = 5
    reset_seconds: float = 30.0

    @classmethod
    def from_settings(cls) -> Policy:
        timeout = getattr(settings, "REGISTRY_HTTP_TIMEOUT", (2.0, 5.0))
        if isinstance(timeout, int | float):
            connect = read = float(timeout)
        else:
            connect, read = (float(t) for t in timeout)
        return cls(
            connect_timeout=connect,
            read_timeout=read,
            retries=max(int(getattr(settings, "REGISTRY_HTTP_RETRIES", 2)), 0),
            backoff=_seconds("REGISTRY_HTTP_BACKOFF", 0.2),
            backoff_max=_seconds("REGISTRY_HTTP_BACKOFF_MAX", 1.0),
            retry_after_max=_seconds("REGISTRY_HTTP_RETRY_AFTER_MAX", 2.0),
            failures=max(int(getattr(settings, "REGISTRY_BREAKER_FAILURES", 5)), 1),
            reset_seconds=_seconds("REGISTRY_BREAKER_RESET_SECONDS", 30.0),
        )

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)


@dataclass(frozen=True, slots=True)
class Remote:
    """Where the registry lives and how this platform logs in there."""

    #: The remote API's base URL, ending with ``/`` (``https://…/api/v1/``).
    base_url: str
    token_url: str
    client_id: str
    client_secret: str = field(repr=False)


def _token_url(base_url: str) -> str:
    """``/oidc/token/`` beside the API: ``https://h/p/api/v1/`` → ``https://h/p/oidc/token/``."""
    parts = urlsplit(base_url)
    path = parts.path
    prefix = path[: -len("api/v1/")] if path.endswith("/api/v1/") else "/"
    return urlunsplit((parts.scheme, parts.netloc, f"{prefix}oidc/token/", "", ""))


def remote_of(registry: Registry) -> Remote:
    """The remote of an ``http`` registry, from its row and the environment.

    Raises:
        Misconfigured: no URL, a URL that is not http(s), no credential prefix, or the
            ``<PREFIX>_CLIENT_ID`` / ``<PREFIX>_CLIENT_SECRET`` variables unset.
    """
    url = (registry.remote_url or "").strip()
    parts = urlsplit(url)
    if not url or parts.scheme not in ("http", "https") or not parts.hostname:
        raise Misconfigured(
            f"registry {registry.code!r}: adapter http needs remote_url, the http(s) base "
            f"URL of the other instance's API (…/api/v1/), not {url!r}"
        )
    if parts.query or parts.fragment:
        raise Misconfigured(f"registry {registry.code!r}: remote_url has a query or fragment")
    base = url if url.endswith("/") else f"{url}/"
    prefix = (registry.remote_client_env or "").strip()
    if not prefix:
        raise Misconfigured(
            f"registry {registry.code!r}: adapter http needs remote_client_env, the prefix "
            f"of the environment variables <PREFIX>_CLIENT_ID and <PREFIX>_CLIENT_SECRET"
        )
    client_id = os.environ.get(f"{prefix}_CLIENT_ID", "").strip()
    secret = os.environ.get(f"{prefix}_CLIENT_SECRET", "")
    missing = [
        name
        for name, value in ((f"{prefix}_CLIENT_ID", client_id), (f"{prefix}_CLIENT_SECRET", secret))
        if not value
    ]
    if missing:
        raise Misconfigured(
            f"registry {registry.code!r}: environment variable(s) {', '.join(missing)} "
            f"not set (the OAuth2 client of this platform at {parts.netloc})"
        )
    token_url = os.environ.get(f"{prefix}_TOKEN_URL", "").strip() or _token_url(base)
    return Remote(base, token_url, client_id, secret)


# Circuit breaker -----------------------------------------------------------------------


class CircuitBreaker:
    """Closed → (``threshold`` failures in a row) → open for ``reset_seconds`` →
    half-open: one trial call; its success closes the circuit, its failure reopens it.
    Thread-safe; the calls themselves run outside the lock."""

    CLOSED: Final = "closed"
    OPEN: Final = "open"
    HALF_OPEN: Final = "half-open"

    def __init__(
        self,
        threshold: int,
        reset_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.threshold = max(threshold, 1)
        self.reset_seconds = reset_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._state: str = self.CLOSED
        self._failures = 0
        self._opened_at = 0.0

    @property
    def state(self) -> str:
        with self._lock:
            if self._state == self.OPEN and self._clock() - self._opened_at >= self.reset_seconds:
                return self.HALF_OPEN  # the next call is the trial
            return self._state

    def allow(self) -> bool:
        """Whether a call may go to the network now (taking the trial when half-open)."""
        with self._lock:
            if self._state == self.CLOSED:
                return True
            if self._state == self.OPEN:
                if self._clock() - self._opened_at < self.reset_seconds:
                    return False
                self._state = self.HALF_OPEN  # this caller makes the trial
                return True
            return False  # half-open: the trial is under way

    def succeeded(self) -> bool:
        """Record an answer; True when it closed an open circuit."""
        with self._lock:
            closed = self._state != self.CLOSED
            self._state = self.CLOSED
            self._failures = 0
            return closed

    def failed(self) -> bool:
        """Record a failure; True when it opened the circuit."""
        with self._lock:
            if self._state == self.OPEN:
                return False  # a call let through before it opened
            self._failures += 1
            if self._state == self.HALF_OPEN or self._failures >= self.threshold:
                self._state = self.OPEN
                self._opened_at = self._clock()
                return True
            return False


# The remote's answers ------------------------------------------------------------------


class _Meta(BaseModel):
    key: str
    subject: str
    version: int
    valid_from: AwareDatetime


class _Answer(BaseModel):
    records: list[dict[str, Any]]
    meta: list[_Meta] = []
    match: bool | None = None
    #: The fields the remote let out (its grant to this platform).
    fields: list[str] = []


class _TokenAnswer(BaseModel):
    access_token: str
    token_type: str = "Bearer"  # noqa: S105  (the token kind, not a secret)
    expires_in: int = 300


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    #: time.monotonic() after which a new one is fetched (before it expires).
    renew_at: float


#: Statuses worth another attempt of an idempotent GET.
_RETRIED: Final = frozenset({429, 502, 503, 504})
#: The purpose sent with :meth:`HttpAdapter.record` (the protocol gives it none).
_RECORD_PURPOSE: Final = "Đọc một bản ghi theo mã"


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - timezone.now()).total_seconds(), 0.0)


def _problem(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _text(value: object, limit: int = 500) -> str:
    return printable(str(value))[:limit] if isinstance(value, str) else ""


# The adapter ---------------------------------------------------------------------------


class HttpAdapter:
    """The :class:`~lienthong.registries.adapters.RegistryAdapter` of a registry held by
    another instance. One per registry and remote in a process
    (:meth:`for_registry`), so its token and circuit are shared by every thread."""

    over_network = True

    def __init__(self, code: str, remote: Remote, policy: Policy) -> None:
        self.code = code
        self.remote = remote
        self.policy = policy
        self.breaker = CircuitBreaker(policy.failures, policy.reset_seconds)
        self._token: _Token | None = None
        self._token_lock = threading.Lock()
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    # -- the cache ---------------------------------------------------------------------

    @classmethod
    def for_registry(cls, registry: Registry) -> HttpAdapter:
        """The process's adapter of ``registry`` (made again when its URL, credentials or
        the settings changed).

        Raises:
            Misconfigured: see :func:`remote_of`.
        """
        remote = remote_of(registry)
        policy = Policy.from_settings()
        key = (registry.code, remote.base_url, registry.remote_client_env)
        with _CACHE_LOCK:
            old = _CACHE.get(key)
            if old is not None and old.remote == remote and old.policy == policy:
                return old
            adapter = cls(registry.code, remote, policy)
            _CACHE[key] = adapter
        if old is not None:
            old.close()
        return adapter

    def close(self) -> None:
        """Close the connections kept open to the remote (every thread's)."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers.update(
                {
                    "Accept": "application/json",
                    "User-Agent": f"LienThong/{__version__} registry-adapter",
                }
            )
            with self._sessions_lock:
                self._sessions.append(session)
            self._local.session = session
        return session

    # -- the protocol ------------------------------------------------------------------

    def answer(self, registry: Registry, service: Service, value: str, query: Query) -> Reply:
        params = {"purpose": query.purpose}
        if query.dossier:
            params["dossier"] = query.dossier
        if query.on_behalf_of:
            params["on_behalf_of"] = query.on_behalf_of
        if service.code == RECORD:
            path = f"registries/{quote(registry.code, safe='')}/records/{quote(value, safe='')}"
        else:
            path = f"data-services/{quote(service.code, safe='')}"
            params = {"id": value, **params}
            for name in ("full_name", "birth_date"):
                fact = (query.facts or {}).get(name)
                if fact:
                    params[name] = fact
        answer = self._get(path, params, registry.name, service.code)
        if service.verify and service.code != RECORD:
            # The remote says only whether the facts match (no record, no meta): the
            # local log names the person looked up, as the remote's does.
            if answer.match is None:
                return Reply([])
            return Reply([Found(value, value, 0, timezone.now(), {})], answer.match)
        if len(answer.meta) != len(answer.records):
            self._fail_after_answer("records and meta differ in length")
        found = [
            Found(m.key, m.subject, m.version, m.valid_from, dict(r))
            for m, r in zip(answer.meta, answer.records, strict=True)
        ]
        return Reply(found, answer.match, tuple(answer.fields))

    def record(self, registry: Registry, key: str) -> Found | None:
        path = f"registries/{quote(registry.code, safe='')}/records/{quote(key, safe='')}"
        answer = self._get(path, {"purpose": _RECORD_PURPOSE}, registry.name, RECORD)
        if len(answer.meta) != len(answer.records):
            self._fail_after_answer("records and meta differ in length")
        if not answer.records:
            return None
        m = answer.meta[0]
        return Found(m.key, m.subject, m.version, m.valid_from, dict(answer.records[0]))

    def _fail_after_answer(self, reason: str) -> None:
        """The remote answered 200 with something that is not a usable answer."""
        self._failed(reason)
        raise RemoteUnavailable(f"{self.code}: {reason}")

    # -- one read ----------------------------------------------------------------------

    def _get(self, path: str, params: dict[str, str], name: str, service: str) -> _Answer:
        """GET one answer of the remote API, through the breaker (``name``: the
        registry's, for the messages; ``service``: what the logs say was called, never
        the looked-up number)."""
        if not self.breaker.allow():
            raise CircuitOpen(f"{self.code}: circuit open, {self.remote.base_url} not called")
        try:
            response = self._send(self.remote.base_url + path, params)
            answer = self._read(response, service, name)
        except RegistryUnavailable as exc:
            self._failed(str(exc))
            raise
        except BaseException:
            # The remote answered (a refusal, an invalid request): it is up.
            self._succeeded()
            raise
        self._succeeded()
        return answer

    def _succeeded(self) -> None:
        if self.breaker.succeeded():
            logger.info("registry %s: circuit closed, %s answers", self.code, self.remote.base_url)

    def _failed(self, reason: str) -> None:
        if self.breaker.failed():
            logger.warning(
                "registry %s: circuit opened for %.0f s after %s (%s)",
                self.code,
                self.policy.reset_seconds,
                reason,
                self.remote.base_url,
            )
        else:
            logger.info("registry %s: remote read failed: %s", self.code, reason)

    def _send(self, url: str, params: dict[str, str]) -> requests.Response:
        """The remote's response (a token fetched first; renewed once on a 401)."""
        session = self._session()
        renewed = False
        while True:
            token = self._bearer()

            def get(token: str = token) -> requests.Response:
                return session.get(
                    url,
                    params=params,
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=self.policy.timeout,
                    allow_redirects=False,
                )

            response = self._attempts(get, "read")
            if response.status_code == 401 and not renewed:
                response.close()
                self._forget(token)
                renewed = True
                continue
            return response

    def _attempts(self, send: Callable[[], requests.Response], what: str) -> requests.Response:
        """``send()`` until it gives a response that is not worth retrying, or the
        retries are spent (then the last response, or RemoteUnavailable)."""
        attempt = 0
        while True:
            delay: float | None
            try:
                response = send()
            except requests.Timeout as exc:
                # Connect or read timeout: its wait is already paid, no retry.
                raise RemoteUnavailable(
                    f"{self.code}: {what} timed out ({type(exc).__name__})"
                ) from exc
            except requests.ConnectionError as exc:
                if attempt >= self.policy.retries:
                    raise RemoteUnavailable(
                        f"{self.code}: {what}: connection failed ({type(exc).__name__})"
                    ) from exc
                delay = self._backoff(attempt)
            except requests.RequestException as exc:
                raise RemoteUnavailable(f"{self.code}: {what}: {type(exc).__name__}") from exc
            else:
                if response.status_code not in _RETRIED or attempt >= self.policy.retries:
                    return response
                asked = _retry_after(response)
                if asked is not None and asked > self.policy.retry_after_max:
                    return response  # it asks for more patience than a counter has
                delay = max(asked or 0.0, self._backoff(attempt))
                response.close()
            time.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        pause = min(self.policy.backoff * (1 << min(attempt, 16)), self.policy.backoff_max)
        return pause * random.uniform(0.5, 1.0)  # noqa: S311  (jitter, not a secret)

    # -- the token ---------------------------------------------------------------------

    def _bearer(self) -> str:
        """A client-credentials access token of the remote, fetched once and renewed
        before it expires (one fetch at a time; the other threads wait for it)."""
        with self._token_lock:
            token = self._token
            if token is not None and time.monotonic() < token.renew_at:
                return token.value
            self._token = self._fetch_token()
            return self._token.value

    def _forget(self, value: str) -> None:
        """The remote refused ``value`` (401): the next call fetches a new token."""
        with self._token_lock:
            if self._token is not None and self._token.value == value:
                self._token = None

    def _fetch_token(self) -> _Token:
        session = self._session()
        remote = self.remote

        def post() -> requests.Response:
            return session.post(
                remote.token_url,
                data={"grant_type": "client_credentials"},
                auth=(remote.client_id, remote.client_secret),
                timeout=self.policy.timeout,
                allow_redirects=False,
            )

        started = time.monotonic()
        response = self._attempts(post, "token")
        with response:
            if response.status_code in (400, 401):
                logger.error(
                    "registry %s: %s refused the client credentials of %s (status %s)",
                    self.code,
                    remote.token_url,
                    remote.client_id,
                    response.status_code,
                )
                raise RemoteUnavailable(f"{self.code}: the remote refused this platform's client")
            if response.status_code != 200:
                raise RemoteUnavailable(f"{self.code}: token: status {response.status_code}")
            try:
                answer = _TokenAnswer.model_validate(response.json())
            except (ValueError, ValidationError) as exc:
                raise RemoteUnavailable(f"{self.code}: token: not a token answer") from exc
        if answer.token_type.lower() != "bearer" or not answer.access_token:
            raise RemoteUnavailable(f"{self.code}: token: not a bearer token")
        lifetime = max(answer.expires_in, 0)
        # Renewed a tenth of its life (at most a minute) before it expires.
        return _Token(answer.access_token, started + lifetime - min(lifetime / 10, 60.0))

    # -- reading a response ------------------------------------------------------------

    def _read(self, response: requests.Response, service: str, name: str) -> _Answer:
        with response:
            status = response.status_code
            if status == 200:
                try:
                    return _Answer.model_validate(response.json())
                except (ValueError, ValidationError) as exc:
                    raise RemoteUnavailable(f"{self.code}: {service}: not an answer") from exc
            problem = _problem(response)
        if status == 403:
            detail = _text(problem.get("detail"))
            raise PermissionDenied(
                _(
                    "Hệ thống nguồn của %(registry)s từ chối cung cấp dữ liệu cho nền tảng "
                    "này: %(detail)s"
                )
                % {
                    "registry": name,
                    "detail": detail
                    or _("chưa được cơ quan chủ quản cấp quyền khai thác dịch vụ này."),
                },
                code="remote-refused",
            )
        if status == 422:
            params = [
                InvalidParam(
                    _text(p.get("name"), 80),
                    _text(p.get("code"), 40) or "invalid",
                    _text(p.get("reason")),
                )
                for p in problem.get("invalid_params") or []
                if isinstance(p, dict)
            ][:20]
            raise InvalidInput(
                _("Hệ thống nguồn không chấp nhận yêu cầu: %(detail)s")
                % {"detail": _text(problem.get("detail")) or "—"},
                invalid_params=params,
            )
        if status == 404:
            # The remote answers a record it does not hold with 200 and no records: a
            # 404 means it serves no such registry or service (a wrong remote_url).
            raise RemoteUnavailable(f"{self.code}: {service}: the remote does not serve it (404)")
        if status == 401:
            raise RemoteUnavailable(f"{self.code}: the remote refused a fresh token (401)")
        raise RemoteUnavailable(f"{self.code}: {service}: status {status}")


class Unconfigured:
    """The adapter of a registry whose remote cannot be set up: every read raises
    :class:`Misconfigured` with the reason, so the gateway logs it as unavailable."""

    over_network = True

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def answer(self, registry: Registry, service: Service, value: str, query: Query) -> Reply:
        raise Misconfigured(self.reason)

    def record(self, registry: Registry, key: str) -> Found | None:
        raise Misconfigured(self.reason)


_CACHE: dict[tuple[str, str, str], HttpAdapter] = {}
_CACHE_LOCK = threading.Lock()
_REPORTED: set[str] = set()


def adapter_for_http(registry: Registry) -> HttpAdapter | Unconfigured:
    """The adapter of an ``http`` registry; an :class:`Unconfigured` one (its reason logged
    once per process) when its URL or credentials are missing."""
    try:
        return HttpAdapter.for_registry(registry)
    except Misconfigured as exc:
        reason = str(exc)
        with _CACHE_LOCK:
            first = reason not in _REPORTED
            _REPORTED.add(reason)
        if first:
            logger.error("registry %s cannot be read: %s", registry.code, reason)
        return Unconfigured(reason)


def reset() -> None:
    """Forget every adapter (tokens, circuits) and close their connections."""
    with _CACHE_LOCK:
        adapters = list(_CACHE.values())
        _CACHE.clear()
        _REPORTED.clear()
    for adapter in adapters:
        adapter.close()
