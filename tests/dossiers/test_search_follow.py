"""What came of a search: the procedure opened from it and the dossier then filed, on the
portal and at the counter, noted on the search's log row for the catalogue team."""

from __future__ import annotations

from lienthong.catalog.models import SearchQuery
from lienthong.dossiers.models import Dossier
from tests.dossiers.conftest import ELSEWHERE, HOME, pdf
from tests.dossiers.test_documents import BIRTH


def test_a_citizen_who_searched_opened_and_filed_is_counted_as_served(client, cast):
    client.get("/thu-tuc/", {"q": "khai sinh cho con"})
    client.get("/thu-tuc/1.001193/")
    client.force_login(cast.citizen)
    province = cast.home_committee.province.code
    response = client.post(
        "/ho-so/nop/1.001193/",
        {
            "tinh": province,
            "xa": HOME,
            "noi-nop": ELSEWHERE,
            "idem": "search-1",
            "tep-0": pdf(),
            **{f"tk-{k}": v for k, v in BIRTH.items()},
        },
    )
    assert response.status_code == 302
    row = SearchQuery.objects.get()
    assert (row.channel, row.opened_code, row.filed) == ("portal", "1.001193", True)
    assert response.cookies["tra-cuu"].value == ""  # the thread ends with the dossier


def test_a_dossier_of_another_procedure_does_not_count_for_the_search(client, cast):
    client.get("/thu-tuc/", {"q": "ket hon"})
    client.get("/thu-tuc/1.001193/")  # opened something else than what was searched…
    row = SearchQuery.objects.get()
    row.opened_code = "1.000894"  # …say the marriage registration
    row.save()
    client.force_login(cast.citizen)
    province = cast.home_committee.province.code
    client.post(
        "/ho-so/nop/1.001193/",
        {
            "tinh": province,
            "xa": HOME,
            "noi-nop": ELSEWHERE,
            "idem": "search-2",
            "tep-0": pdf(),
            **{f"tk-{k}": v for k, v in BIRTH.items()},
        },
    )
    assert Dossier.objects.filter(applicant=cast.citizen).exists()
    assert not SearchQuery.objects.get().filed


def test_the_counter_screen_keeps_its_searches_and_what_the_clerk_received(client, cast):
    client.force_login(cast.clerk_home)
    url = "/can-bo/ho-so/tiep-nhan/"
    client.get(url, {"q": "khai sinh"})
    client.get(url, {"q": "khai sinh 037090001234"})  # typing on: the same search, scrubbed
    client.get(url, {"thu-tuc": "1.001193"})  # the clerk picks the procedure
    row = SearchQuery.objects.get()
    assert (row.channel, row.text, row.opened_code) == ("counter", "khai sinh [số]", "1.001193")
    response = client.post(
        url,
        {
            "thu-tuc": "1.001193",
            "cccd": cast.citizen.pin,
            "xa": HOME,
            "idem": "q-s",
            "tep-0": pdf(),
        },
    )
    assert response.status_code == 302
    assert SearchQuery.objects.get().filed
