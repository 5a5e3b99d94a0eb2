"""Which agency handles a dossier: the competent agency for the procedure and the place."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from lienthong.core import memo
from lienthong.core.errors import InvalidInput, InvalidParam
from lienthong.directory import selectors as directory

if TYPE_CHECKING:
    from lienthong.catalog.models import ProcedureVersion
    from lienthong.directory.models import Agency
    from lienthong.geo.models import AdministrativeUnit


@memo.memoize(key=lambda version, commune: (version.pk, commune.pk))
def competent_agency(version: ProcedureVersion, commune: AdministrativeUnit) -> Agency:
    """The agency that decides ``version`` for a person or property in ``commune``
    (remembered per process for a minute).

    Commune-level procedures go to the commune's People's Committee (or police);
    province-level ones to the province's department, police or social insurance.
    """
    kind = version.agency_kind
    province_code = commune.province.code if commune.province else commune.code
    if "commune" in version.levels and kind in ("people_committee", "police", "service_centre"):
        found = directory.agencies_of_unit(commune.code).filter(
            kind="people_committee" if kind == "service_centre" else kind
        )
    elif kind == "department":
        department = directory.department_of(province_code, version.department)
        if department is None:
            raise _no_competent_agency()
        return department
    else:
        found = directory.search_agencies(
            province=province_code,
            kind="people_committee" if kind in ("ministry", "service_centre") else kind,
            level="province",
        )
    agency = found.first()
    if agency is None:
        raise _no_competent_agency()
    return agency


def _no_competent_agency() -> InvalidInput:
    return InvalidInput(
        _("Chưa xác định được cơ quan giải quyết thủ tục này tại địa bàn đã chọn."),
        invalid_params=[
            InvalidParam("competent_unit", "no_competent_agency", _("Chọn xã, phường khác."))
        ],
    )


@memo.memoize(key=lambda unit: unit.pk)
def receiving_centre(unit: AdministrativeUnit) -> Agency:
    """The public administrative service centre of a commune (or of a province),
    remembered per process for a minute."""
    centre = directory.agencies_of_unit(unit.code).filter(kind="service_centre").first()
    if centre is None:
        raise InvalidInput(
            _("Xã, phường đã chọn chưa có Trung tâm Phục vụ hành chính công."),
            invalid_params=[InvalidParam("receiving_unit", "no_centre", _("Chọn nơi nộp khác."))],
        )
    return centre
