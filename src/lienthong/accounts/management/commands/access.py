from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Phân quyền: in ma trận vai trò × quyền (`lienthong access matrix`) hoặc bảng ai "
        "xem được hồ sơ nào ở từng trang, danh sách (`lienthong access reads`), dạng Markdown "
        "như trong docs/access.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["matrix", "reads"])

    def handle(self, *args: Any, **options: Any) -> None:
        from lienthong.accounts.permissions import matrix_markdown, reads_markdown

        table = matrix_markdown() if options["what"] == "matrix" else reads_markdown()
        self.stdout.write(table, ending="")
