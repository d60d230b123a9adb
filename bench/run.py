"""Time the screens that must stay fast at a million leads, on the database
``bench/generate.py`` loaded:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python bench/run.py [--runs 20]

Pages go through the Django test client as a signed-in manager (URL routing,
the view, its queries and the template: what a person waits for, minus the
network); the Follow Up first page and the caller-number lookup run the
queries those screens use. Each is run once to warm the caches, then
``--runs`` times; the median and the 95th percentile (nearest rank) are
printed with the number of SQL queries one run makes. ``--only TEXT`` times
only the rows whose name contains TEXT.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Each timed request would print its access-log line (as intake.py and load.py, quiet by default).
os.environ.setdefault("LEADLINE_LOG_LEVEL", "WARNING")

import django

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Employee, Role  # noqa: E402
from calls.services import caller_matches  # noqa: E402
from leads.models import Lead  # noqa: E402


def manager_client() -> Client:
    user, _ = User.objects.get_or_create(username="bench-manager")
    Employee.objects.get_or_create(user=user, defaults={"name": "Bench Manager", "role": Role.MANAGER})
    client = Client(SERVER_NAME="localhost")
    # django-axes records logins by IP address, and force_login's request has none.
    with override_settings(AXES_ENABLED=False):
        client.force_login(user)
    return client


def page(client: Client, path: str, params: dict[str, str] | None = None) -> Callable[[], Any]:
    def load() -> Any:
        response = client.get(path, params or {})
        assert response.status_code == 200, (path, response.status_code)
        return response

    return load


def follow_up_first_page() -> list[Lead]:
    return list(
        Lead.objects.filter(status=Lead.Status.OPEN)
        .select_related("campaign", "assignee", "customer", "business_unit", "job_type")
        .order_by("follow_up_on", "id")[:50]
    )


def caller_lookup(max_customer: int) -> Callable[[], Any]:
    """What the Calls screen shows when a number rings (``calls.services.caller_matches``):
    matching customers with their contacts and locations, open leads at the number
    and those customers' recent jobs. Numbers drawn from the generator's customer phones."""

    def lookup() -> Any:
        return caller_matches(phone="+1512" + str(2_000_000 + random.randint(1, max_customer)))

    return lookup


def with_today_changed(load: Callable[[], Any]) -> Callable[[], Any]:
    """The page when rows of today have changed since the last report (as they do all
    day while calls come in): the triggers' mark for the current hour is written
    first, so the report recomputes today from the raw rows before reading."""

    def work() -> Any:
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO reports_dirtyhour (hour) "
                "VALUES (to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24'))"
            )
        return load()

    return work


def has_rollups() -> bool:
    return "reports_dirtyhour" in connection.introspection.table_names()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def measure(name: str, work: Callable[[], Any], runs: int) -> dict[str, Any]:
    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    # The test client resets connection.queries at each request, so count at the cursor instead.
    with connection.execute_wrapper(counter):
        work()  # warm-up, and the query count of one run
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append((time.perf_counter() - started) * 1000)
    result = {
        "name": name,
        "median": statistics.median(timings),
        "p95": percentile(timings, 95),
        "queries": count,
    }
    print(f"{name:<42} {result['median']:>9.1f} {result['p95']:>9.1f} {result['queries']:>8}", flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--days", type=int, default=90, help="the reports' range, ending today")
    parser.add_argument(
        "--only",
        action="append",
        metavar="TEXT",
        help="time only the rows whose name contains TEXT (case-insensitive; repeatable),\n"
        "e.g. --only caller --only 'customer search'",
    )
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("bench/run.py times PostgreSQL: set DATABASE_URL=postgres://…")

    with connection.cursor() as cur:
        cur.execute(
            "SELECT (SELECT count(*) FROM leads_lead), (SELECT count(*) FROM calls_call), "
            "(SELECT count(*) FROM customers_customer)"
        )
        leads, calls, customers = cur.fetchone()
        # A table never vacuumed has no visibility map, so every index-only scan
        # reads the heap as well: figures from such a database are not what a
        # running one (autovacuum is on by default) gives.
        cur.execute(
            "SELECT relallvisible::float / greatest(relpages, 1) FROM pg_class WHERE relname = 'leads_lead'"
        )
        (visible,) = cur.fetchone()
    if visible < 0.5:
        print(
            f"warning: only {visible:.0%} of leads_lead's pages are marked all-visible (never vacuumed?); "
            "run VACUUM first, as autovacuum would have",
            file=sys.stderr,
        )
    today = timezone.localdate()
    span = {"from": (today - timedelta(days=args.days - 1)).isoformat(), "to": today.isoformat()}
    year = {"from": (today - timedelta(days=364)).isoformat(), "to": today.isoformat()}
    client = manager_client()
    print(f"{leads:,} leads, {calls:,} calls, {customers:,} customers; {args.runs} runs each, ms")
    print(f"{'':<42} {'median':>9} {'p95':>9} {'queries':>8}")
    checks: list[tuple[str, Callable[[], Any]]] = [
        ("dashboard (page)", page(client, "/")),
        (f"campaign report, {args.days} days (page)", page(client, "/reports/campaigns/", span)),
        (f"technician leads, {args.days} days (page)", page(client, "/reports/technician-leads/", span)),
        (f"abandoned calls, {args.days} days (page)", page(client, "/reports/abandoned-calls/", span)),
        (f"campaign report, {args.days} days (API CSV)",
         page(client, "/api/v1/reports/campaigns", {**span, "format": "csv"})),
        *(
            [
                # Today's leads from the raw rows, the days before from the rollups; the
                # marks it leaves are folded in by the next row's every run anyway.
                ("dashboard, today changed (page)", with_today_changed(page(client, "/"))),
                (f"campaign report, {args.days} days, today changed (page)",
                 with_today_changed(page(client, "/reports/campaigns/", span))),
                (f"abandoned calls, {args.days} days, today changed (page)",
                 with_today_changed(page(client, "/reports/abandoned-calls/", span))),
            ]
            if has_rollups()
            else []
        ),
        (f"CSR scorecard, {args.days} days (page)", page(client, "/reports/csr-scorecard/", span)),
        *(
            [("CSR scorecard, 365 days (page)", page(client, "/reports/csr-scorecard/", year))]
            if args.days != 365
            else []
        ),
        *(
            [(f"CSR scorecard, {args.days} days, today changed (page)",
              with_today_changed(page(client, "/reports/csr-scorecard/", span)))]
            if has_rollups()
            else []
        ),
        ("Follow Up first page (50 open leads)", follow_up_first_page),
        ("caller-number lookup", caller_lookup(max(customers, 1))),
        # Search: a three-letter fragment typed into the box. "gar" is in about one
        # name in thirty (Garcia); "ced" only in a street (Cedar Ln); "qzx" in nothing,
        # the worst case for a scan in page order.
        ("customer search 'gar' (page)", page(client, "/customers/", {"q": "gar"})),
        ("customer search 'ced' (page)", page(client, "/customers/", {"q": "ced"})),
        ("customer search 'qzx' (page)", page(client, "/customers/", {"q": "qzx"})),
        ("Follow Up search 'gar' (page)", page(client, "/leads/", {"q": "gar"})),
        ("Follow Up search 'ced' (page)", page(client, "/leads/", {"q": "ced"})),
        ("Follow Up search 'qzx' (page)", page(client, "/leads/", {"q": "qzx"})),
    ]  # fmt: skip
    wanted = [w.lower() for w in args.only or []]
    for name, work in checks:
        if not wanted or any(w in name.lower() for w in wanted):
            measure(name, work, args.runs)


if __name__ == "__main__":
    main()
