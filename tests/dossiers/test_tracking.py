"""Public tracking: a key nobody guesses (75 bits), typeable (Crockford's base 32, any
case, dashes), with a check symbol; wrong guesses throttled per address and per dossier
(issue 13, item 8)."""

from __future__ import annotations

import random
import re

import pytest

from lienthong.core.identifiers import (
    IdentifierError,
    format_tracking_key,
    new_tracking_key,
    normalize_tracking_key,
)
from lienthong.core.models import ThrottleCounter
from lienthong.dossiers.models import Dossier
from lienthong.dossiers.services import TRACK_MISSES_PER_ADDRESS, TRACK_MISSES_PER_DOSSIER
from tests.dossiers.conftest import file_online

pytestmark = pytest.mark.django_db
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def test_a_new_key_has_75_random_bits_and_a_check_symbol():
    keys = {new_tracking_key() for _ in range(2000)}
    assert len(keys) == 2000
    for key in keys:
        assert re.fullmatch(f"[{ALPHABET}]{{16}}", key)
        assert normalize_tracking_key(key) == key
    # Every symbol is used at every random position (no fixed bits).
    for position in range(15):
        assert {k[position] for k in keys} == set(ALPHABET)


def test_a_key_is_read_as_people_type_it():
    key = new_tracking_key()
    printed = format_tracking_key(key)
    assert re.fullmatch(r"(\w{4}-){3}\w{4}", printed)
    assert normalize_tracking_key(printed.lower()) == key
    assert normalize_tracking_key(" ".join(printed.split("-"))) == key
    looks_alike = key.replace("0", "O").replace("1", "I")
    assert normalize_tracking_key(looks_alike) == key


def test_every_single_typo_and_almost_every_swap_of_neighbours_is_caught():
    rng = random.Random(13)  # noqa: S311  (reproducible test positions)
    for _ in range(200):
        key = new_tracking_key()
        i = rng.randrange(16)
        for wrong in ALPHABET:
            if wrong != key[i]:
                with pytest.raises(IdentifierError) as typo:
                    normalize_tracking_key(key[:i] + wrong + key[i + 1 :])
                assert typo.value.code == "tracking_key_check"
        j = rng.randrange(15)
        # Luhn mod N's one blind spot: swapping the first and last symbols (0 and Z).
        if key[j] != key[j + 1] and {key[j], key[j + 1]} != {"0", "Z"}:
            swapped = key[:j] + key[j + 1] + key[j] + key[j + 2 :]
            with pytest.raises(IdentifierError):
                normalize_tracking_key(swapped)


def test_a_dossier_gets_such_a_key_and_its_receipt_prints_it_grouped(cast):
    d = file_online(cast)
    assert normalize_tracking_key(d.tracking_key) == d.tracking_key
    assert d.tracking_key_display == format_tracking_key(d.tracking_key)


def test_keys_of_the_first_release_are_still_read(cast, client):
    d = file_online(cast)
    Dossier.objects.filter(pk=d.pk).update(tracking_key="A1B2C3")
    shown = client.get(f"/api/v1/track/{d.code}", {"key": "a1b2c3"})
    assert shown.status_code == 200


def test_a_mistyped_key_is_refused_without_a_lookup_and_is_not_counted(cast, client):
    d = file_online(cast)
    key = d.tracking_key
    typo = key[:-1] + ("0" if key[-1] != "0" else "1")
    answer = client.get(f"/api/v1/track/{d.code}", {"key": typo})
    assert answer.status_code == 422
    assert answer.json()["invalid_params"][0] == {
        "name": "key",
        "code": "tracking_key_check",
        "reason": answer.json()["invalid_params"][0]["reason"],
    }
    assert "gõ nhầm" in answer.json()["invalid_params"][0]["reason"]
    assert not ThrottleCounter.objects.filter(key__startswith="track-miss").exists()


def test_wrong_guesses_on_one_dossier_lock_its_tracking_for_a_while(cast, client):
    d = file_online(cast)
    for n in range(TRACK_MISSES_PER_DOSSIER.attempts):
        # From ever-changing addresses: the per-dossier count still adds up.
        got = client.get(
            f"/api/v1/track/{d.code}", {"key": new_tracking_key()}, REMOTE_ADDR=f"10.0.0.{n}"
        )
        assert got.status_code == 404
    locked = client.get(f"/api/v1/track/{d.code}", {"key": d.tracking_key}, REMOTE_ADDR="10.9.9.9")
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= TRACK_MISSES_PER_DOSSIER.seconds
    assert locked.json()["code"] == "too-many-attempts"
    # Another dossier is not affected.
    other = file_online(cast)
    assert (
        client.get(
            f"/api/v1/track/{other.code}", {"key": other.tracking_key}, REMOTE_ADDR="10.9.9.9"
        ).status_code
        == 200
    )


def test_wrong_guesses_from_one_address_lock_that_address(cast, client):
    d = file_online(cast)
    for n in range(TRACK_MISSES_PER_ADDRESS.attempts):
        got = client.get(f"/api/v1/track/H00-{n:06d}", {"key": new_tracking_key()})
        assert got.status_code == 404
    page = client.get("/tra-cuu/", {"ma": d.code, "khoa": d.tracking_key_display})
    assert page.status_code == 429
    assert "Đã tra cứu sai quá nhiều lần" in page.content.decode()
    assert int(page["Retry-After"]) > 0
    elsewhere = client.get(
        "/tra-cuu/", {"ma": d.code, "khoa": d.tracking_key_display}, REMOTE_ADDR="10.1.1.1"
    )
    assert elsewhere.status_code == 200
    assert "Trạng thái" in elsewhere.content.decode()
