"""The synthetic population: deterministic, well-formed PINs, households that hold
together, current units, every kind of seeded defect, the demo family, the command."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from lienthong.core.identifiers import PROVINCE_CODES, normalize_tax_code, validate_pin
from lienthong.geo import selectors as geo
from lienthong.registries import population
from lienthong.registries.models import Record, RecordParty, Registry
from lienthong.registries.population import DEFECT_KINDS, generate, seeded_defects
from lienthong.registries.seeds import load_registries
from tests.directory.conftest import ensure_directory_data

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 7, 15)


@pytest.fixture(scope="module", autouse=True)
def reference(django_db_setup, django_db_blocker):
    """Units and agencies (committed once, as the other modules do) and the registries;
    registries this module made are taken away again, for the tests that make their own."""
    with django_db_blocker.unblock():
        ensure_directory_data()
        had = set(Registry.objects.values_list("code", flat=True))
        load_registries()
    yield
    with django_db_blocker.unblock():
        Registry.objects.filter(code__in=set(population.REGISTRIES) - had).delete()


@pytest.fixture(scope="module")
def current_communes(reference, django_db_blocker) -> frozenset[str]:
    with django_db_blocker.unblock():
        return frozenset(geo.current_units("commune").values_list("code", flat=True))


def records(code: str) -> dict[str, Record]:
    return {r.key: r for r in Record.objects.filter(registry__code=code)}


def people() -> dict[str, dict[str, Any]]:
    return {k: r.data for k, r in records("population").items()}


def age_on(born: str, day: dt.date) -> float:
    return (day - dt.date.fromisoformat(born)).days / 365.2425


def defect_keys(result: population.GenerationResult, *kinds: str) -> set[str]:
    return {d.key for d in result.defects if not kinds or d.kind in kinds}


def test_the_same_seed_gives_the_same_people():
    first = generate(300, seed=11, progress=False, today=DAY)
    before = {k: r.data for k, r in records("population").items()}
    again = generate(300, seed=11, progress=False, today=DAY)
    after = {k: r.data for k, r in records("population").items()}
    assert len(before) == 300 == first.persons
    assert after == before
    assert again.defects == first.defects
    assert again.cleared == sum(first.counts.values())  # the first run's rows went
    assert seeded_defects(300, 11, today=DAY) == first.defects
    other = generate(300, seed=12, progress=False, today=DAY)
    assert set(records("population")) != set(before)
    assert other.persons == 300


def test_pins_have_the_structure_of_their_holders():
    result = generate(400, seed=3, progress=False)
    mismatched = defect_keys(result, "pin_mismatch")
    checked = 0
    for pin, p in people().items():
        info = validate_pin(pin)
        assert info.province_code in PROVINCE_CODES
        if pin in mismatched:
            born = p["birth_date"]
            assert info.sex != p["sex"] or info.birth_year != int(born[:4])
            continue
        if not p["birth_date"]:
            continue  # a seeded missing field
        assert info.sex == p["sex"], pin
        assert info.birth_year == int(p["birth_date"][:4]), pin
        checked += 1
    assert checked > 350
    assert len(people()) == len({p["pin"] for p in people().values()}) == 400


def test_households_hold_together():
    result = generate(600, seed=5, progress=False)
    folk = people()
    impossible = defect_keys(result, "impossible_date", "missing_field")
    households: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in folk.values():
        households[p["household"]].append(p)
        assert len(p["household"]) <= 20
        assert p["relation"] in {
            "head",
            "spouse",
            "child",
            "parent",
            "grandchild",
            "sibling",
            "other",
        }
    assert 2.8 < len(folk) / len(households) < 4.2
    for members in households.values():
        assert [m["relation"] for m in members].count("head") == 1
        pins = {m["pin"] for m in members}
        for m in members:
            for link in ("father_pin", "mother_pin", "spouse_pin"):
                assert m[link] is None or m[link] in pins, (m["pin"], link)
            if m["spouse_pin"]:
                assert folk[m["spouse_pin"]]["spouse_pin"] == m["pin"]
                assert folk[m["spouse_pin"]]["sex"] != m["sex"]
            if m["pin"] in impossible:
                continue
            for link, sex in (("father_pin", "male"), ("mother_pin", "female")):
                parent = folk.get(m[link] or "")
                if parent is None or parent["pin"] in impossible:
                    continue
                assert parent["sex"] == sex
                gap = age_on(parent["birth_date"], dt.date.fromisoformat(m["birth_date"]))
                assert 18 <= gap <= 45, (m["pin"], link, gap)
    # husbands were 20 and wives 18 or older when they married
    for marriage in records("civil-status").values():
        d = marriage.data
        if d["kind"] != "marriage" or d["pin"] in impossible or d["spouse_pin"] in impossible:
            continue
        on = dt.date.fromisoformat(d["event_date"])
        assert age_on(folk[d["pin"]]["birth_date"], on) >= 20
        assert age_on(folk[d["spouse_pin"]]["birth_date"], on) >= 18


def test_units_are_communes_in_force(current_communes):
    result = generate(400, seed=8, progress=False)
    dead = defect_keys(result, "dead_unit")
    legacy = 0
    for pin, p in people().items():
        assert p["current_unit"] in current_communes
        assert p["birth_place"] in current_communes
        if pin in dead:
            assert p["permanent_unit"] not in current_communes
        else:
            assert p["permanent_unit"] in current_communes
        legacy += bool(p["legacy_address"])
        assert p["nationality"] == "Việt Nam"
    assert legacy > 20
    for r in records("civil-status").values():
        assert r.data["registered_at"] in current_communes
    for r in records("enterprises").values():
        assert r.data["unit"] in current_communes
    for r in records("social-protection").values():
        assert r.data["paying_unit"] in current_communes


def test_every_kind_of_defect_is_seeded_and_points_at_a_record():
    result = generate(400, seed=9, progress=False)
    assert {d.kind for d in result.defects} == set(DEFECT_KINDS)
    folk = people()
    for d in result.defects:
        assert Record.objects.filter(registry__code=d.registry, key=d.key).exists(), d
    twins = Counter(
        (p["full_name"], p["birth_date"], p["sex"], p["father_pin"], p["mother_pin"])
        for pin, p in folk.items()
        if pin in defect_keys(result, "duplicate_person")
    )
    assert twins
    assert set(twins.values()) == {2}
    insurance = records("insurance")
    for key in defect_keys(result, "dead_insured"):
        card = insurance[key].data
        assert card["card_status"] == "active"
        assert folk[card["pin"]]["status"] == "dead"
    assert "lỗi cài sẵn" in result.summary


def test_the_other_registries_follow_the_people():
    result = generate(500, seed=21, progress=False)
    today = timezone.localdate()
    folk = people()
    flawed = defect_keys(result)
    civil = records("civil-status")
    parties: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for p in RecordParty.objects.filter(record__registry__code="civil-status").select_related(
        "record"
    ):
        parties[p.record.key].add((p.role, p.pin))
    births = {r.data["pin"]: r for r in civil.values() if r.data["kind"] == "birth"}
    deaths = {r.data["pin"] for r in civil.values() if r.data["kind"] == "death"}
    for pin, p in folk.items():
        if pin in flawed:
            continue
        if p["birth_date"] >= "2016-01-01":
            birth = births[pin]
            assert birth.data["event_date"] == p["birth_date"]
            assert birth.key.startswith("KS.")
            assert len(birth.key) <= 40
            expected = {
                (role, p[f"{role}_pin"]) for role in ("father", "mother") if p[f"{role}_pin"]
            }
            assert parties[birth.key] == expected
        if p["status"] == "dead":
            assert pin in deaths
    for r in civil.values():
        if r.data["kind"] == "marriage":
            assert parties[r.key] == {("spouse", r.data["spouse_pin"])}
    cards = [r.data for r in records("insurance").values()]
    assert len(cards) > 0.8 * len(folk)
    for card in cards:
        if card["pin"] in flawed:
            continue
        assert len(card["insurance_code"]) == 10
        assert card["insurance_code"].isdigit()
        assert card["card_from"] <= card["card_to"]
        holder = folk[card["pin"]]
        if card["insured_kind"] == "child_under_6" and holder["status"] == "alive":
            assert card["card_from"] == holder["birth_date"]
            assert age_on(holder["birth_date"], today) < 6
    for r in records("social-protection").values():
        assert r.data["allowance"] % 250_000 == 0
        assert r.data["allowance"] >= 500_000
    representatives = {
        p.record.key: p.pin
        for p in RecordParty.objects.filter(role="representative").select_related("record")
    }
    for key, r in records("enterprises").items():
        assert normalize_tax_code(key) == key == r.subject
        assert representatives[key] == r.data["representative_pin"] in folk
        assert r.data["lines"]


def test_the_people_look_like_the_country():
    generate(2_500, seed=4, progress=False)
    folk = list(people().values())
    today = timezone.localdate()
    ages = [age_on(p["birth_date"], today) for p in folk if p["birth_date"]]
    pyramid = population.age_pyramid()
    everyone = sum(m + f for _a, _b, m, f in pyramid)

    def census(low: int, high: int) -> float:
        return sum(m + f for a, b, m, f in pyramid if a >= low and b <= high) / everyone

    def drawn(low: int, high: int) -> float:
        return sum(1 for a in ages if low <= a < high + 1) / len(ages)

    for low, high in ((0, 14), (15, 29), (30, 59), (60, 99)):
        assert abs(drawn(low, high) - census(low, high)) < 0.06, (low, high)
    assert 0.75 < sum(p["ethnicity"] == "Kinh" for p in folk) / len(folk) < 0.95
    assert 0.2 < sum(p["full_name"].startswith("Nguyễn ") for p in folk) / len(folk) < 0.4
    assert sum(p["religion"] == "Không" for p in folk) / len(folk) > 0.7
    assert 0.95 < Counter(p["sex"] for p in folk)["male"] / (len(folk) / 2) < 1.05


def test_the_quality_rules_find_the_seeded_defects_and_no_others():
    quality = pytest.importorskip("lienthong.registries.quality")
    result = generate(500, seed=13, progress=False)
    expected = {(d.registry, d.key, d.kind) for d in result.defects}
    found = set()
    for code in ("population", "insurance"):
        registry = Registry.objects.get(code=code)
        found |= {(code, f.key, f.rule) for f in quality.check(registry) if f.rule in DEFECT_KINDS}
    assert found == expected


def test_the_demo_family_is_there_and_seeding_again_changes_nothing():
    result = population.seed_demo_population()
    assert "bản ghi của công dân, cán bộ thử nghiệm" in result.summary
    folk = people()
    assert len(folk) >= population.DEMO_PERSONS
    an = folk["037090001234"]
    assert (an["full_name"], an["sex"], an["birth_date"][:4]) == ("Nguyễn Văn An", "male", "1990")
    assert an["permanent_unit"] == "13786"
    assert an["relation"] == "head"
    home = [p for p in folk.values() if p["household"] == an["household"]]
    wife = folk[an["spouse_pin"]]
    assert wife["sex"] == "female"
    assert wife["spouse_pin"] == an["pin"]
    children = [p for p in home if p["relation"] == "child"]
    assert len(children) == 2
    assert all(c["father_pin"] == an["pin"] for c in children)
    today = timezone.localdate()
    small = [c for c in children if age_on(c["birth_date"], today) < 6]
    assert len(small) == 1
    father, mother = folk[an["father_pin"]], folk[an["mother_pin"]]
    assert father["household"] == mother["household"] != an["household"]
    assert father["permanent_unit"] == "13786" == mother["permanent_unit"]
    for p in (an, wife, *children, father, mother):
        info = validate_pin(p["pin"])
        assert (info.sex, info.birth_year) == (p["sex"], int(p["birth_date"][:4]))
    cards = {r.data["pin"]: r.data for r in records("insurance").values()}
    assert cards[small[0]["pin"]]["insured_kind"] == "child_under_6"
    assert all(p["pin"] in cards for p in (an, wife, father, mother))
    civil = list(Record.objects.filter(registry__code="civil-status", key__contains="13786"))
    births = {r.data["pin"]: r for r in civil if r.data["kind"] == "birth"}
    for child in children:
        roles = set(births[child["pin"]].parties.values_list("role", "pin"))
        assert roles == {("father", an["pin"]), ("mother", wife["pin"])}
    marriage = next(r for r in civil if r.data["kind"] == "marriage" and r.subject == an["pin"])
    assert set(marriage.parties.values_list("role", "pin")) == {("spouse", wife["pin"])}
    officials = {
        "036190002345": "Trần Thị Bình",
        "036190002399": "Vũ Thị Hạnh",
        "036088003456": "Lê Văn Cường",
        "037175004567": "Phạm Thị Dung",
        "037085005678": "Hoàng Văn Hải",
        "037080006789": "Đỗ Văn Giang",
    }
    for pin, name in officials.items():
        assert folk[pin]["full_name"] == name
        info = validate_pin(pin)
        assert (info.sex, info.birth_year) == (folk[pin]["sex"], int(folk[pin]["birth_date"][:4]))
    business = Record.objects.get(registry__code="enterprises", key="2701234560")
    assert business.data["name"] == "Công ty TNHH Nông sản Liên Minh"
    assert set(business.parties.values_list("role", "pin")) == {("representative", an["pin"])}

    counts = (Record.objects.count(), RecordParty.objects.count())
    population.seed_demo_population()
    assert (Record.objects.count(), RecordParty.objects.count()) == counts
    # a new population keeps the demo family
    generate(200, seed=2, progress=False)
    assert Record.objects.filter(registry__code="population", key="037090001234").exists()
    assert Record.objects.filter(registry__code="enterprises", key="2701234560").exists()


def test_the_seed_command(capsys):
    with pytest.raises(CommandError, match="--registries"):
        call_command("seed", "--persons", "5")
    with pytest.raises(CommandError, match="nguyên dương"):
        call_command("seed", "--registries", "--persons", "0")
    with pytest.raises(CommandError, match="--persons"):
        call_command("seed", "--registries")
    call_command("seed", "--registries", "--persons", "120")
    assert "120 người dân" in capsys.readouterr().out
    assert Record.objects.filter(registry__code="population").count() == 120
