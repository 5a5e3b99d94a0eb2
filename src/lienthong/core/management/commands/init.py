from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand

from lienthong.core import instance


class Command(BaseCommand):
    help = (
        "Khởi tạo phiên bản nhúng: thư mục var/, khóa bí mật và khóa ký mã thông báo OIDC "
        "(lienthong demo và lienthong migrate cũng làm việc này)."
    )
    requires_system_checks: list[str] = []  # it makes what the checks look for

    def handle(self, *args: Any, **options: Any) -> None:
        made = instance.initialise(os.environ)
        for path in made:
            self.stdout.write(self.style.SUCCESS(f"✓ đã tạo {path}"))
        if not made:
            self.stdout.write("Phiên bản đã được khởi tạo: không có gì phải tạo.")
