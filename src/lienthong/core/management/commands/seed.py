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
        parser.add_argument(
            "--registries",
            action="store_true",
            help="sinh dân cư thử nghiệm cho các cơ sở dữ liệu (dân cư, hộ tịch, bảo hiểm, "
            "bảo trợ xã hội, doanh nghiệp), thay cho dữ liệu khởi tạo trước; cần --persons",
        )
        parser.add_argument(
            "--persons",
            type=int,
            metavar="N",
            help="số người dân sinh ra với --registries",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dossiers: int | None = options.get("dossiers")
        persons: int | None = options.get("persons")
        registries: bool = bool(options.get("registries"))
        if persons is not None and not registries:
            raise CommandError("--persons chỉ dùng cùng --registries")
        if registries and persons is None:
            raise CommandError("--registries cần số người dân: --persons N")
        if persons is not None and persons < 1:
            raise CommandError("--persons phải là số nguyên dương")
        if dossiers is not None and dossiers < 1:
            raise CommandError("--dossiers phải là số nguyên dương")
        if persons is not None:
            generate = generators().get("registries")
            if generate is None:
                raise CommandError("chưa có bộ sinh dữ liệu dân cư (ứng dụng registries)")
            result = generate(persons)
            self.stdout.write(self.style.SUCCESS(f"✓ {result.summary}"))
        if dossiers is not None:
            result = generators()["dossiers"](dossiers)
            self.stdout.write(self.style.SUCCESS(f"✓ {result.summary}"))
            # Generated history emits no events: the dashboards' rollups are recomputed.
            for step in seeders():
                if step.name == "steering.rollups":
                    self.stdout.write(
                        self.style.SUCCESS(f"✓ {step.description}: {step.run().summary}")
                    )
        if dossiers is not None or persons is not None:
            return
        accounts: list[DemoAccount] = []
        steps = seeders()
        for i, step in enumerate(steps, 1):
            self.stdout.write(f"[{i}/{len(steps)}] {step.description} …")
            result = step.run()
            accounts.extend(result.accounts)
            self.stdout.write(self.style.SUCCESS(f"    ✓ {result.summary}"))
        print_accounts(self, accounts)
