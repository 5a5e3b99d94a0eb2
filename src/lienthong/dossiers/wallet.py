"""The applicant's e-document store: signed results land there and can be reused."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from lienthong.core import files
from lienthong.core.outbox import consumer
from lienthong.dossiers import documents
from lienthong.dossiers.models import Dossier, WalletDocument, wallet_file_name

if TYPE_CHECKING:
    from lienthong.core.models import OutboxEvent


@consumer("dossiers.wallet", topics=["dossier.issue_result"])
def store_result(event: OutboxEvent) -> None:
    """Sign the result and keep it in the applicant's store (once per dossier)."""
    dossier = (
        Dossier.objects.select_related(
            "procedure_version__procedure", "handling_agency__unit", "applicant"
        )
        .filter(code=event.aggregate_id)
        .first()
    )
    if dossier is None or WalletDocument.objects.filter(dossier=dossier, kind="result").exists():
        return
    pdf = documents.result_pdf(dossier)
    doc = WalletDocument(
        owner=dossier.applicant,
        dossier=dossier,
        title=f"{dossier.procedure_version.name} — {dossier.code}",
        kind="result",
        sha256=hashlib.sha256(pdf).hexdigest(),
        signed=True,
    )
    with files.staging() as staged:
        # A name nobody can guess; the download is named after the dossier.
        doc.file = staged.add(wallet_file_name(doc, "ket-qua.pdf"), pdf)
        try:
            with transaction.atomic():
                doc.save()
                staged.settle()
        except IntegrityError:  # stored meanwhile by another dispatcher
            staged.discard()
