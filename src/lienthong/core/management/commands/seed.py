from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lienthong.core.reference import DemoAccount, generators, seeders


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

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dossiers",
            type=int,
            metavar="N",
            help="thêm N hồ sơ có lịch sử như thật (kênh, thủ tục, kết quả, trễ hạn, đánh giá) "
            "ở các tỉnh, xã để thử bảng điều hành và đo hiệu năng",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("dossiers") is not None:
            if options["dossiers"] < 1:
                raise CommandError("--dossiers phải là số nguyên dương")
            result = generators()["dossiers"](options["dossiers"])
            self.stdout.write(self.style.SUCCESS(f"✓ {result.summary}"))
            return
        accounts: list[DemoAccount] = []
        steps = seeders()
        for i, step in enumerate(steps, 1):
            self.stdout.write(f"[{i}/{len(steps)}] {step.description} …")
            result = step.run()
            accounts.extend(result.accounts)
            self.stdout.write(self.style.SUCCESS(f"    ✓ {result.summary}"))
        print_accounts(self, accounts)
