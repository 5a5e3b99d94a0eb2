"""Benchmark of the directory and of login on the configured database.

Measures: the directory loader (first run and an unchanged rerun), agency search
(1,000 queries: names without diacritics, abbreviations, codes) p50/p95, permission
checks per second, and the whole OpenID Connect login (portal → development issuer →
code exchange → ID token check → session) over real HTTP against ``lienthong serve``
(Granian), p50/p95 and logins per second. Prints human lines, then one JSON line.

    .venv/bin/python bench/access.py            # SQLite file in a temp dir
    DATABASE_URL=postgres://…/scratch_db .venv/bin/python bench/access.py
"""

from __future__ import annotations

import html
import json
import random
import re
import resource
import statistics
import time

from _setup import django_on_scratch_database, served

N_SEARCH = 1_000
N_CHECKS = 50_000
N_LOGINS = 40
PASSWORD = "LienThong@2026"  # noqa: S105  the demo accounts' published password


def _pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1]


def _login(base: str, username: str) -> float:
    import requests

    t0 = time.perf_counter()
    browser = requests.Session()
    page = browser.get(f"{base}/dang-nhap/oidc/thu-nghiem/?next=/api/v1/me", timeout=30)
    body = page.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)[1]
    done = browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": csrf,
            "next": html.unescape(re.search(r'name="next" value="([^"]*)"', body)[1]),
            "username": username,
            "password": PASSWORD,
        },
        headers={"Referer": page.url},
        timeout=30,
    )
    elapsed = time.perf_counter() - t0
    assert done.status_code == 200, done.text[:300]
    assert done.json()["pin"] == username
    return elapsed


def main() -> None:
    django_on_scratch_database()
    from django.db import connection

    from lienthong.accounts.constants import Perm
    from lienthong.accounts.permissions import can
    from lienthong.accounts.seeds import register_portal_client, seed_demo_accounts
    from lienthong.directory import selectors
    from lienthong.directory.loaders import load_agencies
    from lienthong.geo.loaders import load_units

    load_units()
    t0 = time.perf_counter()
    first = load_agencies()
    load_first_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = load_agencies()
    load_rerun_s = time.perf_counter() - t0
    print(f"directory loader: {load_first_s:.1f} s ({first.summary}); rerun {load_rerun_s:.1f} s")

    rng = random.Random(20250701)
    names = list(
        selectors.search_agencies(level="commune").values_list("search_key", flat=True)[:5000]
    )
    codes = list(selectors.search_agencies().values_list("code", flat=True)[:5000])
    queries = []
    for i in range(N_SEARCH):
        if i % 3 == 0:
            queries.append(" ".join(rng.choice(names).split()[-3:]))  # "xa lien minh"
        elif i % 3 == 1:
            queries.append("ubnd " + " ".join(rng.choice(names).split()[-2:]))
        else:
            queries.append(rng.choice(codes))
    timings = []
    for q in queries:
        t0 = time.perf_counter()
        list(selectors.search_agencies(q=q)[:20])
        timings.append((time.perf_counter() - t0) * 1000)
    search_p50, search_p95 = _pct(timings, 50), _pct(timings, 95)
    print(f"agency search: p50 {search_p50:.1f} ms, p95 {search_p95:.1f} ms ({N_SEARCH} queries)")

    register_portal_client()
    seed_demo_accounts()
    from lienthong.accounts.models import User

    leader = User.objects.get(username="037175004567")
    agencies = list(selectors.search_agencies(province="37")[:200])
    can(leader, Perm.DOSSIER_APPROVE, agency=agencies[0])  # roles load once per request
    t0 = time.perf_counter()
    for i in range(N_CHECKS):
        can(leader, Perm.DOSSIER_APPROVE, agency=agencies[i % len(agencies)])
    checks_per_s = N_CHECKS / (time.perf_counter() - t0)
    print(f"permission checks: {checks_per_s:,.0f}/s (roles cached per request)")
    connection.close()

    with served() as port:
        base = f"http://127.0.0.1:{port}"
        people = ["037090001234", "036190002345", "036088003456", "037175004567"]
        _login(base, people[0])  # warm up: discovery and JWKS are fetched once
        logins = [_login(base, people[i % len(people)]) * 1000 for i in range(N_LOGINS)]
    login_p50, login_p95 = _pct(logins, 50), _pct(logins, 95)
    print(
        f"OIDC login over HTTP: p50 {login_p50:.0f} ms, p95 {login_p95:.0f} ms "
        f"({1000 / statistics.mean(logins):.1f} logins/s, one client, one server process)"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "backend": connection.vendor,
                "directory_load_s": round(load_first_s, 2),
                "directory_reload_s": round(load_rerun_s, 2),
                "directory_reload_summary": again.summary,
                "search_p50_ms": round(search_p50, 2),
                "search_p95_ms": round(search_p95, 2),
                "permission_checks_per_s": round(checks_per_s),
                "login_p50_ms": round(login_p50, 1),
                "login_p95_ms": round(login_p95, 1),
                "peak_mb": round(peak_mb, 1),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
