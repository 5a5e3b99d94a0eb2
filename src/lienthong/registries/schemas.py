"""API schemas of the registries app."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Field, Schema

from lienthong.core.text import Line, Text


class FieldOut(Schema):
    name: str
    label: str
    kind: str


class ServiceOut(Schema):
    code: str
    name: str
    description: str
    lookup: str
    fields: list[str]


class RegistryOut(Schema):
    code: str
    name: str
    owner_code: str
    owner_name: str
    schema_version: int
    key_label: str
    fields: list[FieldOut]
    services: list[ServiceOut]


class RecordMetaOut(Schema):
    key: str
    subject: str
    version: int
    valid_from: dt.datetime


class AnswerOut(Schema):
    request: uuid.UUID
    registry: str
    service: str
    fields: list[str]
    records: list[dict[str, Any]]
    #: Each record's key, whose data it is, its version (same order as ``records``).
    meta: list[RecordMetaOut] = []
    match: bool | None = None


class AccessOut(Schema):
    id: int
    at: dt.datetime
    registry: str
    registry_name: str
    service: str
    service_name: str
    agency_code: str | None
    agency_name: str | None
    official: str | None
    system: str | None
    fields: list[str]
    field_labels: list[str]
    purpose: str
    dossier: str
    outcome: str
    outcome_label: str
    reported: bool


class HoldingLineOut(Schema):
    label: str
    value: str


class HoldingOut(Schema):
    registry: str
    registry_name: str
    key: str
    version: int
    valid_from: dt.datetime
    lines: list[HoldingLineOut]


class ReportIn(Schema):
    reason: Annotated[Text, Field(max_length=1000)]


class ReportOut(Schema):
    access: int
    alert: int


class BatchIn(Schema):
    #: Personal identification numbers or tax codes (at most 100 are looked up).
    ids: Annotated[list[Annotated[Line, Field(max_length=40)]], Field(max_length=1000)]
    purpose: Annotated[Text, Field(max_length=1000)]
    dossier: Annotated[Line, Field(max_length=100)] = ""
    on_behalf_of: Annotated[Line, Field(max_length=40)] = ""
    agency: Annotated[Line, Field(max_length=40)] = ""


class ItemErrorOut(Schema):
    code: str
    detail: str


class BatchItemOut(Schema):
    id: str
    answer: AnswerOut | None = None
    error: ItemErrorOut | None = None


class BatchOut(Schema):
    request: uuid.UUID
    registry: str
    service: str
    results: list[BatchItemOut]
