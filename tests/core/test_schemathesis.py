"""Issue 13: the live API, probed from its own OpenAPI document (schemathesis).

A live server with demo-like data (procedures, agencies, a filed dossier) answers
schemathesis' generated requests, valid and invalid, sent with a citizen's and an
official's bearer token. Any 5xx, any status the document does not list, a wrong content
type or a body that does not match its schema fails the test, naming the operation and
the request that showed it.

Bounded in time: a fixed number of examples per operation and mode, generated
deterministically (the same requests on every run, so CI does not flake), no shrinking.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.tokens import bearer_token

pytestmark = pytest.mark.django_db(transaction=True)

#: Examples per operation and generation mode (positive: valid input; negative: invalid).
EXAMPLES = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def people(cast_committed: Any, settings: Any, tmp_path: Any) -> dict[str, str]:
    """Bearer tokens of a citizen who filed a dossier and of the clerk who receives it."""
    from tests.dossiers.conftest import file_online

    settings.MEDIA_ROOT = tmp_path
    file_online(cast_committed)
    return {
        "citizen": bearer_token(cast_committed.citizen, "schemathesis-citizen"),
        "official": bearer_token(cast_committed.clerk_elsewhere, "schemathesis-official"),
    }


def _probe(operation: Any, mode: GenerationMode, call: Callable[[Any], Any]) -> str | None:
    """The first failure of ``operation`` in ``mode``, or None."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        response = call(case)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        return None  # no invalid input exists (no parameters, or any string is valid)
    except (Exception, BaseExceptionGroup) as exc:  # schemathesis' report, with the request
        report = str(exc).split("\n (", 1)[0].strip()
        return f"{operation.label} [{mode.value}]: {report}"
    return None


@pytest.fixture
def quiet_logs() -> Any:
    """The server logs each 4xx (thousands here); only errors are kept in the report."""
    import logging

    loggers = [logging.getLogger(name) for name in ("django.request", "lienthong.errors")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.parametrize("who", ["citizen", "official"])
@pytest.mark.usefixtures("quiet_logs")
def test_every_operation_answers_as_documented(live_server: Any, people: dict[str, str], who):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {people[who]}"}
    failures: list[str] = []
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        secured = bool(operation.definition.raw.get("security"))
        if who == "official" and not secured:
            continue  # public operations are probed once, with the citizen's token

        def call(case: Any) -> Any:
            return case.call(base_url=live_server.url, headers=headers, timeout=30)

        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failure = _probe(operation, mode, call)
            if failure:
                failures.append(failure)
    elapsed = time.monotonic() - started
    assert not failures, f"{len(failures)} failing (in {elapsed:.0f} s):\n\n" + "\n\n".join(
        failures
    )
