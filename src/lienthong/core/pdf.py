"""PDF from a Django template (WeasyPrint), for every printable page of the platform."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

__all__ = ["render_pdf"]


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported late: loading Pango costs a moment

    pdf: bytes = HTML(string=render_to_string(template, context)).write_pdf()
    return pdf
