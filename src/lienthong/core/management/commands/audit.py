from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lienthong.core import audit


class Command(BaseCommand):
    help = (
        "Nhật ký kiểm tra: 'verify' tính lại toàn bộ chuỗi băm và báo mọi chỗ bị sửa hoặc "
        "xoá; 'seal' nối vào chuỗi các bản ghi đang chờ (việc của tiến trình nền)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seal":
            sealed = 0
            while batch := audit.seal():
                sealed += batch
            self.stdout.write(f"Đã nối {sealed} bản ghi vào chuỗi nhật ký.")
            return
        result = audit.verify()
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(f"Chuỗi nhật ký toàn vẹn: {result.checked} bản ghi đã kiểm tra.")
            )
            return
        for seq, reason in result.problems:
            self.stderr.write(f"#{seq}: {reason}")
        raise CommandError(
            f"Chuỗi nhật ký bị phá vỡ: {len(result.problems)} lỗi trên {result.checked} bản ghi."
        )
