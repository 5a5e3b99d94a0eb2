from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lienthong.core.reference import loaders


class Command(BaseCommand):
    help = "Nạp dữ liệu danh mục dùng chung (chạy lại nhiều lần vẫn cho cùng kết quả)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", nargs="*", help="chỉ chạy các bộ nạp có tên này")

    def handle(self, *args: Any, **options: Any) -> None:
        steps = loaders()
        if options["only"]:
            unknown = set(options["only"]) - {s.name for s in steps}
            if unknown:
                raise CommandError(f"Không có bộ nạp: {', '.join(sorted(unknown))}")
            steps = [s for s in steps if s.name in options["only"]]
        for i, step in enumerate(steps, 1):
            started = time.monotonic()
            self.stdout.write(f"[{i}/{len(steps)}] {step.description} …")
            result = step.run()
            elapsed = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"    ✓ {result.summary} ({elapsed:.1f} s)"))
