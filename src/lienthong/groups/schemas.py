"""API shapes of interconnected applications."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from lienthong.core.text import JsonObject, Line


class ApplicationIn(Schema):
    #: The group's code (``LT-01``, ``LT-02``).
    group: Annotated[Line, Field(max_length=20)]
    #: The commune (new code) whose agencies decide.
    commune: Annotated[Line, Field(max_length=10)]
    #: The answers on the group's form (``GET /procedure-groups/{code}`` names it).
    form_data: JsonObject


class StepOut(Schema):
    order: int
    procedure: str
    procedure_name: str
    status: str
    status_label: str
    note: str
    dossier: str | None
    agency: str | None
    due_at: dt.datetime | None


class ApplicationOut(Schema):
    code: str
    group: str
    status: str
    status_label: str
    submitted_at: dt.datetime
    finished_at: dt.datetime | None
    #: What the results passed on (``new_pin``, ``insurance_code``).
    results: dict[str, str]
    steps: list[StepOut]
