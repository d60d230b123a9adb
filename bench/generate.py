"""Load a benchmark company into PostgreSQL: by default 1,000,000 leads,
3,000,000 calls and 300,000 customers spread over the last 365 days.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \\
        python bench/generate.py [--leads N] [--calls N] [--customers N] [--reset]

Rows are produced inside PostgreSQL by ``INSERT … SELECT FROM
generate_series`` (sent through Django's psycopg connection), so nothing
crosses the wire row by row; that is faster than COPY from Python here.
Values come from a deterministic hash of each row's id (``bench_u``), so a
run is reproducible.

Resumable: each phase commits on its own and is recorded in
``bench_progress``; running again skips finished phases. ``--reset``
truncates every Leadline table and starts over (re-creatable).

Distributions (roughly what a mid-size HVAC/plumbing shop sees):
calls and leads mostly in business hours (88 % between 07:00 and 19:00
local), fewer at weekends; campaigns skewed (a few bring most calls);
calls 5 % booked, 5 % abandoned (about half over 60 s → abandoned-call
leads), 20 % excused, 25 % unbooked, 45 % not a lead; leads 85 % marketing,
15 % job-generated plus the abandoned-call leads; about a third converted,
recent leads mostly open.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.apps import apps  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402

from accounts.models import Employee, Integration, Role  # noqa: E402
from catalog.models import BusinessUnit, CallReason, Campaign, JobType, TrackingNumber  # noqa: E402

DAYS = 365
TABLES = [
    "leads_leadactivity",
    "leads_lead_tags",
    "leads_lead",
    "calls_call",
    "bookings_booking",
    "jobs_invoiceline",
    "jobs_invoice",
    "jobs_job_tags",
    "jobs_job",
    "customers_contactpoint",
    "customers_location",
    "customers_customer_tags",
    "customers_customer",
    "catalog_trackingnumber",
    "catalog_campaign",
    "catalog_jobtype_business_units",
    "catalog_jobtype",
    "catalog_bookingguide",
    "catalog_callreason",
    "catalog_businessunit",
    "accounts_apikey",
    "accounts_employee",
    "accounts_integration",
    "core_auditentry",
]

FUNCTIONS = """
CREATE OR REPLACE FUNCTION bench_u(i bigint, salt int) RETURNS float8
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT (hashint8extended(i, salt) & 2147483647)::float8 / 2147483648.0 $$;

-- Row i of n, placed on day floor(i*days/n) after t0 (a local midnight), mostly in business hours,
-- with 60 % of weekend rows moved to the Friday before.
CREATE OR REPLACE FUNCTION bench_t(i bigint, n bigint, salt int, t0 timestamptz, days int) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT t0
    + make_interval(days => floor((i - 1)::float8 * days / n)::int
        - CASE WHEN bench_u(i, salt + 2) < 0.6
                AND extract(isodow FROM t0
                            + make_interval(days => floor((i - 1)::float8 * days / n)::int)) >= 6
               THEN extract(isodow FROM t0
                            + make_interval(days => floor((i - 1)::float8 * days / n)::int))::int - 5
               ELSE 0 END)
    + make_interval(secs => CASE WHEN bench_u(i, salt + 1) < 0.88
                                 THEN 7 * 3600 + bench_u(i, salt) * 12 * 3600
                                 ELSE bench_u(i, salt) * 86400 END)
$$;

-- Pick from an array, skewed towards its first elements when power > 1.
CREATE OR REPLACE FUNCTION bench_pick(arr bigint[], u float8, power float8) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT arr[1 + floor(cardinality(arr) * (u ^ power))::int] $$;

CREATE OR REPLACE FUNCTION bench_phone(c bigint) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT '+1512' || (2000000 + c)::text $$;

CREATE TABLE IF NOT EXISTS bench_progress (phase text PRIMARY KEY, seconds float8, rows bigint);
"""

FIRST = "{James,Mary,Robert,Patricia,John,Jennifer,Michael,Linda,David,Elizabeth,William,Barbara,Richard,Susan,Joseph,Jessica,Thomas,Sarah,Carlos,Maria}"  # noqa: E501
LAST = "{Smith,Johnson,Williams,Brown,Jones,Garcia,Miller,Davis,Rodriguez,Martinez,Hernandez,Lopez,Gonzalez,Wilson,Anderson,Thomas,Taylor,Moore,Jackson,Martin,Lee,Perez,Thompson,White,Harris,Sanchez,Clark,Ramirez,Lewis,Robinson}"  # noqa: E501
CITIES = "{Austin,Round Rock,Cedar Park,Pflugerville,Georgetown,Leander,Kyle,Buda,Manor,Lakeway}"
STREETS = (
    "{Oak St,Maple Ave,Cedar Ln,Elm Dr,Pecan St,Live Oak Blvd,Ranch Rd,Mesa Dr,Hill Country Blvd,Lamar Blvd}"
)


def reference_data() -> dict[str, Any]:
    """The company's reference data, made with the ORM (a few hundred rows)."""
    units = [
        BusinessUnit.objects.create(name=n)
        for n in ("HVAC Service", "HVAC Install", "Plumbing Service", "Plumbing Install", "Electrical")
    ]
    job_types = []
    for i, name in enumerate(
        (
            "AC repair",
            "Furnace repair",
            "HVAC maintenance",
            "System replacement estimate",
            "Ductwork",
            "Water heater repair",
            "Water heater install",
            "Drain cleaning",
            "Leak repair",
            "Repipe estimate",
            "Panel upgrade",
            "Outlet / switch repair",
            "EV charger install",
            "Generator install",
            "Whole-home inspection",
        )
    ):
        jt = JobType.objects.create(name=name)
        jt.business_units.set([units[i // 3]])
        job_types.append(jt)
    categories = list(Campaign.Category.values)
    campaigns = []
    for i in range(30):
        cat = categories[i % len(categories)]
        campaign = Campaign.objects.create(
            name=f"{Campaign.Category(cat).label} {i + 1:02d}",
            category=cat,
            business_unit=units[i % len(units)],
            monthly_cost=Decimal(0 if cat in ("referral", "repeat") else 250 + (i * 397) % 4750),
        )
        TrackingNumber.objects.create(number=f"+1512555{1000 + i:04d}", campaign=campaign)
        campaigns.append(campaign)
    lead_reasons = [
        CallReason.objects.create(name=n, is_lead=True)
        for n in ("Service request", "Estimate request", "Maintenance plan")
    ]
    other_reasons = [
        CallReason.objects.create(name=n, is_lead=False)
        for n in ("Wrong number", "Billing question", "Spam", "Price shopping", "Went with a competitor")
    ]
    people: dict[str, list[int]] = {}
    counts = {Role.CSR: 30, Role.TECHNICIAN: 50, Role.OFFICE: 4, Role.MANAGER: 3, Role.ADMIN: 1}
    for role, count in counts.items():
        people[role] = [
            Employee.objects.create(name=f"{Role(role).label} {i + 1:02d}", role=role).pk
            for i in range(count)
        ]
    telephony = Integration.objects.create(name="Telephony (bench)", slug="telephony-bench")
    return {
        "units": [u.pk for u in units],
        "job_types": [j.pk for j in job_types],
        "campaigns": [c.pk for c in campaigns],
        "tracking": [f"+1512555{1000 + i:04d}" for i in range(30)],
        "lead_reasons": [r.pk for r in lead_reasons],
        "other_reasons": [r.pk for r in other_reasons],
        "csrs": people[Role.CSR],
        "techs": people[Role.TECHNICIAN],
        "telephony": telephony.pk,
    }


INSERT_RE = re.compile(r"^\s*INSERT INTO (\w+) \(([^)]*)\)(.*)$", re.DOTALL)


def model_for_table(table: str) -> type[models.Model] | None:
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return model
    return None


def complete_insert(statement: str) -> tuple[str, dict[str, Any]]:
    """Fill the columns a bulk INSERT leaves out, so a column added to a model later
    cannot break the generator: a column with a default gets that default (a text column
    its empty string, as the ORM would write); another NOT NULL
    column with none stops the run naming it (the generator must learn a value for it).

    ``INSERT INTO t (a, b) SELECT …`` becomes ``INSERT INTO t (a, b, c) SELECT src.*,
    %(bench_default_c)s FROM (SELECT …) AS src`` with c's default as that parameter."""
    match = INSERT_RE.match(statement)
    model = model_for_table(match.group(1)) if match else None
    if match is None or model is None:
        return statement, {}
    table, listed, select = match.group(1), match.group(2), match.group(3)
    given = {c.strip() for c in listed.split(",")}
    extra: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if f.has_default() or (not f.null and f.empty_strings_allowed):
            # What the ORM would write: the field's default, or "" for a text column.
            extra[f.column] = f.get_db_prep_save(f.get_default(), connection)
        elif not f.null:
            raise SystemExit(
                f"bench/generate.py: {table}.{f.column} is NOT NULL with no default and the generator "
                "does not fill it; give it a value in the INSERT into that table"
            )
    if not extra:
        return statement, {}
    placeholders = ", ".join(f"%(bench_default_{c})s" for c in extra)
    return (
        f"INSERT INTO {table} ({listed}, {', '.join(extra)}) "
        f"SELECT src.*, {placeholders} FROM ({select}) AS src",
        {f"bench_default_{c}": v for c, v in extra.items()},
    )


def sql(statement: str, params: dict[str, Any] | None = None) -> int:
    statement, defaults = complete_insert(statement)
    if defaults:
        if params is None:
            statement = (
                statement.replace("%(bench_default_", "\0")
                .replace("%", "%%")
                .replace("\0", "%(bench_default_")
            )
        params = {**(params or {}), **defaults}
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return cur.rowcount


def phase(name: str, work: Callable[[], int]) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM bench_progress WHERE phase = %s", [name])
        if cur.fetchone():
            print(f"  {name:<22} already done")
            return
    started = time.monotonic()
    with transaction.atomic():
        # Bulk load: skip the per-row foreign-key triggers (the generator builds every reference
        # itself; ``--check`` verifies them afterwards). Needs a superuser, as the local bench has.
        sql("SET LOCAL session_replication_role = replica")
        # JIT compiling these big expression lists costs more than it saves.
        sql("SET LOCAL jit = off")
        rows = work()
        seconds = time.monotonic() - started
        sql(
            "INSERT INTO bench_progress (phase, seconds, rows) VALUES (%(p)s, %(s)s, %(r)s)",
            {"p": name, "s": seconds, "r": rows},
        )
    print(f"  {name:<22} {rows:>10,} rows  {seconds:8.1f} s", flush=True)


def ref_ids() -> dict[str, Any]:
    def ids(qs: Any) -> list[int]:
        return list(qs.order_by("id").values_list("id", flat=True))

    return {
        "units": ids(BusinessUnit.objects.all()),
        "job_types": ids(JobType.objects.all()),
        "campaigns": ids(Campaign.objects.all()),
        "tracking": list(TrackingNumber.objects.order_by("campaign_id").values_list("number", flat=True)),
        "lead_reasons": ids(CallReason.objects.filter(is_lead=True)),
        "other_reasons": ids(CallReason.objects.filter(is_lead=False)),
        "csrs": ids(Employee.objects.filter(role=Role.CSR)),
        "techs": ids(Employee.objects.filter(role=Role.TECHNICIAN)),
        "telephony": Integration.objects.get(slug="telephony-bench").pk,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--calls", type=int, default=3_000_000)
    parser.add_argument("--customers", type=int, default=300_000)
    parser.add_argument("--reset", action="store_true", help="truncate every Leadline table first")
    parser.add_argument(
        "--check",
        action="store_true",
        help="afterwards, verify every foreign key the bulk load wrote (it skips their triggers)",
    )
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("bench/generate.py needs PostgreSQL: set DATABASE_URL=postgres://…")

    started = time.monotonic()
    tz = ZoneInfo(settings.TIME_ZONE)
    today = datetime.now(tz).date()
    t0 = datetime.combine(today - timedelta(days=DAYS - 1), datetime.min.time(), tzinfo=tz)
    sql(FUNCTIONS)
    if args.reset:
        sql(f"TRUNCATE {', '.join(TABLES)}, bench_progress RESTART IDENTITY CASCADE")
        print("reset: every Leadline table truncated")
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM bench_progress WHERE phase = 'reference'")
        fresh = cur.fetchone() is None
    if fresh:
        with transaction.atomic():
            reference_data()
            sql("INSERT INTO bench_progress VALUES ('reference', 0, 0)")
    p: dict[str, Any] = {
        **ref_ids(),
        "n_customers": args.customers,
        "n_calls": args.calls,
        "n_leads": args.leads,
        "t0": t0,
        "days": DAYS,
        "first": FIRST,
        "last": LAST,
        "cities": CITIES,
        "streets": STREETS,
        "direct_job_base": 10_000_000,
    }
    print(
        f"generating {args.customers:,} customers, {args.calls:,} calls, {args.leads:,} leads "
        f"from {t0:%Y-%m-%d} ({DAYS} days, {settings.TIME_ZONE})"
    )

    def customers() -> int:
        n = sql(
            """
            INSERT INTO customers_customer (id, name, type, created_at, updated_at)
            SELECT g, (%(first)s::text[])[1 + g %% 20] || ' ' || (%(last)s::text[])[1 + (g / 20) %% 30],
                   CASE WHEN bench_u(g, 1) < 0.9 THEN 'residential' ELSE 'commercial' END,
                   %(t0)s::timestamptz - make_interval(days => (bench_u(g, 2) * 1000)::int),
                   %(t0)s::timestamptz
            FROM generate_series(1, %(n_customers)s) g
            """,
            p,
        )
        sql(
            """
            INSERT INTO customers_location (id, customer_id, street, unit, city, state, zip, created_at)
            SELECT g, g, (100 + g %% 9800)::text || ' ' || (%(streets)s::text[])[1 + g %% 10], '',
                   (%(cities)s::text[])[1 + (g / 10) %% 10], 'TX', (78701 + g %% 80)::text, %(t0)s
            FROM generate_series(1, %(n_customers)s) g
            """,
            p,
        )
        # The phase runs with triggers off (replica role), so the customers' copy of
        # their streets (customers migration 0004) is filled here, by its one definition.
        sql("UPDATE customers_customer SET search_streets = customers_location_streets(id)")
        sql(
            """
            INSERT INTO customers_contactpoint (customer_id, kind, value, label)
            SELECT g, 'phone', bench_phone(g), 'mobile' FROM generate_series(1, %(n_customers)s) g
            UNION ALL
            SELECT g, 'email', 'customer' || g || '@example.com', ''
            FROM generate_series(1, %(n_customers)s) g WHERE bench_u(g, 3) < 0.4
            """,
            p,
        )
        return n

    def calls() -> int:
        # A call from a known customer carries its phone; the rest are new numbers.
        # Booked calls (id %% 20 = 0) book job direct_job_base + id / 20, inserted right after.
        n = sql(
            """
            INSERT INTO calls_call (id, provider_id, provider_call_id, direction, from_number, to_number,
                campaign_id, unknown_tracking_number, rang_at, accepted_at, ended_at, duration_seconds,
                accepted_by_id, classification, call_reason_id, customer_id, location_id, job_id,
                recording_url, closed_at, excuse_note, created_at, updated_at)
            SELECT g, %(telephony)s, 'bench-' || g,
                   CASE WHEN bench_u(g, 105) < 0.97 THEN 'inbound' ELSE 'outbound' END,
                   CASE WHEN cust IS NULL
                        THEN '+1737' || (1000000 + floor(bench_u(g, 104) * 8999999)::int)::text
                        ELSE bench_phone(cust) END,
                   CASE WHEN untracked THEN '+15125550000' ELSE (%(tracking)s::text[])[1 + ci] END,
                   CASE WHEN untracked THEN NULL ELSE (%(campaigns)s::bigint[])[1 + ci] END,
                   untracked, t,
                   CASE WHEN cls = 'abandoned' THEN NULL ELSE t + interval '8 seconds' END,
                   t + make_interval(secs => dur), dur,
                   CASE WHEN cls = 'abandoned' THEN NULL ELSE bench_pick(%(csrs)s, bench_u(g, 106), 1) END,
                   cls,
                   CASE WHEN cls IN ('booked', 'unbooked')
                        THEN bench_pick(%(lead_reasons)s, bench_u(g, 107), 1)
                        WHEN cls = 'not_lead' THEN bench_pick(%(other_reasons)s, bench_u(g, 107), 1) END,
                   cust, cust,
                   CASE WHEN cls = 'booked' THEN %(direct_job_base)s + g / 20 END,
                   '', CASE WHEN cls = 'abandoned' THEN NULL ELSE t + make_interval(secs => dur + 30) END,
                   '', t, t
            FROM (
              SELECT g, t, cls, untracked, ci,
                     CASE WHEN cls = 'booked' OR bench_u(g, 102) < 0.65
                          THEN 1 + floor(bench_u(g, 103) * %(n_customers)s)::bigint END AS cust,
                     CASE WHEN cls = 'abandoned' THEN 5 + floor(bench_u(g, 108) * 150)::int
                          WHEN cls = 'excused' THEN 5 + floor(bench_u(g, 108) * 54)::int
                          ELSE 60 + floor(bench_u(g, 108) ^ 2 * 1200)::int END AS dur
              FROM (
                SELECT g,
                       least(bench_t(g, %(n_calls)s, 100, %(t0)s, %(days)s),
                             now() - make_interval(secs => 60 + g %% 3600)) AS t,
                       CASE WHEN g %% 20 = 0 THEN 'booked' WHEN g %% 20 = 1 THEN 'abandoned'
                            WHEN g %% 20 <= 5 THEN 'excused' WHEN g %% 20 <= 10 THEN 'unbooked'
                            ELSE 'not_lead' END AS cls,
                       bench_u(g, 109) < 0.03 AS untracked,
                       floor(cardinality(%(campaigns)s::bigint[]) * bench_u(g, 101) ^ 2)::int AS ci
                FROM generate_series(1, %(n_calls)s) g
              ) a
            ) b
            """,
            p,
        )
        sql(
            """
            INSERT INTO jobs_job (id, customer_id, location_id, business_unit_id, job_type_id, priority,
                start, technician_id, campaign_id, lead_setting_employee_id, summary, status,
                created_at, updated_at, created_by_id)
            SELECT c.job_id, c.customer_id, c.customer_id, (%(units)s::bigint[])[1 + (jt - 1) / 3],
                   (%(job_types)s::bigint[])[jt], 'normal', c.created_at + interval '2 days',
                   bench_pick(%(techs)s, bench_u(c.id, 110), 1.5), c.campaign_id, NULL, 'Booked on the phone',
                   CASE WHEN c.created_at < now() - interval '3 days' THEN 'completed' ELSE 'scheduled' END,
                   c.closed_at, c.closed_at, c.accepted_by_id
            FROM (SELECT *, 1 + floor(bench_u(id, 111) * 15)::int AS jt
                  FROM calls_call WHERE classification = 'booked') c
            """,
            p,
        )
        return n

    def abandoned_leads() -> int:
        # Ids 1..A: one lead per abandoned call over 60 s (DESIGN.md rule 7).
        n = sql(
            """
            INSERT INTO leads_lead (id, type, status, name, phone, email, street, unit, city, state, zip,
                summary, priority, campaign_id, call_id, customer_id, follow_up_on, converted_job_id,
                converted_at, dismiss_reason_id, dismiss_note, dismissed_at, first_response_at,
                assignee_id, created_at, updated_at)
            SELECT id, 'abandoned_call', st, '', from_number, '', '', '', '', '', '',
                   'Abandoned call', 'high', campaign_id, call_id, customer_id,
                   (t + interval '1 day')::date,
                   CASE WHEN st = 'converted' THEN id END,
                   CASE WHEN st = 'converted' THEN t + interval '3 hours' END,
                   CASE WHEN st = 'dismissed' THEN bench_pick(%(other_reasons)s, bench_u(id, 301), 1) END,
                   '', CASE WHEN st = 'dismissed' THEN t + interval '1 day' END,
                   CASE WHEN bench_u(id, 302) < 0.7
                        THEN t + make_interval(mins => 3 + floor(bench_u(id, 303) ^ 2 * 300)::int) END,
                   bench_pick(%(csrs)s, bench_u(id, 304), 1), t, t
            FROM (
              SELECT row_number() OVER (ORDER BY c.id) AS id, c.id AS call_id, c.from_number, c.campaign_id,
                     CASE WHEN c.customer_id IS NULL AND bench_u(c.id, 305) < 0.25
                          THEN 1 + floor(bench_u(c.id, 306) * %(n_customers)s)::bigint
                          ELSE c.customer_id END AS customer_id,
                     c.ended_at + interval '10 seconds' AS t,
                     CASE WHEN c.created_at > now() - interval '10 days' AND bench_u(c.id, 307) < 0.8
                          THEN 'open'
                          WHEN bench_u(c.id, 307) < 0.25 THEN 'converted'
                          WHEN bench_u(c.id, 307) < 0.85 THEN 'dismissed' ELSE 'open' END AS st
              FROM calls_call c
              WHERE c.classification = 'abandoned' AND c.duration_seconds > 60
            ) x
            """,
            p,
        )
        # Converting needs a customer: a converted lead without one got one at conversion.
        sql(
            """
            UPDATE leads_lead SET customer_id = 1 + floor(bench_u(id, 308) * %(n_customers)s)::bigint
            WHERE type = 'abandoned_call' AND status = 'converted' AND customer_id IS NULL
            """,
            p,
        )
        sql(
            """
            INSERT INTO leads_leadactivity
                (lead_id, kind, text, outcome, pinned, at, by_id, by_label, call_id)
            SELECT id, 'call', 'Called back', 'reached', false, first_response_at, assignee_id, 'CSR', NULL
            FROM leads_lead WHERE type = 'abandoned_call' AND first_response_at IS NOT NULL
            """,
        )
        lead_jobs("abandoned_call")
        return n

    def main_leads() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM leads_lead")
            base = cur.fetchone()[0]
        n_main = max(args.leads - base, 0)
        q = {**p, "base": base, "n_main": n_main, "n_direct": args.calls // 20}
        n = sql(
            """
            INSERT INTO leads_lead (id, type, status, name, phone, email, street, unit, city, state, zip,
                summary, priority, campaign_id, origin_job_id, lead_setting_employee_id, customer_id,
                business_unit_id, job_type_id, follow_up_on, converted_job_id, converted_at,
                dismiss_reason_id, dismiss_note, dismissed_at, first_response_at, assignee_id,
                created_by_id, created_at, updated_at)
            SELECT %(base)s + i, typ, st,
                   (%(first)s::text[])[1 + i %% 20] || ' ' || (%(last)s::text[])[1 + (i / 7) %% 30],
                   CASE WHEN cust IS NULL
                        THEN '+1737' || (1000000 + floor(bench_u(i, 210) * 8999999)::int)::text
                        ELSE bench_phone(cust) END,
                   CASE WHEN bench_u(i, 211) < 0.3 THEN 'lead' || i || '@example.com' ELSE '' END,
                   '', '', (%(cities)s::text[])[1 + i %% 10], 'TX', '', 'Bench lead',
                   CASE WHEN bench_u(i, 212) < 0.1 THEN 'high' WHEN bench_u(i, 212) < 0.15 THEN 'urgent'
                        ELSE 'normal' END,
                   CASE WHEN typ = 'marketing' THEN (%(campaigns)s::bigint[])[1 + ci] END,
                   CASE WHEN typ = 'job_generated' THEN origin END,
                   CASE WHEN typ = 'job_generated' THEN bench_pick(%(techs)s, bench_u(i, 213), 2) END,
                   cust, (%(units)s::bigint[])[1 + (jt - 1) / 3], (%(job_types)s::bigint[])[jt],
                   (t + make_interval(days => 1 + floor(bench_u(i, 214) * 10)::int))::date,
                   CASE WHEN st = 'converted' THEN %(base)s + i END,
                   CASE WHEN st = 'converted'
                        THEN t + make_interval(hours => 1 + floor(bench_u(i, 215) * 72)::int) END,
                   CASE WHEN st = 'dismissed' THEN bench_pick(%(other_reasons)s, bench_u(i, 216), 1) END,
                   '', CASE WHEN st = 'dismissed' THEN t + interval '5 days' END,
                   CASE WHEN bench_u(i, 217) < 0.75
                        THEN t + make_interval(mins => 2 + floor(bench_u(i, 218) ^ 3 * 2880)::int) END,
                   CASE WHEN bench_u(i, 219) < 0.7 THEN bench_pick(%(csrs)s, bench_u(i, 220), 1) END,
                   bench_pick(%(csrs)s, bench_u(i, 221), 1), t, t
            FROM (
              SELECT i, t, typ, st, ci, 1 + floor(bench_u(i, 222) * 15)::int AS jt,
                     %(direct_job_base)s + greatest(1, least(%(n_direct)s,
                        floor(i::float8 / %(n_main)s * %(n_direct)s)::bigint - 3)) AS origin,
                     CASE WHEN typ = 'job_generated'
                          THEN (SELECT customer_id FROM jobs_job
                                WHERE id = %(direct_job_base)s + greatest(1, least(%(n_direct)s,
                                      floor(i::float8 / %(n_main)s * %(n_direct)s)::bigint - 3)))
                          WHEN st = 'converted' OR bench_u(i, 223) < 0.4
                          THEN 1 + floor(bench_u(i, 224) * %(n_customers)s)::bigint END AS cust
              FROM (
                SELECT i, least(bench_t(i, %(n_main)s, 200, %(t0)s, %(days)s),
                                now() - make_interval(secs => 60 + i %% 3600)) AS t,
                       CASE WHEN bench_u(i, 201) < 0.85 THEN 'marketing' ELSE 'job_generated' END AS typ,
                       CASE WHEN bench_u(i, 202) < 0.33 THEN 'converted'
                            WHEN i > %(n_main)s * 0.93 AND bench_u(i, 202) < 0.85 THEN 'open'
                            WHEN bench_u(i, 202) < 0.93 THEN 'dismissed' ELSE 'open' END AS st,
                       floor(cardinality(%(campaigns)s::bigint[]) * bench_u(i, 203) ^ 2)::int AS ci
                FROM generate_series(1, %(n_main)s) i
              ) a
            ) b
            """,
            q,
        )
        lead_jobs("marketing")
        return n

    def lead_jobs(lead_type: str) -> int:
        # A converted lead's job carries the lead's campaign and lead setter (rule 11); its id is the
        # lead's. Inserted in the leads' transaction: the foreign keys are checked at commit.
        return sql(
            """
            INSERT INTO jobs_job (id, customer_id, location_id, business_unit_id, job_type_id, priority,
                start, technician_id, campaign_id, lead_setting_employee_id, summary, status,
                created_at, updated_at, created_by_id)
            SELECT l.id, l.customer_id, l.customer_id,
                   coalesce(l.business_unit_id, (%(units)s::bigint[])[1]),
                   coalesce(l.job_type_id, (%(job_types)s::bigint[])[1]), l.priority,
                   l.converted_at + interval '1 day', bench_pick(%(techs)s, bench_u(l.id, 401), 1.5),
                   l.campaign_id, l.lead_setting_employee_id, 'Booked from lead',
                   CASE WHEN l.converted_at < now() - interval '3 days' THEN 'completed' ELSE 'scheduled' END,
                   l.converted_at, l.converted_at, l.assignee_id
            FROM leads_lead l WHERE l.status = 'converted' AND l.type = ANY(%(types)s)
            """,
            {**p, "types": [lead_type] if lead_type == "abandoned_call" else ["marketing", "job_generated"]},
        )

    def invoices() -> int:
        # About one visit in ten is a free estimate ($0); sales are skewed, a few replacements are large.
        return sql(
            """
            INSERT INTO jobs_invoice (id, job_id, status, total, created_at, updated_at)
            SELECT j.id, j.id, CASE WHEN j.status = 'completed' THEN 'paid' ELSE 'pending' END,
                   CASE WHEN bench_u(j.id, 501) < 0.1 THEN 0
                        ELSE round((89 + 6000 * bench_u(j.id, 502) ^ 4)::numeric, 2) END,
                   j.created_at, j.created_at
            FROM jobs_job j
            """,
        )

    def finish() -> int:
        for table in (
            "customers_customer",
            "customers_location",
            "customers_contactpoint",
            "calls_call",
            "jobs_job",
            "jobs_invoice",
            "leads_lead",
            "leads_leadactivity",
        ):
            sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        return 0

    phase("customers", customers)
    phase("calls", calls)
    phase("abandoned_leads", abandoned_leads)
    phase("main_leads", main_leads)
    phase("invoices", invoices)
    phase("sequences", finish)
    t = time.monotonic()
    with connection.cursor() as cur:
        # VACUUM as well: under default settings autovacuum would have run after
        # this many inserts, setting the visibility map that index-only scans rely
        # on. Without it every count reads the heap (the dashboard's overdue count:
        # 100 ms instead of 8), which is a state no running database stays in.
        cur.execute("VACUUM (ANALYZE)")
    print(f"  {'vacuum, analyze':<22} {'':>10}       {time.monotonic() - t:8.1f} s")
    # The bulk load ran with the rollups' triggers off (replica role): rebuild them
    # from the rows, or the reports would read rollups that miss every generated row.
    t = time.monotonic()
    from reports import rollups

    days = rollups.rebuild(restart=True)
    print(f"  {'rollups':<22} {days:>10,} days  {time.monotonic() - t:8.1f} s")
    if args.check:
        t = time.monotonic()
        broken = check_foreign_keys()
        for problem in broken:
            print(f"  broken reference: {problem}")
        print(f"  {'check':<22} {len(broken):>10} broken  {time.monotonic() - t:8.1f} s")
        if broken:
            sys.exit("bench/generate.py: the generated rows break foreign keys")
    print(f"done in {time.monotonic() - started:.0f} s")


def check_foreign_keys() -> list[str]:
    """Every foreign key of every Leadline table, checked by an anti-join (the bulk load ran
    with the per-row triggers off, so the database did not check them)."""
    problems = []
    with connection.cursor() as cur:
        for model in apps.get_models(include_auto_created=True):
            for f in model._meta.concrete_fields:
                if not isinstance(f, models.ForeignKey) or not getattr(f, "db_constraint", True):
                    continue
                target = f.target_field
                table, ref = model._meta.db_table, target.model._meta.db_table
                cur.execute(
                    f"SELECT count(*) FROM {table} t LEFT JOIN {ref} r ON t.{f.column} = r.{target.column} "
                    f"WHERE t.{f.column} IS NOT NULL AND r.{target.column} IS NULL"
                )
                (n,) = cur.fetchone()
                if n:
                    problems.append(f"{table}.{f.column} → {ref}: {n} rows")
    return problems


if __name__ == "__main__":
    main()
