"""Shared start of the in-process benchmarks: a scratch database and Django."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def django_on_scratch_database() -> None:
    """Configure Django on ``DATABASE_URL`` (default: a new SQLite file), migrated."""
    tmp = tempfile.mkdtemp(prefix="lienthong-bench-")
    os.environ.setdefault("LIENTHONG_VAR_DIR", tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
    os.environ.setdefault("DB_POOL_MAX_SIZE", "0")  # one process, one connection
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
