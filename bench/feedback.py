"""Feedback and petitions at a nation's volume.

On a scratch PostgreSQL database (``PG_ADMIN_URL``, default the local server):

1. ``--reports`` generated reports spread over the communes in force, most of them
   answered and published (``--reuse`` keeps the previous run's);
2. sending reports: ``--processes`` processes send reports as random citizens for
   ``--seconds`` through ``feedback.services.submit`` (checked, routed to the competent
   agency, written with its history, outbox event and audit entry in one transaction
   each) — ``reports_per_s``;
3. the public search page ``/phan-anh/`` served by ``lienthong serve``: queries in
   everyday words without diacritics, some with a commune or a category, one at a time
   over a kept-alive connection — ``public_search_p95_ms``.

The last line is one JSON object: ``reports``, ``generate_s``, ``reports_per_s``,
``sent``, ``errors``, ``public_search_p50_ms``, ``public_search_p95_ms``.

    .venv/bin/python bench/feedback.py --reports 1000000 [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import Connection, free_port, pct, recreate_database, served

LIENTHONG = str(Path(sys.executable).parent / "lienthong")
NAME = "bench_feedback"

#: (category, what, where, detail) pieces the generated reports are made of.
_WHAT = {
    "infrastructure": [
        "Đèn đường không sáng",
        "Đường bị sụt lún",
        "Cống thoát nước bị tắc",
        "Rác thải không được thu gom",
        "Cây xanh đổ chắn đường",
        "Nước sinh hoạt bị đục",
    ],
    "conduct": [
        "Cán bộ tiếp nhận chậm",
        "Chờ lâu tại quầy",
        "Cán bộ hướng dẫn không rõ",
        "Thái độ phục vụ chưa tốt",
    ],
    "procedure": [
        "Hồ sơ khai sinh quá hẹn",
        "Hồ sơ đăng ký thường trú chậm",
        "Chứng thực bản sao phải đi lại nhiều lần",
        "Cấp giấy phép xây dựng quá hạn",
    ],
    "regulation": [
        "Quy định yêu cầu giấy tờ trùng lặp",
        "Thủ tục cấp phép còn rườm rà",
        "Đề nghị bỏ yêu cầu xác nhận cư trú",
    ],
    "other": ["Đề nghị bố trí thêm chỗ đỗ xe", "Kiến nghị mở rộng giờ làm việc thứ Bảy"],
}
_WHERE = [
    "ở xóm",
    "trước trạm y tế",
    "gần trường tiểu học",
    "tại chợ",
    "ở thôn",
    "trên đường liên xã",
]
_ANSWERS = [
    "UBND xã đã kiểm tra và khắc phục xong.",
    "Cơ quan đã tiếp thu, chấn chỉnh và bố trí thêm cán bộ.",
    "Hồ sơ đã được giải quyết và trả kết quả điện tử.",
    "Nội dung kiến nghị đã được tổng hợp gửi cơ quan có thẩm quyền sửa đổi.",
]
_QUERIES = [
    "den duong",
    "ho so khai sinh",
    "cho lau",
    "rac thai",
    "cong thoat nuoc",
    "giay phep xay dung",
    "thai do phuc vu",
    "nuoc sinh hoat",
    "thuong tru",
    "cay xanh",
    "sut lun",
    "giay to trung lap",
    "chung thuc",
    "truong tieu hoc",
    "cho do xe",
]


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "lienthong.settings"
    import django

    django.setup()


def _generate(n: int, seed: int = 7) -> float:
    """``n`` reports over the communes in force (70% answered and published); seconds."""
    import datetime as dt

    from django.utils import timezone

    from lienthong.directory.models import Agency
    from lienthong.feedback.models import Report
    from lienthong.geo import selectors as geo
    from lienthong.geo.text import fold

    started = time.perf_counter()
    committees = dict(
        Agency.objects.filter(kind="people_committee", unit__level="commune").values_list(
            "unit_id", "id"
        )
    )
    communes = [
        (u.pk, u.province_id or u.pk, u.name)
        for u in geo.current_units("commune")
        if u.pk in committees
    ]
    rng = random.Random(seed)
    now = timezone.now()
    batch: list[Report] = []
    for i in range(n):
        commune, province, commune_name = rng.choice(communes)
        category = rng.choice(list(_WHAT))
        title = rng.choice(_WHAT[category])
        text = f"{title} {rng.choice(_WHERE)} {rng.randint(1, 30)} đã nhiều ngày, đề nghị xem xét."
        sent = now - dt.timedelta(minutes=rng.randint(60, 2 * 365 * 24 * 60))
        published = rng.random() < 0.7
        answer = rng.choice(_ANSWERS) if published else ""
        batch.append(
            Report(
                code=f"PA-{sent:%y%m%d}-{i:08X}",
                category=category,
                title=title,
                text=text,
                contact_phone="0912345678",
                channel="online",
                commune_id=commune,
                province_id=province,
                handling_agency_id=committees[commune],
                status="closed" if published else "accepted",
                submitted_at=sent,
                decided_at=sent + dt.timedelta(days=1),
                due_at=sent + dt.timedelta(days=21),
                answered_at=sent + dt.timedelta(days=10) if published else None,
                published_at=sent + dt.timedelta(days=11) if published else None,
                answer=answer,
                public_title=title if published else "",
                public_text=text if published else "",
                public_answer=answer,
                published=published,
                search_text=fold(f"{title} {text} {answer} {commune_name}") if published else "",
                score=rng.randint(3, 5) if published and rng.random() < 0.4 else None,
            )
        )
        if len(batch) == 10_000:
            Report.objects.bulk_create(batch)
            batch = []
            if (i + 1) % 100_000 == 0:
                print(f"  {i + 1} reports", flush=True)
    Report.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feedback_report")
    return time.perf_counter() - started


def _citizens(count: int) -> list[str]:
    from lienthong.accounts.services import ensure_user

    pins = [f"0370900{i:05d}" for i in range(count)]
    for pin in pins:
        ensure_user(username=pin, password=None, full_name="Người dân", pin=pin)
    return pins


def _send_worker(
    args: tuple[dict[str, str], list[str], list[str], float],
) -> tuple[int, int, float]:
    env, pins, communes, seconds = args
    _django(env)
    from lienthong.accounts.selectors import user_by_pin
    from lienthong.core.errors import DomainError
    from lienthong.feedback import services

    users = [user_by_pin(p) for p in pins]
    rng = random.Random(os.getpid())
    ok = errors = 0
    started = time.perf_counter()
    stop = started + seconds
    while time.perf_counter() < stop:
        category = rng.choice(["infrastructure", "conduct", "other"])
        title = rng.choice(_WHAT[category])
        try:
            services.submit(
                actor=rng.choice(users),
                category=category,
                title=title,
                text=f"{title} {rng.choice(_WHERE)} {rng.randint(1, 30)}, đề nghị xem xét.",
                commune_code=rng.choice(communes),
            )
            ok += 1
        except DomainError as exc:
            errors += 1
            if errors == 1:
                print(f"  first error: {exc.detail} {exc.invalid_params}", flush=True)
    return ok, errors, time.perf_counter() - started


async def _search(port: int, paths: list[str]) -> list[float]:
    conn = Connection("127.0.0.1", port)
    times = []
    for path in paths:
        t0 = time.perf_counter()
        status, body = await conn.get(path, {})
        times.append((time.perf_counter() - t0) * 1000)
        assert status == 200, (status, path, body[:300])
    await conn.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the previous run's reports")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--searches", type=int, default=400)
    args = parser.parse_args()
    admin = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    db_url = admin.rsplit("/", 1)[0] + "/" + NAME if args.reuse else recreate_database(admin, NAME)
    var = tempfile.mkdtemp(prefix="lienthong-feedback-")
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "LIENTHONG_VAR_DIR": var,
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run([LIENTHONG, "init"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([LIENTHONG, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [LIENTHONG, "load-reference-data"], env=env, check=True, stdout=subprocess.DEVNULL
    )
    _django(env)
    from lienthong.feedback.models import Report

    generate_s = 0.0
    if not args.reuse or not Report.objects.exists():
        generate_s = _generate(args.reports)
    total = Report.objects.count()
    print(f"{total} reports ({generate_s:.1f} s to generate)", flush=True)

    from lienthong.geo import selectors as geo

    communes = [u.code for u in geo.current_units("commune")[:3000]]
    pins = _citizens(200)
    from django.db import connection

    connection.close()
    jobs = [(env, pins, communes, args.seconds) for _ in range(args.processes)]
    with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
        done = pool.map(_send_worker, jobs)
    sent = sum(d[0] for d in done)
    errors = sum(d[1] for d in done)
    rate = sum(d[0] / d[2] for d in done if d[2] > 0)
    print(f"sent {sent} reports ({errors} refused): {rate:.0f}/s", flush=True)

    rng = random.Random(5)
    some = rng.sample(communes, 50)
    paths = []
    for i in range(args.searches):
        query: dict[str, str] = {"q": rng.choice(_QUERIES)}
        if i % 3 == 1:
            query["xa"] = rng.choice(some)
        if i % 4 == 2:
            query["linh-vuc"] = rng.choice(list(_WHAT))
        if i % 10 == 9:
            query["trang"] = str(rng.randint(2, 5))
        paths.append("/phan-anh/?" + urllib.parse.urlencode(query))
    port = free_port()
    with (Path(var) / "server.log").open("wb") as log, served(env=env, log=log, port=port):
        asyncio.run(_search(port, paths[:20]))  # warm the pools and the caches
        times = asyncio.run(_search(port, paths))
    print(f"public search: p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms", flush=True)
    print(
        json.dumps(
            {
                "reports": total,
                "generate_s": round(generate_s, 1),
                "reports_per_s": round(rate, 1),
                "sent": sent,
                "errors": errors,
                "public_search_p50_ms": round(pct(times, 50), 1),
                "public_search_p95_ms": round(pct(times, 95), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
