"""Demo accounts of the agencies that take the later steps of the interconnected groups:
the demo commune's police (residence) and its province's social insurance (cards,
survivor benefits). Their grants to write the registries are the registries' demo
seed's."""

from __future__ import annotations

from lienthong.core.reference import StepResult, register_seeder
from lienthong.directory import selectors as directory


@register_seeder("groups.officials", order=70, description="Cán bộ công an xã, BHXH tỉnh")
def seed_group_officials() -> StepResult:
    from lienthong.accounts.constants import Role
    from lienthong.accounts.seeds import DEMO_COMMUNE, DemoPerson, demo_admin, demo_official

    admin = demo_admin()
    committee = directory.agencies_of_unit(DEMO_COMMUNE).filter(kind="people_committee").first()
    police = directory.agencies_of_unit(DEMO_COMMUNE).filter(kind="police").first()
    insurer = (
        directory.search_agencies(
            province=committee.province.code, kind="social_insurance", level="province"
        ).first()
        if committee is not None and committee.province is not None
        else None
    )
    people = []
    if police is not None:
        people += [
            (
                DemoPerson(
                    "Trưởng Công an xã",
                    "037175004580",
                    "Đinh Văn Khải",
                    Role.LEADER,
                    "",
                    "Trưởng Công an xã",
                ),
                police,
            ),
            (
                DemoPerson(
                    "Cán bộ đăng ký cư trú", "036088003480", "Mai Thị Lan", Role.SPECIALIST, ""
                ),
                police,
            ),
        ]
    if insurer is not None:
        people += [
            (
                DemoPerson(
                    "Lãnh đạo BHXH tỉnh",
                    "037175004590",
                    "Tạ Quang Minh",
                    Role.LEADER,
                    "",
                    "Phó Giám đốc",
                ),
                insurer,
            ),
            (
                DemoPerson(
                    "Chuyên viên BHXH tỉnh", "036088003490", "Kiều Thị Nga", Role.SPECIALIST, ""
                ),
                insurer,
            ),
        ]
    accounts = [demo_official(admin, person, agency) for person, agency in people]
    return StepResult(f"{len(accounts)} cán bộ", accounts=accounts)
