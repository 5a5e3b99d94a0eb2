from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Phân quyền: in ma trận vai trò × quyền (Markdown) — `lienthong access matrix`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["matrix"])

    def handle(self, *args: Any, **options: Any) -> None:
        from lienthong.accounts.permissions import matrix_markdown

        self.stdout.write(matrix_markdown(), ending="")
