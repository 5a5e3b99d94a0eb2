from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from lienthong.core.reference import DemoAccount, seeders


def print_accounts(cmd: BaseCommand, accounts: list[DemoAccount]) -> None:
    if not accounts:
        return
    cmd.stdout.write("")
    cmd.stdout.write("Tài khoản thử nghiệm (chỉ dùng cho môi trường demo):")
    width = max(len(a.role) for a in accounts)
    for a in accounts:
        note = f"  — {a.note}" if a.note else ""
        cmd.stdout.write(f"  {a.role.ljust(width)}  {a.username} / {a.password}{note}")


class Command(BaseCommand):
    help = "Tạo dữ liệu thử nghiệm (demo) và in các tài khoản thử nghiệm."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts: list[DemoAccount] = []
        steps = seeders()
        for i, step in enumerate(steps, 1):
            self.stdout.write(f"[{i}/{len(steps)}] {step.description} …")
            result = step.run()
            accounts.extend(result.accounts)
            self.stdout.write(self.style.SUCCESS(f"    ✓ {result.summary}"))
        print_accounts(self, accounts)
