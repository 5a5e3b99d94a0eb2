"""Reference data: the registries of ``datasets.DATASETS`` with their owner agencies."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from lienthong.core.reference import StepResult, register_loader, register_seeder
from lienthong.directory import selectors as directory
from lienthong.registries.datasets import DATASETS, SERVICES, WRITE_SERVICES
from lienthong.registries.models import AccessGrant, Registry

if TYPE_CHECKING:
    from lienthong.accounts.models import User
    from lienthong.directory.models import Agency


@register_loader(
    "registries.registries",
    order=60,
    description="Cơ sở dữ liệu quốc gia, chuyên ngành và cơ quan chủ quản",
)
def load_registries() -> StepResult:
    """One ``Registry`` per data set (idempotent; an operator's adapter settings stay)."""
    created = 0
    with transaction.atomic():
        for d in DATASETS.values():
            owner = directory.get_agency(d.owner)
            _, new = Registry.objects.update_or_create(
                code=d.code,
                defaults={"name": str(d.name), "owner": owner, "schema_version": d.version},
            )
            created += new
    return StepResult(f"{len(DATASETS)} cơ sở dữ liệu ({created} mới)")


#: Grants of the demo: the demo commune's People's Committee and its service centre
#: read what the commune's procedures need (Decree 47/2020/NĐ-CP on sharing data
#: between state agencies; the Law on Identification 2023 for the population data).
_DEMO_GRANTS = (
    (
        "population",
        ["verify-identity", "person", "residence", "household"],
        [
            "pin",
            "full_name",
            "birth_date",
            "sex",
            "ethnicity",
            "religion",
            "nationality",
            "birth_place",
            "permanent_unit",
            "permanent_address",
            "current_unit",
            "current_address",
            "household",
            "relation",
            "status",
        ],
        "Luật Căn cước 2023; Nghị định 70/2024/NĐ-CP; Nghị định 47/2020/NĐ-CP",
    ),
    (
        "civil-status",
        ["civil-status-extract"],
        [
            "kind",
            "book",
            "number",
            "registered_on",
            "registered_at",
            "pin",
            "full_name",
            "event_date",
            "sex",
            "father_name",
            "mother_name",
            "spouse_name",
        ],
        "Luật Hộ tịch 2014; Nghị định 47/2020/NĐ-CP",
    ),
    (
        "insurance",
        ["insurance-card"],
        ["insurance_code", "pin", "full_name", "insured_kind", "card_from", "card_to", "facility"],
        "Luật Bảo hiểm y tế; Nghị định 63/2024/NĐ-CP; Nghị định 47/2020/NĐ-CP",
    ),
)
_DEMO_PURPOSE = "Giải quyết thủ tục hành chính: kiểm tra thông tin người nộp hồ sơ"

#: What each agency of the demo commune may also write (or read) for the results it
#: issues (Decree 63/2024/NĐ-CP, the interconnected birth and death groups): the
#: People's Committee enters births and deaths, the commune police residences, the
#: province's social insurance the children's cards.
_DEMO_WRITES: dict[str, list[tuple[str, list[str]]]] = {
    "people_committee": [
        ("population", ["new-citizen", "death-update"]),
        ("civil-status", ["civil-status-entry"]),
    ],
    "police": [("population", ["person", "residence", "household", "residence-update"])],
    "social_insurance": [
        ("insurance", ["insurance-card", "insurance-card-issue", "insurance-card-stop"]),
        ("population", ["person"]),
    ],
}


def _fields_of(services: list[str]) -> list[str]:
    """The fields the services read or write (what their grant must name)."""
    fields: set[str] = set()
    for code in services:
        service = SERVICES.get(code) or WRITE_SERVICES[code]
        fields.update(service.fields)
        if code in WRITE_SERVICES and WRITE_SERVICES[code].issues:
            fields.add(WRITE_SERVICES[code].issues)  # the number the registry issues
    return sorted(fields)


@register_seeder("registries.grants", order=65, description="Quyền khai thác dữ liệu thử nghiệm")
def seed_demo_grants() -> StepResult:
    """A registry owner's account at the Ministry of Public Security, a clerk of another
    province (who has no grant: their reads are refused), and the demo commune's grants."""
    from lienthong.accounts.constants import Role
    from lienthong.accounts.seeds import DEMO_COMMUNE, DemoPerson, demo_admin, demo_official
    from lienthong.registries.services import grant_access

    admin = demo_admin()
    owner_agency = directory.get_agency("000.00.00.G01")
    far_centre = directory.search_agencies(
        province="01", kind="service_centre", level="commune"
    ).first()
    people: list[tuple[DemoPerson, Agency]] = [
        (
            DemoPerson(
                "Chủ quản CSDL dân cư", "001085007890", "Ngô Minh Khoa", Role.REGISTRY_OWNER, ""
            ),
            owner_agency,
        )
    ]
    if far_centre is not None:
        clerk = DemoPerson(
            "Cán bộ một cửa tỉnh khác", "001190008901", "Lý Thu Trang", Role.CLERK, ""
        )
        people.append((clerk, far_centre))
    accounts = [demo_official(admin, person, agency) for person, agency in people]
    commune = directory.agencies_of_unit(DEMO_COMMUNE)
    consumers = [a for a in commune if a.kind in ("people_committee", "service_centre")]
    made = 0
    today = timezone.localdate()
    writers = [*consumers, *_demo_writers(DEMO_COMMUNE)]
    plan: list[tuple[str, list[str], list[str], str, Agency]] = [
        (code, services, fields, basis, consumer)
        for code, services, fields, basis in _DEMO_GRANTS
        for consumer in consumers
    ]
    for consumer in writers:
        for code, services in _DEMO_WRITES.get(consumer.kind, []):
            fields = _fields_of(services)
            read = next((p for p in plan if p[0] == code and p[4] == consumer), None)
            if read is not None:  # one grant per registry and agency: reads and writes
                plan.remove(read)
                services = sorted({*read[1], *services})
                fields = sorted({*read[2], *fields})
            plan.append((code, services, fields, "Nghị định 63/2024/NĐ-CP", consumer))
    for code, services, fields, basis, consumer in plan:
        registry = Registry.objects.get(code=code)
        if AccessGrant.objects.filter(
            registry=registry, consumer=consumer, revoked_at__isnull=True
        ).exists():
            continue
        grant_access(
            actor=admin,
            registry=registry,
            consumer=consumer,
            services=services,
            fields=fields,
            purpose=_DEMO_PURPOSE,
            legal_basis=basis,
            valid_from=today.replace(month=1, day=1),
        )
        made += 1
    reads = _demo_reads(consumers, far_centre)
    return StepResult(f"{made} quyền khai thác mới, {reads} lượt tra cứu mẫu", accounts=accounts)


def _demo_writers(commune: str) -> list[Agency]:
    """The demo commune's police and its province's social insurance."""
    police = list(directory.agencies_of_unit(commune).filter(kind="police"))
    committee = directory.agencies_of_unit(commune).filter(kind="people_committee").first()
    if committee is None or committee.province is None:
        return police
    insurer = directory.search_agencies(
        province=committee.province.code, kind="social_insurance", level="province"
    ).first()
    return [*police, *([insurer] if insurer else [])]


def _demo_reads(consumers: list[Agency], far: Agency | None) -> int:
    """A few real reads through the gateway, so the demo citizen's tracker and the
    owner's alerts have something to show: the commune's clerk checks his residence and
    household for a dossier; the clerk of another province tries without a grant."""
    from lienthong.accounts.seeds import DEMO_CITIZEN_PIN
    from lienthong.accounts.selectors import user_by_pin
    from lienthong.core.errors import DomainError
    from lienthong.registries import gateway
    from lienthong.registries.models import AccessLog

    if AccessLog.objects.filter(subject=DEMO_CITIZEN_PIN).exists():
        return 0
    centre = next((a for a in consumers if a.kind == "service_centre"), None)
    clerk = user_by_pin("036190002345")
    far_clerk = user_by_pin("001190008901")
    done = 0
    calls: list[tuple[Agency | None, User | None, str, str]] = [
        (centre, clerk, "residence", "Tiếp nhận hồ sơ đăng ký thường trú"),
        (centre, clerk, "household", "Tiếp nhận hồ sơ cấp thẻ BHYT cho trẻ dưới 6 tuổi"),
        (far, far_clerk, "residence", "Tra cứu thông tin cư trú"),
    ]
    for agency, user, service, purpose in calls:
        if agency is None or user is None:
            continue
        # The other province's clerk has no grant: refused, logged, alerted.
        with contextlib.suppress(DomainError):
            gateway.consult(
                gateway.Caller(agency, user),
                service,
                DEMO_CITIZEN_PIN,
                purpose=purpose,
                on_behalf_of=DEMO_CITIZEN_PIN,
            )
        done += 1
    return done
