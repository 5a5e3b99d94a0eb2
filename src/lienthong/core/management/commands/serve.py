from __future__ import annotations

from typing import Any

import uvicorn
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Phục vụ web (ASGI, uvicorn)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(host=options["host"], port=options["port"], workers=options["workers"])


def serve(*, host: str, port: int, workers: int = 1) -> None:
    uvicorn.run(
        "lienthong.asgi:application",
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=True,
    )
