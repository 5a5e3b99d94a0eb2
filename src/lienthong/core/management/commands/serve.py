from __future__ import annotations

import errno
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from lienthong.core.checks import require_initialised


class Command(BaseCommand):
    help = "Phục vụ web (WSGI, Granian): nhiều tiến trình, mỗi tiến trình nhiều luồng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="số tiến trình")
        parser.add_argument(
            "--threads", type=int, default=4, help="số luồng xử lý yêu cầu mỗi tiến trình"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_initialised()
        refuse_busy_port(options["host"], options["port"], self.stderr.write)
        public = urlsplit(settings.PUBLIC_URL)
        if public.hostname in ("127.0.0.1", "localhost") and (public.port or 80) != options["port"]:
            self.stderr.write(
                f"Chú ý: PUBLIC_URL={settings.PUBLIC_URL} nhưng máy chủ nghe ở cổng "
                f"{options['port']}; đăng nhập và liên kết trên giấy tờ dùng PUBLIC_URL. "
                f"Đặt PUBLIC_URL=http://127.0.0.1:{options['port']} nếu muốn dùng cổng này."
            )
        serve(
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            threads=options["threads"],
        )


def refuse_busy_port(host: str, port: int, write: Any) -> None:
    """Stop with one line and exit status 2 when something already listens on the port.

    The web server binds with port reuse, so without this check a second instance
    would start "successfully" and the two would answer requests at random, each from
    its own database.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # Connections of a server stopped a moment ago (TIME_WAIT) do not make the port
        # busy; a listening socket does, even with this option.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            write(
                f"Cổng {port} trên {host} đang có chương trình khác dùng (có thể là một "
                f"LiênThông khác): dừng chương trình đó hoặc chọn cổng khác bằng --port."
            )
            sys.exit(2)


def serve(*, host: str, port: int, workers: int = 1, threads: int = 4) -> None:
    """Serve the WSGI application until interrupted.

    Django's views are synchronous: under WSGI each request runs on one of ``threads``
    threads per process, so requests waiting on the database (or on another service)
    overlap, with no hop between an event loop and a thread as under ASGI. More than
    one thread is also what lets the development issuer's login work: the login
    callback calls the token endpoint of the same server. ``wsgi.py`` shortens the
    interpreter's switch interval so a thread back from the database is not kept
    waiting for the GIL (measured in docs/performance.md). Keep ``threads`` at or
    below DB_POOL_MAX_SIZE on PostgreSQL.
    """
    from granian import Granian
    from granian.constants import Interfaces
    from granian.log import LogLevels

    Granian(
        "lienthong.wsgi:application",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        websockets=False,
        workers_kill_timeout=20,  # a request still running 20 s after SIGTERM is cut off
        workers=workers,
        blocking_threads=threads,
        log_level=LogLevels.info,
    ).serve()
