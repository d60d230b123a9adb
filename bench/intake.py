"""Intake benchmark: what does each intake request cost, next to the cheapest
Django request that writes one row?

    /tmp/v/bin/python bench/intake.py [--runs 300] [--warmup 30] [--sql ROW]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_intake /tmp/v/bin/python bench/intake.py

Runs on a throwaway database that it creates and drops: a temporary SQLite
file (WAL, as in production defaults) or, when DATABASE_URL is set, a
``test_<name>`` database on that PostgreSQL server. Requests go through
Django's test client, so the whole middleware stack runs (sessions, CSRF,
auth, idempotency) but no sockets or WSGI server: the numbers are the
application's own cost per request, not a load test. After each request the
connection is closed or kept as a server would (``CONN_MAX_AGE``), so a
request pays for connecting when the settings make it.

Rows (one per request; "whole call" sums a call's events):
  bare insert        a plain Django view that parses the JSON body and does one INSERT
  ninja + key auth   the same INSERT behind Ninja and the API's key auth: the floor of any API write
  customers          POST /api/v1/customers, CSR key (one phone, email and location)
  leads (csr)        POST /api/v1/leads, marketing lead with name + phone, CSR key
  leads (csr) +idem  the same with an Idempotency-Key; "same key again" is its replay
  leads (integration) the same lead posted with an integration's key (no matches looked up)
  call: ...          POST /api/v1/calls/events, ringing → accepted (+5 s) → ended (+125 s): unbooked
  abandoned: ...     ringing → ended 90 s later, never accepted: makes an abandoned-call lead
  bookings: ...      POST /api/v1/bookings (online, with attribution), then the same external_id again
  inbound-email      POST /api/v1/inbound-email, a new Message-ID each time

The scenarios are interleaved (one iteration of each in turn), ``--warmup``
untimed then ``--runs`` timed, with deterministic data (names, numbers and
times derived from the iteration number); then 10 more iterations run with
the SQL captured, which gives the queries per request (counted apart from
the timings: capturing slows the cursor). BEGIN, SAVEPOINT, RELEASE and
COMMIT count as statements: each is a round trip. Finally the statements of
one request of the row with the most queries (or of ``--sql ROW``) are
printed, so a reader sees where the queries go.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LEADLINE_LOG_LEVEL", "WARNING")
# WhiteNoise warns that collectstatic has not run; irrelevant to these timings.
warnings.filterwarnings("ignore", "No directory at")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import URLPattern, URLResolver, include, path  # noqa: E402

# The bars, shared with bench/load.py: a bare one-INSERT view, and the same
# INSERT behind Ninja and the API's key authentication (the floor of any API write).
from load_urls import bare_insert, floor_api  # noqa: E402

# This module is the URLconf while the benchmark runs: the app's URLs plus the bare views.
urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/bare", bare_insert),
    path("bench/", floor_api.urls),
    path("", include("config.urls")),
]

# Calls start here, one minute apart per iteration, so every run sends the same times.
CALLS_START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TRACKING_NUMBER = "+15125550100"
CAPTURED_SAMPLES = 10


def phone(i: int) -> str:
    """A valid, distinct Austin number per iteration (no two callers share one)."""
    return f"+1512{200 + (i // 10000) % 800:03d}{i % 10000:04d}"


@dataclass
class Step:
    """One request of a scenario: ``send(i)`` returns the status, which must be ``expect``."""

    name: str
    send: Callable[[int], int]
    expect: int
    times: list[float] = field(default_factory=list)
    # This process's CPU time per request: under load the app's CPU, not the
    # wait for the database, is what the workers run out of.
    cpu: list[float] = field(default_factory=list)
    # The PostgreSQL backend's CPU time per request (when the server runs here).
    db_cpu: list[float] = field(default_factory=list)
    queries: list[list[str]] = field(default_factory=list)


@dataclass
class Scenario:
    """Requests sent in order for one iteration (one call's events, a booking and its re-send)."""

    steps: list[Step]
    # A row summing the steps (a whole call), besides one row per request.
    total: str | None = None
    totals: list[float] = field(default_factory=list)


def backend_cpu() -> tuple[int, float] | None:
    """The CPU seconds the PostgreSQL backend of this connection has used, with its
    pid, read from ``/proc`` (the server on this machine); None elsewhere."""
    if connection.vendor != "postgresql" or connection.connection is None:
        return None
    pid = connection.connection.info.backend_pid
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None  # a server on another machine, or another container
    fields = stat.rsplit(")", 1)[1].split()
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def request(step: Step, i: int) -> int:
    status = step.send(i)
    # What a server's request_finished signal does (the test client mutes it):
    # close the connection when CONN_MAX_AGE says so, so the next request pays
    # for connecting again, as it would in production.
    close_old_connections()
    return status


def iterate(
    scenario: Scenario,
    i: int,
    *,
    timed: bool = False,
    captured: bool = False,
    profiler: cProfile.Profile | None = None,
    profiled: str | None = None,
) -> None:
    """Send one iteration's requests, checking each status; record times or SQL.
    The step named ``profiled`` runs under ``profiler`` (timed iterations only)."""
    total = 0.0
    for step in scenario.steps:
        if captured:
            with CaptureQueriesContext(connection) as ctx:
                status = step.send(i)
            close_old_connections()
            step.queries.append([q["sql"] for q in ctx.captured_queries])
        else:
            on = timed and profiler is not None and step.name.strip() == profiled
            b0 = backend_cpu() if timed else None
            t0, c0 = time.perf_counter(), time.thread_time()
            if on and profiler is not None:
                profiler.enable()
            status = request(step, i)
            if on and profiler is not None:
                profiler.disable()
            elapsed = (time.perf_counter() - t0) * 1000
            if timed:
                step.times.append(elapsed)
                step.cpu.append((time.thread_time() - c0) * 1000)
                b1 = backend_cpu()
                if b0 is not None and b1 is not None and b0[0] == b1[0]:
                    step.db_cpu.append((b1[1] - b0[1]) * 1000)
                total += elapsed
        assert status == step.expect, (step.name, status)
    if timed:
        scenario.totals.append(total)


def run(
    scenarios: list[Scenario],
    *,
    runs: int,
    warmup: int,
    profiler: cProfile.Profile | None = None,
    profiled: str | None = None,
) -> None:
    """Interleave the scenarios, one iteration of each in turn, so that a
    change in the machine's load during the run weighs on all rows alike."""
    for n in range(warmup + runs + CAPTURED_SAMPLES):
        if n == warmup and connection.vendor == "postgresql":
            # What autovacuum does on a running server (CI's has it off): the
            # timed requests' prepared statements are planned with statistics.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for offset, scenario in enumerate(scenarios, 1):
            iterate(
                scenario,
                offset * 100_000 + n,
                timed=warmup <= n < warmup + runs,
                captured=n >= warmup + runs,
                profiler=profiler,
                profiled=profiled,
            )


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def mean_queries(step: Step) -> float:
    return sum(len(q) for q in step.queries) / len(step.queries)


def build_scenarios(client: Client) -> dict[str, Scenario]:
    from accounts.models import ApiKey, Employee, Integration, Role
    from catalog.models import Campaign, TrackingNumber

    csr = Employee.objects.create(name="Bench CSR", role=Role.CSR)
    _, csr_key = ApiKey.issue(employee=csr)
    integration = Integration.objects.create(name="Bench partner", slug="bench-partner")
    _, integration_key = ApiKey.issue(integration=integration)
    campaign = Campaign.objects.create(name="Bench campaign", category=Campaign.Category.PAID_SEARCH)
    TrackingNumber.objects.create(number=TRACKING_NUMBER, campaign=campaign)
    as_csr = {"Authorization": f"Bearer {csr_key}"}
    as_integration = {"Authorization": f"Bearer {integration_key}"}

    def post(url: str, body: object, headers: dict[str, str]) -> int:
        return client.post(
            url, json.dumps(body), content_type="application/json", headers=headers
        ).status_code

    def bare(i: int) -> int:
        return post("/bench/bare", {"name": f"Bare {i}"}, {})

    def ninja(i: int) -> int:
        return post("/bench/floor", {"name": f"Ninja {i}"}, as_csr)

    def customer(i: int) -> int:
        body = {
            "name": f"Bench Customer {i}",
            "type": "residential",
            "phones": [phone(i)],
            "emails": [f"bench{i}@example.com"],
            "locations": [
                {"street": f"{100 + i} Burnet Rd", "city": "Austin", "state": "TX", "zip": "78757"}
            ],
        }
        return post("/api/v1/customers", body, as_csr)

    def lead_body(i: int) -> dict[str, object]:
        return {
            "type": "marketing",
            "campaign_id": campaign.pk,
            "contact": {"name": f"Caller {i}", "phone": phone(i)},
        }

    def lead(headers: dict[str, str], idempotent: bool) -> Callable[[int], int]:
        def send(i: int) -> int:
            extra = {"Idempotency-Key": f"lead-{i}"} if idempotent else {}
            return post("/api/v1/leads", lead_body(i), {**headers, **extra})

        return send

    def call_event(event: str, seconds: int, *, abandoned: bool = False) -> Callable[[int], int]:
        prefix = "abandoned" if abandoned else "call"

        def send(i: int) -> int:
            at = CALLS_START + timedelta(minutes=i, seconds=seconds)
            body: dict[str, object] = {
                "provider_call_id": f"{prefix}-{i}",
                "event": event,
                "at": at.isoformat(),
                "from_number": phone(i),
                "to_number": TRACKING_NUMBER,
            }
            if event == "accepted":
                body["agent_id"] = csr.pk
            return post("/api/v1/calls/events", body, as_integration)

        return send

    def booking(i: int) -> int:
        body = {
            "external_id": f"bk-{i}",
            "channel": "online",
            "contact": {
                "name": f"Booker {i}",
                "phone": phone(i),
                "email": f"booker{i}@example.com",
                "city": "Austin",
            },
            "summary": "AC not cooling",
            "requested_window": "morning",
            "attribution": {"landing_page": "https://acme.test/ac", "utm_source": "google", "gclid": f"g{i}"},
        }
        return post("/api/v1/bookings", body, as_integration)

    def email(i: int) -> int:
        raw = (
            f"From: Pat Moreno {i} <pat{i}@example.com>\r\n"
            "To: service@acme-hvac.test\r\n"
            "Subject: Furnace making noise\r\n"
            f"Message-ID: <bench-{i}@mail.example.com>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hi, our furnace bangs when it starts. Call me at {phone(i)}.\r\nPat\r\n"
        ).encode()
        return client.post(
            "/api/v1/inbound-email", raw, content_type="message/rfc822", headers=as_integration
        ).status_code

    return {
        "bare": Scenario([Step("bare insert", bare, 201)]),
        "ninja": Scenario([Step("ninja + key auth", ninja, 201)]),
        "customers": Scenario([Step("customers", customer, 201)]),
        "leads": Scenario([Step("leads (csr)", lead(as_csr, False), 201)]),
        "leads+idem": Scenario(
            [
                Step("leads (csr) +idem", lead(as_csr, True), 201),
                Step("  same key again", lead(as_csr, True), 201),
            ]
        ),
        "leads-integration": Scenario([Step("leads (integration)", lead(as_integration, False), 201)]),
        "call": Scenario(
            [
                Step("call: ringing", call_event("ringing", 0), 200),
                Step("call: accepted", call_event("accepted", 5), 200),
                Step("call: ended", call_event("ended", 125), 200),
            ],
            total="  whole call (3)",
        ),
        "abandoned": Scenario(
            [
                Step("abandoned: ringing", call_event("ringing", 0, abandoned=True), 200),
                Step("abandoned: ended", call_event("ended", 90, abandoned=True), 200),
            ],
            total="  whole call (2)",
        ),
        "bookings": Scenario([Step("bookings: new", booking, 201), Step("bookings: re-sent", booking, 200)]),
        "inbound-email": Scenario([Step("inbound-email", email, 201)]),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300, help="timed iterations per scenario (default 300)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed iterations first (default 30)")
    parser.add_argument(
        "--sql",
        metavar="ROW",
        action="append",
        help="print the statements of this row instead of the one with most queries (repeatable; 'all')",
    )
    parser.add_argument(
        "--profile",
        metavar="ROW",
        help="run this row's timed requests under cProfile and print where the time goes "
        "(its own times are then not comparable)",
    )
    parser.add_argument("--profile-lines", type=int, default=40, help="functions shown by --profile")
    parser.add_argument("--width", type=int, default=160, help="characters of each statement shown")
    parser.add_argument(
        "--only",
        metavar="SCENARIO",
        action="append",
        help="run only these scenarios besides bare (repeatable)",
    )
    args = parser.parse_args(argv)

    setup_test_environment(debug=False)
    settings.ROOT_URLCONF = __name__
    tmp = tempfile.TemporaryDirectory(prefix="leadline-bench-")
    if connection.vendor == "sqlite":
        connection.settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        scenarios = build_scenarios(Client())
        if args.only:
            # The bare view stays: every row is read against it.
            scenarios = {name: s for name, s in scenarios.items() if name in {"bare", *args.only}}
        print(
            f"Leadline intake benchmark: {connection.vendor} "
            f"({connection.settings_dict['NAME']}), Python {sys.version.split()[0]}, "
            f"Django {django.get_version()}, {args.runs} runs after {args.warmup} warm-up, "
            f"CONN_MAX_AGE={connection.settings_dict['CONN_MAX_AGE']}, "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(
            f"{'request':<22} {'median ms':>10} {'p95 ms':>8} {'x bare':>7} {'queries/req':>12} "
            f"{'app cpu ms':>11} {'x bare':>7} {'db cpu ms':>10} {'x bare':>7}"
        )
        profiler = cProfile.Profile() if args.profile else None
        run(
            list(scenarios.values()),
            runs=args.runs,
            warmup=args.warmup,
            profiler=profiler,
            profiled=args.profile.strip() if args.profile else None,
        )
        steps: list[Step] = []
        bare_median: float | None = None
        bare_cpu: float | None = None
        bare_db: float | None = None
        for scenario in scenarios.values():
            for step in scenario.steps:
                median = statistics.median(step.times)
                cpu = statistics.median(step.cpu)
                bare_median = bare_median or median
                bare_cpu = bare_cpu or cpu
                steps.append(step)
                # A mean: /proc counts in clock ticks (10 ms), far coarser than one request.
                db = statistics.mean(step.db_cpu) if step.db_cpu else None
                if step is scenarios["bare"].steps[0]:
                    bare_db = db
                db_text = ""
                if db is not None:
                    # A few runs may see no tick of the bare insert's backend: no ratio then.
                    db_text = f"{db:>10.2f} " + (f"{db / bare_db:>7.1f}" if bare_db else f"{'-':>7}")
                print(
                    f"{step.name:<22} {median:>10.2f} {p95(step.times):>8.2f} "
                    f"{median / bare_median:>7.1f} {mean_queries(step):>12.1f} "
                    f"{cpu:>11.2f} {cpu / bare_cpu:>7.1f} {db_text}"
                )
            if scenario.total is not None:
                median = statistics.median(scenario.totals)
                cpu = sum(statistics.median(s.cpu) for s in scenario.steps)
                count = sum(mean_queries(s) for s in scenario.steps)
                print(
                    f"{scenario.total:<22} {median:>10.2f} {p95(scenario.totals):>8.2f} "
                    f"{median / (bare_median or median):>7.1f} {count:>12.1f} "
                    f"{cpu:>11.2f} {cpu / (bare_cpu or cpu):>7.1f}"
                )
        shown = [max(steps, key=mean_queries)]
        if args.sql:
            wanted = {name.strip() for name in args.sql}
            shown = [s for s in steps if "all" in wanted or s.name.strip() in wanted]
            if not shown:
                sys.exit(f"no row named {args.sql}; rows: {', '.join(s.name.strip() for s in steps)}")
        for step in shown:
            print(f"\nSQL of one '{step.name.strip()}' request ({len(step.queries[-1])} statements):")
            for n, sql in enumerate(step.queries[-1], 1):
                print(f"{n:>3}. {sql if len(sql) <= args.width else sql[: args.width - 3] + '...'}")
        if profiler is not None:
            print(f"\nProfile of '{args.profile}' over {args.runs} requests (cumulative, then own time):")
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(args.profile_lines)
            stats.sort_stats("tottime").print_stats(args.profile_lines)
            if os.environ.get("LEADLINE_PROFILE_DUMP"):
                stats.dump_stats(os.environ["LEADLINE_PROFILE_DUMP"])
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        tmp.cleanup()


if __name__ == "__main__":
    main()
