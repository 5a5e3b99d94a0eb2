"""The ``lienthong`` command: Django's manage.py with the platform's subcommands.

Configuration mistakes (missing SECRET_KEY in production, unreachable database)
stop with one clear line on stderr and exit status 2, not a traceback. Library
warnings stay off the terminal (``PYTHONWARNINGS=default`` shows them).
"""

from __future__ import annotations

import os
import sys

# Public names use hyphens; Django commands use underscores.
ALIASES = {"load-reference-data": "load_reference_data"}
#: Long-running commands that serve many requests share a connection pool; one-shot
#: commands (migrate, seed, …) take a plain connection and fail fast when it is refused.
POOLED = {"serve", "worker", "demo"}
#: Commands that make the embedded instance's directory and keys first when missing
#: (``init`` does only that); the settings read them and never write.
INITIALISING = {"demo", "migrate"}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    from lienthong.core import instance

    instance.quiet_library_warnings()
    if len(argv) > 1 and argv[1] in INITIALISING:
        try:
            instance.initialise(os.environ)
        except OSError as exc:
            print(f"lienthong: không khởi tạo được {exc.filename}: {exc.strerror}", file=sys.stderr)
            sys.exit(2)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.settings")
    argv[1:3] = [ALIASES.get(a, a) for a in argv[1:3]]  # `lienthong [help] load-reference-data`
    argv[0] = "lienthong"
    if len(argv) < 2 or argv[1] not in POOLED:
        os.environ.setdefault("DB_POOL_MAX_SIZE", "0")
    from django.core.exceptions import ImproperlyConfigured
    from django.db.utils import OperationalError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        print(f"lienthong: cấu hình sai: {exc}", file=sys.stderr)
        sys.exit(2)
    except OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"lienthong: không kết nối được cơ sở dữ liệu: {first}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
