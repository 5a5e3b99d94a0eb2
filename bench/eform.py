"""The prefilled electronic form and interconnected applications at scale.

On a scratch PostgreSQL database (``PG_ADMIN_URL``, default the local server) with
``--persons`` generated persons (``lienthong seed --registries``; ``--reuse`` keeps the
previous run's database, the one of ``bench/registry_lookup.py`` included):

1. every commune's People's Committee gets the grants an LT-01 application reads and
   writes with (as the demo commune has);
2. the prefilled form page: random persons of the population registry open
   ``/ho-so/lien-thong/nop/LT-01/`` for their commune and agree to prefilling (``POST
   action=dien-san``: the gateway reads their identity and residence, logged, and the
   form is drawn with them) — ``form_p95_ms``, in-process through Django's test client
   (the session needs a login flow over HTTP);
3. filed group applications: ``--processes`` processes file LT-01 applications for
   random persons for ``--seconds`` (``groups.services.apply``: the declaration checked
   on the group's form, the application, its steps and the birth dossier written, in
   one transaction each) — ``group_applications_per_s``.

The last line is one JSON object: ``persons``, ``form_p50_ms``, ``form_p95_ms``,
``group_applications_per_s``, ``applications``, ``errors``.

    .venv/bin/python bench/eform.py --persons 1000000 [--reuse]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _setup import pct, recreate_database

sys.path.insert(0, str(Path(__file__).resolve().parent))
import subprocess

from registry_lookup import LIENTHONG, _prepare

NAME = "bench_registry_lookup"  # shared with bench/registry_lookup.py (its persons)


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    import django

    django.setup()


def _grants() -> int:
    """Each commune's People's Committee may read and write what LT-01 needs."""
    import datetime as dt

    from django.utils import timezone

    from lienthong.directory.models import Agency
    from lienthong.registries.datasets import DATASETS
    from lienthong.registries.models import AccessGrant, Registry

    wanted = {
        "population": (["person", "residence", "new-citizen"], DATASETS["population"].names),
        "civil-status": (["civil-status-entry"], DATASETS["civil-status"].names),
    }
    made = []
    for code, (services, fields) in wanted.items():
        registry = Registry.objects.get(code=code)
        have = set(
            AccessGrant.objects.filter(registry=registry).values_list("consumer_id", flat=True)
        )
        for agency_id in Agency.objects.filter(kind="people_committee").values_list(
            "id", flat=True
        ):
            if agency_id in have:
                continue
            made.append(
                AccessGrant(
                    registry=registry,
                    consumer_id=agency_id,
                    services=services,
                    fields=sorted(fields),
                    purpose="Giải quyết nhóm thủ tục liên thông (đo hiệu năng)",
                    legal_basis="Nghị định 63/2024/NĐ-CP",
                    valid_from=timezone.localdate() - dt.timedelta(days=1),
                    per_minute=1_000_000,
                )
            )
    AccessGrant.objects.bulk_create(made, batch_size=2000)
    return len(made)


def _sample(n: int, seed: int) -> list[tuple[str, str]]:
    """(PIN, commune) of ``n`` random living persons on a commune in force."""
    from django.db.models.fields.json import KT

    from lienthong.geo import selectors as geo
    from lienthong.registries.models import Record

    communes = geo.commune_map().current
    rng = random.Random(seed)
    rows = list(
        Record.objects.filter(registry__code="population", data__status="alive")
        .order_by("id")
        .values_list("key", KT("data__permanent_unit"))[:200_000]
    )
    rng.shuffle(rows)
    return [(pin, unit) for pin, unit in rows if unit in communes][:n]


def _answers(pin: str, unit: str) -> dict[str, Any]:
    import datetime as dt

    return {
        "nguoi_khai_ho_ten": "Người khai",
        "nguoi_khai_so_dinh_danh": pin,
        "nguoi_khai_noi_cu_tru": unit,
        "nguoi_khai_dien_thoai": "0912345678",
        "quan_he": "Cha",
        "ho_ten": "Nguyễn Minh Châu",
        "gioi_tinh": "Nữ",
        "ngay_sinh": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
        "noi_sinh": "Trạm y tế xã",
        "que_quan": "Xã nơi sinh",
        "dan_toc": "Kinh",
        "quoc_tich": "Việt Nam",
        "me_ho_ten": "Trần Thị Mai",
        "me_nam_sinh": "1992",
        "me_dan_toc": "Kinh",
        "me_quoc_tich": "Việt Nam",
        "me_noi_cu_tru": "Xã nơi cư trú",
        "co_cha": "Không",
        "noi_dang_ky": unit,
        "dia_chi": "Xóm 1",
        "chu_ho_ho_ten": "Người khai",
        "chu_ho_so_dinh_danh": pin,
        "quan_he_chu_ho": "Con",
        "noi_kcb": "Trạm y tế xã",
        "nhan_the": "Bản điện tử trên VNeID/VssID",
    }


def _user(pin: str) -> Any:
    from lienthong.accounts.services import ensure_user

    return ensure_user(username=pin, password=None, full_name="Người dân", pin=pin)


def _form_page(people: list[tuple[str, str]]) -> list[float]:
    from django.test import Client

    from lienthong.geo import selectors as geo

    client = Client()
    times = []
    for pin, unit in people:
        client.force_login(_user(pin))
        province = geo.current_unit(unit, level="commune").province
        where = {"tinh": province.code if province else "", "xa": unit}
        t0 = time.perf_counter()
        response = client.post(
            "/ho-so/lien-thong/nop/LT-01/", {**where, "action": "dien-san"}, HTTP_HOST="127.0.0.1"
        )
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, response.status_code
        assert pin.encode() in response.content  # the declarant's number, prefilled
    return times


def _file_worker(
    args: tuple[dict[str, str], list[tuple[str, str]], float],
) -> tuple[int, int, float]:
    """Filed and refused applications and the seconds spent filing (accounts made
    before the clock starts)."""
    env, people, seconds = args
    _django(env)
    from lienthong.core.errors import DomainError
    from lienthong.groups import services

    users = {pin: _user(pin) for pin, _u in people}
    ok = errors = 0
    started = time.perf_counter()
    stop = started + seconds
    i = 0
    while time.perf_counter() < stop and i < len(people):
        pin, unit = people[i]
        i += 1
        try:
            services.apply(
                actor=users[pin],
                group_code="LT-01",
                commune_code=unit,
                form_data=_answers(pin, unit),
            )
            ok += 1
        except DomainError as exc:
            errors += 1
            if errors == 1:
                print(
                    f"  first error: {exc.detail} {getattr(exc, 'invalid_params', '')}", flush=True
                )
    return ok, errors, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the previous run's persons")
    parser.add_argument("--pages", type=int, default=300, help="prefilled form pages measured")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--per-process", type=int, default=4000, help="applicants prepared per process"
    )
    args = parser.parse_args()
    admin = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db_url = admin.rsplit("/", 1)[0] + "/" + NAME if args.reuse else recreate_database(admin, NAME)
    var = tempfile.mkdtemp(prefix="lienthong-eform-")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LIENTHONG_VAR_DIR": var,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([LIENTHONG, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    generate_s = _prepare(env, args.persons, args.reuse)
    # The catalogue's groups (and forms) as this code seeds them.
    subprocess.run(
        [LIENTHONG, "load-reference-data"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    _django(env)
    print(
        f"generated {args.persons} persons in {generate_s:.1f} s; grants: {_grants()} new",
        flush=True,
    )
    people = _sample(args.pages + args.processes * args.per_process, seed=11)
    pages = _form_page(people[: args.pages])
    print(
        f"prefilled form page: p50 {pct(pages, 50):.1f} ms, p95 {pct(pages, 95):.1f} ms", flush=True
    )
    rest = people[args.pages :]
    from django.db import connection

    connection.close()
    share = min(len(rest) // args.processes, args.per_process)
    jobs = [(env, rest[i * share : (i + 1) * share], args.seconds) for i in range(args.processes)]
    with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
        done = pool.map(_file_worker, jobs)
    ok = sum(d[0] for d in done)
    errors = sum(d[1] for d in done)
    rate = sum(d[0] / d[2] for d in done if d[2] > 0)
    print(f"group applications: {ok} filed, {errors} refused, {rate:.0f}/s", flush=True)
    print(
        json.dumps(
            {
                "persons": args.persons,
                "form_p50_ms": round(pct(pages, 50), 1),
                "form_p95_ms": round(pct(pages, 95), 1),
                "group_applications_per_s": round(rate, 1),
                "applications": ok,
                "errors": errors,
            }
        )
    )


if __name__ == "__main__":
    main()
