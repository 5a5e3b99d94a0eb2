from __future__ import annotations

import os
import socket
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tasks_db.management.commands.db_worker import Worker

from lienthong.core.checks import require_initialised
from lienthong.core.outbox import dispatch, run_dispatcher
from lienthong.core.periodic import run_due, run_periodic


class Command(BaseCommand):
    help = (
        "Chạy tiến trình nền: thực hiện các tác vụ nền (django-tasks) và chuyển các sự kiện "
        "miền trong hộp thư đi (outbox) tới các bên tiêu thụ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="giây chờ khi rảnh")
        parser.add_argument(
            "--batch",
            action="store_true",
            help="xử lý hết việc đang chờ rồi thoát (dùng cho kiểm thử và cron)",
        )
        parser.add_argument("--queue", nargs="*", default=["*"], help="hàng đợi tác vụ")

    def handle(self, *args: Any, **options: Any) -> None:
        require_initialised()
        worker = Worker(
            queue_names=options["queue"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=not options["batch"],
            max_tasks=None,
            worker_id=f"{socket.gethostname()}-{os.getpid()}"[:64],
            excluded_queue_names=[],
        )
        if options["batch"]:
            run_due({}, float("inf"))
            while dispatch():
                pass
            worker.run()
            while dispatch():
                pass
            return
        stop = threading.Event()
        outbox = threading.Thread(
            target=run_dispatcher, args=(stop,), name="outbox-dispatcher", daemon=True
        )
        outbox.start()
        scheduler = threading.Thread(
            target=run_periodic, args=(stop,), name="periodic-jobs", daemon=True
        )
        scheduler.start()
        self.stdout.write("Tiến trình nền đã chạy (tác vụ nền + outbox). Ctrl+C để dừng.")
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
            outbox.join(timeout=10)
            scheduler.join(timeout=10)
