from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from lienthong.geo.constants import Status
from lienthong.geo.files import FileFormatError, convert_file, count_rows
from lienthong.geo.selectors import address_index


class Command(BaseCommand):
    # A conversion reads the map and files; the site's checks (URLs, views, templates) are
    # for the server and would only delay it.
    requires_system_checks: list[str] = []
    help = (
        "Địa giới hành chính. 'convert INPUT -o OUTPUT': chuyển địa chỉ cũ sang địa chỉ mới "
        "(CSV/XLSX)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        convert = sub.add_parser("convert", help="chuyển đổi cột địa chỉ của tệp CSV hoặc XLSX")
        convert.add_argument("input", type=Path)
        convert.add_argument("-o", "--output", type=Path, required=True)
        convert.add_argument("--column", help="tên cột địa chỉ (mặc định: tự nhận ra)")
        convert.add_argument(
            "--headers", choices=["en", "vi"], default="en", help="tên cột kết quả: en hoặc vi"
        )
        convert.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args: Any, **options: Any) -> None:
        src: Path = options["input"]
        dst: Path = options["output"]
        if not src.is_file():
            raise CommandError(f"Không tìm thấy tệp {src}")
        if dst.resolve() == src.resolve():
            raise CommandError("Tệp kết quả phải khác tệp đầu vào.")
        index = address_index()
        if not index.new:
            raise CommandError(
                "Chưa có dữ liệu địa giới: chạy 'lienthong load-reference-data' trước."
            )
        # The index and the caches it fills live as long as the run: keep them out of the
        # garbage collector's full passes (they hold no cycles to free).
        gc.freeze()
        started = time.monotonic()
        try:
            total = count_rows(src)
        except FileFormatError as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(
            total=total,
            unit=" địa chỉ",
            disable=options["no_progress"],
            desc="Chuyển đổi",
            dynamic_ncols=True,
        )
        done = 0

        def progress(rows: int) -> None:
            nonlocal done
            bar.update(rows - done)
            done = rows

        try:
            summary = convert_file(
                src,
                dst,
                index=index,
                column=options["column"],
                language=options["headers"],
                progress=progress,
            )
        except FileFormatError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        elapsed = time.monotonic() - started
        out = self.stdout
        out.write(f"Cột địa chỉ: {summary.column}")
        out.write(f"Đã xử lý {summary.rows} dòng trong {elapsed:.1f} s → {dst}")
        labels = {
            Status.CONVERTED: "đã chuyển đổi",
            Status.ALREADY_NEW: "đã là địa chỉ mới",
            Status.AMBIGUOUS: "cần chọn (xã bị chia hoặc trùng tên)",
            Status.UNRESOLVED: "không xác định được",
        }
        for status, label in labels.items():
            out.write(f"  {status:<12} {summary.counts.get(status, 0):>10}  {label}")
        reasons = sorted((k[7:], v) for k, v in summary.counts.items() if k.startswith("reason:"))
        for reason, n in reasons:
            out.write(f"      {reason:<20} {n:>8}")
