"""Signed results land in the applicant's e-document store and can replace a paper copy."""

from __future__ import annotations

import pytest

from lienthong.core.errors import InvalidInput
from lienthong.core.outbox import dispatch
from lienthong.dossiers.models import WalletDocument
from lienthong.dossiers.services import act, submit
from tests.dossiers.conftest import HOME, form


@pytest.fixture(autouse=True)
def pki(tmp_path, settings):
    settings.SIGNING_PKI_DIR = tmp_path / "pki"
    settings.MEDIA_ROOT = tmp_path / "media"


def _issued(cast):
    d = submit(
        actor=cast.citizen, procedure_code="1.001193", competent_unit_code=HOME, uploads=form()
    )
    for actor, action, kw in [
        (cast.clerk_home, "receive", {}),
        (cast.leader, "assign", {"assignee": cast.specialist}),
        (cast.specialist, "start_review", {}),
        (cast.specialist, "submit_for_signature", {}),
        (cast.leader, "approve", {}),
        (cast.leader, "issue_result", {}),
    ]:
        d = act(actor=actor, code=d.code, action=action, **kw)
    while dispatch():
        pass
    return d


def test_the_signed_result_is_stored_once_and_served_from_the_store(cast, client):
    d = _issued(cast)
    while dispatch():  # a second pass does not store it twice
        pass
    [doc] = WalletDocument.objects.filter(owner=cast.citizen)
    assert doc.signed
    assert doc.dossier == d
    assert len(doc.sha256) == 64
    client.force_login(cast.citizen)
    assert doc.title in client.get("/kho-giay-to/").content.decode()
    served = client.get(f"/ho-so/{d.code}/ket-qua.pdf").content
    with doc.file.open("rb") as kept:
        assert served == kept.read()  # the same signed bytes every time
    client.force_login(cast.specialist)
    assert client.get(f"/kho-giay-to/{doc.pk}/").status_code == 404


def test_a_stored_result_replaces_a_paper_copy_in_a_new_dossier(cast):
    doc = WalletDocument.objects.get(dossier=_issued(cast))
    again = submit(
        actor=cast.citizen,
        procedure_code="2.000815",
        competent_unit_code=HOME,
        reused=[("Bản chính giấy tờ, văn bản", doc.pk)],
    )
    reused = again.files.get(from_wallet=doc)
    assert reused.digitised
    assert reused.sha256 == doc.sha256
    with pytest.raises(InvalidInput):  # another person's document
        submit(
            actor=cast.specialist,
            procedure_code="2.000815",
            competent_unit_code=HOME,
            reused=[("Bản chính giấy tờ, văn bản", doc.pk)],
        )
