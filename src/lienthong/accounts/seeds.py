"""Demo accounts for ``make demo``."""

from __future__ import annotations

from lienthong.accounts.models import UserKind
from lienthong.accounts.services import ensure_user
from lienthong.core.reference import DemoAccount, StepResult, register_seeder

DEMO_ADMIN = DemoAccount(
    role="Quản trị hệ thống",
    username="quantri",
    password="LienThong@2026",  # noqa: S106  demo-only account, printed to the operator
    note="/quan-tri/",
)


@register_seeder("accounts.demo", order=10, description="Tài khoản thử nghiệm")
def seed_demo_accounts() -> StepResult:
    ensure_user(
        username=DEMO_ADMIN.username,
        password=DEMO_ADMIN.password,
        kind=UserKind.OFFICIAL,
        full_name="Quản trị viên thử nghiệm",
        is_staff=True,
        is_superuser=True,
    )
    return StepResult("1 tài khoản quản trị", accounts=[DEMO_ADMIN])
