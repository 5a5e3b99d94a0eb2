from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = (
        "Quy trình xử lý hồ sơ: in bảng chuyển trạng thái chuẩn hoặc của một thủ tục "
        "(`lienthong workflow show [--thu-tuc MÃ]`, dạng Markdown như trong "
        "docs/workflow.md); kiểm tra quy trình riêng của mọi thủ tục (`lienthong workflow check`)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["show", "check"])
        parser.add_argument("--thu-tuc", dest="procedure", default="", help="mã thủ tục")

    def handle(self, *args: Any, **options: Any) -> None:
        from lienthong.catalog import selectors as catalog
        from lienthong.core.errors import NotFound
        from lienthong.core.workflow import ConfigError
        from lienthong.dossiers.table import (
            STANDARD,
            check_configuration,
            table_for,
            table_markdown,
        )

        if options["what"] == "show":
            table = STANDARD
            if options["procedure"]:
                try:
                    table = table_for(catalog.get_procedure(options["procedure"]))
                except NotFound as exc:
                    raise CommandError(f"Không có thủ tục {options['procedure']}.") from exc
                except ConfigError as exc:
                    raise CommandError(f"Quy trình riêng không dùng được: {exc}") from exc
            self.stdout.write(table_markdown(table), ending="")
            return
        bad = 0
        checked = 0
        for version in catalog.versions_with_own_workflow().select_related("procedure"):
            checked += 1
            for problem in check_configuration(version.workflow):
                bad += 1
                self.stderr.write(f"{version.procedure.code} (bản {version.number}): {problem}")
        if bad:
            raise CommandError(f"{bad} lỗi trong quy trình riêng của {checked} thủ tục.")
        self.stdout.write(f"Quy trình riêng của {checked} thủ tục dùng được.")
