from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm


class Command(BaseCommand):
    help = (
        "Cơ sở dữ liệu: kiểm tra chất lượng (`quality`), chuyển đổi địa chỉ cũ (`convert`), "
        "in bảng phân quyền các trang (`access`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["quality", "convert", "access"])
        parser.add_argument(
            "--registry", default="population", help="mã CSDL (mặc định population)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from lienthong.core.errors import DomainError
        from lienthong.registries import quality, selectors, services
        from lienthong.registries.access import pages_markdown
        from lienthong.registries.models import QualityRun, Record

        if options["what"] == "access":
            self.stdout.write(pages_markdown(), ending="")
            return
        try:
            registry = selectors.get_registry(options["registry"])
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from exc
        total = Record.objects.filter(registry=registry).count()
        with tqdm(total=total, unit=" bản ghi", disable=None) as bar:

            def step(done: int) -> None:
                bar.update(done - bar.n)

            if options["what"] == "convert":
                try:
                    summary = services.convert_addresses(
                        actor=None, registry=registry, progress=step
                    )
                except DomainError as exc:
                    raise CommandError(str(exc.detail)) from exc
                message = (
                    f"{summary.converted} đã chuyển, {summary.queued} chờ cán bộ chọn, "
                    f"{summary.unresolved} không xác định được"
                )
            else:
                job = QualityRun.objects.create(registry=registry)
                job = quality.run(job.pk, progress=step)
                if job.status != QualityRun.Status.DONE:
                    raise CommandError(job.error)
                counts = {r: sum(c.values()) for r, c in job.results["counts"].items()}
                message = f"{job.total} bản ghi; lỗi: " + (
                    ", ".join(f"{r} {n}" for r, n in sorted(counts.items())) or "không có"
                )
        self.stdout.write(self.style.SUCCESS(f"✓ {message}"))
