from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lienthong.core import audit, files


class Command(BaseCommand):
    help = (
        "Tệp lưu trữ: 'sweep' xoá tệp của các lượt ghi bị lỗi hoặc bị dừng (chờ quá hạn); "
        "'scan' tìm tệp không bản ghi nào nhắc tới (thêm --remove để xoá)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sweep", "scan"])
        parser.add_argument(
            "--remove", action="store_true", help="scan: xoá các tệp mồ côi tìm được"
        )
        parser.add_argument(
            "--older-than-minutes",
            type=int,
            default=int(files.GRACE.total_seconds() // 60),
            help="chỉ xét tệp cũ hơn chừng này phút (mặc định 60)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        older = dt.timedelta(minutes=max(options["older_than_minutes"], 0))
        if options["action"] == "sweep":
            removed = files.sweep(older_than=older)
            if removed:
                audit.record("files.swept", actor="system:cli", data={"removed": removed})
            self.stdout.write(f"Đã xoá {removed} tệp của lượt ghi không hoàn tất.")
            return
        found = files.scan(remove=options["remove"], older_than=older)
        for name in found.names:
            self.stdout.write(name)
        if found.removed:
            audit.record(
                "files.orphans_removed",
                actor="system:cli",
                data={"removed": found.removed, "bytes": found.bytes},
            )
        verb = "đã xoá" if options["remove"] else "chưa xoá (thêm --remove để xoá)"
        self.stdout.write(
            f"Đã kiểm {found.checked} tệp: {len(found.names)} tệp mồ côi, "
            f"{found.bytes} byte, {verb}."
        )
