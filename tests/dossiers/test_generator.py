"""`lienthong seed --dossiers N` writes realistic history that the workflow can live with."""

from __future__ import annotations

from lienthong.dossiers.generator import generate
from lienthong.dossiers.models import Dossier, DossierEvent, Rating, RegisterCounter
from lienthong.dossiers.services import submit
from tests.dossiers.conftest import HOME, form


def test_generated_dossiers_look_real_and_leave_room_for_new_ones(cast):
    result = generate(400, seed=3)
    assert result.summary.startswith("400 hồ sơ")
    assert Dossier.objects.count() == 400
    statuses = set(Dossier.objects.values_list("status", flat=True))
    assert {"returned", "in_review", "submitted"} <= statuses
    channels = set(Dossier.objects.values_list("channel", flat=True))
    assert {"online", "counter"} <= channels
    assert Dossier.objects.filter(overdue=True).exists()
    assert DossierEvent.objects.filter(action="submit").count() == 400
    assert Rating.objects.exists()
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    returned = Dossier.objects.filter(status="returned").first()
    assert returned.due_at > returned.received_at
    # A real submission afterwards gets a fresh id and code.
    d = submit(
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    assert d.pk > max(Dossier.objects.exclude(pk=d.pk).values_list("pk", flat=True))
    assert Dossier.objects.filter(code=d.code).count() == 1
    # Issued results carry their register numbers, and the books' counters hold them
    # all, so a real signature afterwards takes the next number.
    issued = Dossier.objects.exclude(result_number=None)
    assert issued.count() == Dossier.objects.exclude(finished_at=None).count() > 0
    assert sum(RegisterCounter.objects.values_list("last", flat=True)) == issued.count()
    assert all(i.result_reference.startswith(f"{i.result_number}") for i in issued)
    # The history's issue_result rows carry the number, as a real signature's do.
    event = DossierEvent.objects.filter(action="issue_result").first()
    assert event.data["result_number"] == event.dossier.result_number
    # Filed at another commune only within the province, as intake allows: a province's
    # readers find every dossier of theirs by its own province column.
    for d in Dossier.objects.select_related("receiving_agency", "handling_agency"):
        assert d.receiving_agency.province_id == d.province_id
        assert d.handling_agency.province_id in (d.province_id, None)
    # Every id a generated row names exists: on PostgreSQL the batches may skip their
    # foreign-key triggers (a superuser's bulk load), so nothing else would notice.
    for model in (Dossier, DossierEvent, Rating):
        for field in model._meta.concrete_fields:
            if field.is_relation:
                target = field.related_model._default_manager.values("pk")
                orphans = model.objects.exclude(**{f"{field.attname}__isnull": True}).exclude(
                    **{f"{field.attname}__in": target}
                )
                assert not orphans.exists(), (model.__name__, field.name)


def test_a_run_stopped_midway_and_run_again_numbers_on_without_a_clash(cast, monkeypatch):
    import pytest

    from lienthong.dossiers import generator

    monkeypatch.setattr(generator, "BATCH", 20)
    real = generator.fastsql.load
    calls = []

    def stop_at_the_third_batch(model, names, rows):
        calls.append(model)
        if model is Dossier and calls.count(Dossier) == 3:
            raise KeyboardInterrupt  # the operator's Ctrl+C
        return real(model, names, rows)

    monkeypatch.setattr(generator.fastsql, "load", stop_at_the_third_batch)
    from lienthong.geo import selectors as geo

    home = {u.pk for u in geo.current_units("commune").filter(code=HOME)}
    with pytest.raises(KeyboardInterrupt):
        generate(100, seed=5, communes=home)
    assert Dossier.objects.count() == 40  # two batches landed, the third did not
    monkeypatch.setattr(generator.fastsql, "load", real)
    generate(100, seed=6, communes=home)  # again, on top: the same centre, days overlap
    assert Dossier.objects.count() == 140
    codes = list(Dossier.objects.values_list("code", flat=True))
    assert len(codes) == len(set(codes))
    d = submit(
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    assert Dossier.objects.filter(code=d.code).count() == 1
