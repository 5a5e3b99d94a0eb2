"""Template filters of the geography pages."""

from __future__ import annotations

from django import template

from lienthong.geo.models import AdministrativeUnit

register = template.Library()


@register.filter
def in_sentence(unit: AdministrativeUnit) -> str:
    """A unit's name as it reads inside a sentence: "Huyện Vụ Bản" → "huyện Vụ Bản".

    Only the type word is lower-cased; the proper name keeps its capitals.
    """
    name, short = unit.name, unit.short_name
    if short and name != short and name.endswith(f" {short}"):
        return f"{name[: -len(short)].lower()}{short}"
    return name
