from __future__ import annotations

import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from lienthong.core.management.commands.seed import print_accounts
from lienthong.core.management.commands.serve import refuse_busy_port, serve
from lienthong.core.reference import DemoAccount, seeders


class Command(BaseCommand):
    help = (
        "Dựng môi trường thử nghiệm: tạo CSDL, nạp danh mục và dữ liệu demo, "
        "chạy web và tiến trình nền."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="chỉ chuẩn bị dữ liệu, không chạy máy chủ"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_serve"]:  # before minutes of preparation, not after
            refuse_busy_port(options["host"], options["port"], self.stderr.write)
        self.stdout.write("1/4 Tạo và cập nhật cơ sở dữ liệu …")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("2/4 Nạp dữ liệu danh mục …")
        call_command("load_reference_data", stdout=self.stdout)
        self.stdout.write("3/4 Tạo dữ liệu thử nghiệm …")
        accounts: list[DemoAccount] = []
        for step in seeders():
            result = step.run()
            accounts.extend(result.accounts)
            self.stdout.write(self.style.SUCCESS(f"    ✓ {step.description}: {result.summary}"))
        if options["no_serve"]:
            print_accounts(self, accounts)
            return
        base = f"http://{options['host']}:{options['port']}"
        self.stdout.write("4/4 Chạy tiến trình nền và máy chủ web …")
        worker = subprocess.Popen([sys.executable, "-m", "lienthong.cli", "worker"])
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"LiênThông đang chạy tại {base}/"))
        self.stdout.write(f"  Cổng dịch vụ công (người dân):   {base}/")
        self.stdout.write(f"  Nghiệp vụ cán bộ:               {base}/can-bo/")
        self.stdout.write(f"  Điều hành (Ban Chỉ đạo):        {base}/dieu-hanh/")
        self.stdout.write(f"  Quản trị:                       {base}/quan-tri/")
        self.stdout.write(f"  API (OpenAPI):                  {base}/api/v1/docs")
        print_accounts(self, accounts)
        self.stdout.write("\nNhấn Ctrl+C để dừng.")
        try:
            serve(host=options["host"], port=options["port"])
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
