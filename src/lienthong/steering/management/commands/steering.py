from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Chỉ số phục vụ: tính lại toàn bộ số liệu tổng hợp từ hồ sơ và phản ánh (`rebuild`), "
        "hoặc so sánh số liệu đang giữ với số tính lại mà không ghi gì (`verify`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["rebuild", "verify"])

    def handle(self, *args: Any, **options: Any) -> None:
        from lienthong.steering import rollup

        if options["what"] == "rebuild":
            done = rollup.rebuild(progress=True)
            self.stdout.write(
                f"Đã tính lại: {done.dossiers} hồ sơ, {done.reports} phản ánh, "
                f"{done.cells} ô số liệu ({done.mended} ô được sửa; sự kiện phải chờ "
                f"{done.held_s:.1f} giây)."
            )
            return
        stored, computed = rollup.stored_cells(), rollup.computed_cells()
        differ = sorted(
            k for k in stored.keys() | computed.keys() if stored.get(k) != computed.get(k)
        )
        if differ:
            for key in differ[:20]:
                self.stderr.write(
                    f"{key}: đang giữ {stored.get(key)}, tính lại {computed.get(key)}"
                )
            raise CommandError(
                f"{len(differ)} ô số liệu khác với số tính lại: chạy `lienthong steering rebuild`."
            )
        self.stdout.write(f"Khớp: {len(stored)} ô số liệu.")
