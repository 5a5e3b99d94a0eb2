"""Data quality: the rules find every defect the generator seeds, the run reports them
per province with progress, legacy addresses move to the new units (or wait for an
official's choice), and each change is a version with who and why."""

from __future__ import annotations

import pytest

from lienthong.core.errors import InvalidInput, PermissionDenied
from lienthong.registries import quality, services
from lienthong.registries.models import AddressReview, QualityRun, Record, Registry
from lienthong.registries.seeds import load_registries
from tests.directory.conftest import ensure_directory_data

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def reference(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        ensure_directory_data()
        load_registries()


@pytest.fixture
def generated(db):
    from lienthong.registries.population import generate

    return generate(3_000, seed=7, progress=False)


@pytest.fixture
def owner(db):
    from lienthong.accounts.constants import Role
    from lienthong.accounts.models import RoleAssignment
    from tests.factories import UserFactory

    user = UserFactory(official=True, pin="001085007890", username="001085007890")
    RoleAssignment.objects.create(
        user=user, agency=Registry.objects.get(code="population").owner, role=Role.REGISTRY_OWNER
    )
    return user


def test_the_rules_catch_every_seeded_defect(generated):
    assert {d.kind for d in generated.defects} == set(
        __import__("lienthong.registries.population", fromlist=["DEFECT_KINDS"]).DEFECT_KINDS
    )
    found = set()
    for registry in Registry.objects.all():
        found |= {(registry.code, f.key, f.rule) for f in quality.check(registry)}
    missed = [d for d in generated.defects if (d.registry, d.key, d.kind) not in found]
    assert missed == []


def test_clean_records_are_not_flagged(generated):
    """A defect-free generated population is clean: every finding is a seeded defect or
    a consequence of one (the same record)."""
    seeded = {(d.registry, d.key) for d in generated.defects}
    keys_with_defects = {k for _r, k in seeded}
    extra = []
    for registry in Registry.objects.all():
        for f in quality.check(registry):
            if (registry.code, f.key) in seeded:
                continue
            # The twin of a duplicate, a record about a person whose PIN or dates are wrong.
            if f.rule == "duplicate_person" and set(f.detail.split(", ")) & keys_with_defects:
                continue
            extra.append((registry.code, f.key, f.rule, f.detail))
    assert extra == []


def test_a_run_counts_per_province_and_records_its_findings(
    generated, owner, django_capture_on_commit_callbacks
):
    population = Registry.objects.get(code="population")
    with django_capture_on_commit_callbacks(execute=False):
        job = services.start_quality_run(actor=owner, registry=population)
    with pytest.raises(Exception, match="chưa xong"):
        services.start_quality_run(actor=owner, registry=population)
    done = quality.run(job.pk)
    assert done.status == QualityRun.Status.DONE
    assert done.processed == done.total == Record.objects.filter(registry=population).count()
    assert sum(done.results["records"].values()) == done.total
    seeded = [d for d in generated.defects if d.registry == "population"]
    counted = sum(sum(c.values()) for c in done.results["counts"].values())
    assert counted == done.findings.count() >= len(seeded)
    assert "" not in done.results["records"] or done.results["records"][""] < done.total // 100


def test_only_the_owner_starts_a_run(generated):
    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        services.start_quality_run(
            actor=UserFactory(official=True), registry=Registry.objects.get(code="population")
        )


def test_legacy_units_move_to_the_new_map_or_wait_for_a_choice(generated, owner):
    population = Registry.objects.get(code="population")
    dead = [d.key for d in generated.defects if d.kind == "dead_unit"]
    summary = services.convert_addresses(actor=owner, registry=population)
    assert summary.converted + summary.queued + summary.unresolved >= len(dead)
    communes = __import__("lienthong.geo.selectors", fromlist=["commune_map"]).commune_map()
    for key in dead:
        record = Record.objects.get(registry=population, key=key)
        if record.data["permanent_unit"] in communes.current:
            assert record.version == 2
            assert record.versions.get().reason.startswith("Chuyển đổi địa chỉ")
        else:
            assert AddressReview.objects.filter(record=record, decided_at__isnull=True).exists()
    review = AddressReview.objects.filter(decided_at__isnull=True).first()
    if review is not None:
        with pytest.raises(InvalidInput):
            services.choose_address(actor=owner, review_id=review.pk, ward_code="99999")
        choice = review.candidates[-1]["ward_code"]
        services.choose_address(actor=owner, review_id=review.pk, ward_code=choice)
        review.record.refresh_from_db()
        assert review.record.data["permanent_unit"] == choice
    again = services.convert_addresses(actor=owner, registry=population)
    assert again.converted == 0


def test_the_quality_pages(client, generated, owner):
    population = Registry.objects.get(code="population")
    client.force_login(owner)
    page = client.get("/can-bo/co-so-du-lieu/population/chat-luong/")
    assert page.status_code == 200
    assert "Chưa có lượt kiểm tra nào" in page.content.decode()
    client.post("/can-bo/co-so-du-lieu/population/chat-luong/", {"action": "run"})
    job = QualityRun.objects.get()
    polled = client.get(
        "/can-bo/co-so-du-lieu/population/chat-luong/?trang-thai=1", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'hx-trigger="every 2s"' in polled
    quality.run(job.pk)
    report = client.get("/can-bo/co-so-du-lieu/population/chat-luong/").content.decode()
    assert "Trùng người" in report
    assert "Ninh Bình" in report
    xlsx = client.get("/can-bo/co-so-du-lieu/population/chat-luong/?xuat=xlsx")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    services.convert_addresses(actor=owner, registry=population)
    review = AddressReview.objects.filter(decided_at__isnull=True).first()
    listing = client.get("/can-bo/co-so-du-lieu/population/dia-chi/")
    assert listing.status_code == 200
    if review is not None:
        wrong = client.post(
            "/can-bo/co-so-du-lieu/population/dia-chi/", {"review": review.pk, "ward_code": "1"}
        )
        assert wrong.status_code == 422
        right = client.post(
            "/can-bo/co-so-du-lieu/population/dia-chi/",
            {"review": review.pk, "ward_code": review.candidates[0]["ward_code"]},
        )
        assert right.status_code == 302


def test_records_per_province_are_counted_for_a_registry_that_names_no_commune(generated):
    insurance = Registry.objects.get(code="insurance")
    done = quality.run(QualityRun.objects.create(registry=insurance).pk)
    records = done.results["records"]
    assert sum(records.values()) == done.total > 0
    # Insurance records name no commune: the province is where the person lives.
    assert sum(n for p, n in records.items() if p) >= done.total * 0.9


def test_a_conversion_runs_once_at_a_time_with_its_progress_and_counts(
    generated, owner, django_capture_on_commit_callbacks
):
    population = Registry.objects.get(code="population")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        job = services.start_conversion(actor=owner, registry=population)
    assert len(queued) == 1
    with pytest.raises(Exception, match="chuyển đổi địa chỉ chưa xong") as busy:
        services.start_conversion(actor=owner, registry=population)
    assert busy.value.code == "conversion-pending"
    # A quality run is another kind of pass: it may start meanwhile.
    with django_capture_on_commit_callbacks(execute=False):
        services.start_quality_run(actor=owner, registry=population)
    done = services.run_conversion(job.pk)
    assert done.status == QualityRun.Status.DONE
    assert done.processed == done.total
    dead = [d for d in generated.defects if d.kind == "dead_unit"]
    counted = done.results["converted"] + done.results["queued"] + done.results["unresolved"]
    assert counted >= len(dead)


def test_the_current_residence_is_converted_too(generated, owner):
    from lienthong.geo.selectors import commune_map

    communes = commune_map()
    old, successors = next(
        (code, s) for code, s in communes.successors.items() if len(s) == 1 and code
    )
    population = Registry.objects.get(code="population")
    record = Record.objects.filter(registry=population).order_by("id").first()
    record.data["current_unit"] = old
    record.save(update_fields=["data"])
    services.convert_addresses(actor=owner, registry=population)
    record.refresh_from_db()
    assert record.data["current_unit"] == successors[0][0]
    assert record.versions.filter(reason__startswith="Chuyển đổi địa chỉ").exists()


def test_the_owners_pages_that_show_persons_log_them(client, generated, owner):
    from lienthong.registries.models import AccessLog

    population = Registry.objects.get(code="population")
    quality.run(QualityRun.objects.create(registry=population).pk)
    client.force_login(owner)
    page = client.get("/can-bo/co-so-du-lieu/population/chat-luong/")
    assert page.status_code == 200
    logged = AccessLog.objects.filter(service="quality", user=owner)
    assert logged.exists()
    assert all(log.record_key in page.content.decode() for log in logged)
    assert {log.outcome for log in logged} == {"allowed"}
    examples = logged.count()
    xlsx = client.get("/can-bo/co-so-du-lieu/population/chat-luong/?xuat=xlsx")
    assert xlsx.status_code == 200
    findings = QualityRun.objects.get().findings.values_list("key", flat=True)
    assert set(findings) <= set(
        AccessLog.objects.filter(service="quality").values_list("record_key", flat=True)
    )
    assert AccessLog.objects.filter(service="quality").count() > examples
    services.convert_addresses(actor=owner, registry=population)
    listing = client.get("/can-bo/co-so-du-lieu/population/dia-chi/")
    shown = AddressReview.objects.filter(decided_at__isnull=True).order_by("id")[:25]
    assert {r.record.key for r in shown} == set(
        AccessLog.objects.filter(service="addresses").values_list("record_key", flat=True)
    )
    assert listing.status_code == 200
    # The person sees who looked, named as the work it was.
    subject = AccessLog.objects.filter(service="quality").exclude(subject="").first().subject
    from tests.factories import UserFactory

    client.force_login(UserFactory(username=subject, pin=subject))
    tracker = client.get("/du-lieu-cua-toi/nhat-ky/").content.decode()
    assert "Kiểm tra chất lượng dữ liệu" in tracker


def test_an_address_the_reader_only_guesses_waits_for_an_official(generated, owner):
    # The commune is not one of Vụ Bản's: the reader's guesses (Xã Vụ Bản, the district's
    # new commune, first) go to the review queue; the record is not moved on a guess.
    population = Registry.objects.get(code="population")
    record = Record.objects.filter(registry=population).order_by("id").first()
    record.data["permanent_unit"] = ""
    record.data["legacy_address"] = "Xã Không Có Thật, huyện Vụ Bản, tỉnh Nam Định"
    record.save(update_fields=["data"])
    version = record.version
    services.convert_addresses(actor=owner, registry=population)
    record.refresh_from_db()
    assert record.version == version
    review = AddressReview.objects.get(record=record, decided_at__isnull=True)
    assert review.candidates[0]["ward_name"] == "Xã Vụ Bản"
