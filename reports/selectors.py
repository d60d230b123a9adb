"""The reads behind the dashboard and the reports (DESIGN.md rule 11).

Every figure is a grouped aggregate computed by the database — a handful of
``values().annotate(Count(..., filter=Q(...)), Sum(...))`` queries per
report — so a report costs the same few queries at a thousand leads as at a
million. Python only folds the (few dozen) aggregated rows into report rows.

Definitions (decided here, once; the views, API, CSV and tests use them):

* **Date ranges** are inclusive local dates in ``settings.TIME_ZONE``: from
  local midnight of ``from`` up to (not including) local midnight after
  ``to``. At most ``MAX_RANGE_DAYS`` days.
* **Leads** count every lead created in the range except those merged into
  another lead (a merge removes a duplicate, not a lead).
* **Campaign "booked"**: jobs with that campaign created (booked) in the
  range, however they were booked — from a converted lead, during a call, or
  from an accepted booking. Recall and warranty visits are not new business
  and are left out. **Booked %** = booked ÷ opportunities, where
  opportunities = leads in the range + booked jobs that came from no lead
  (booked straight from a call or a booking), so it never exceeds 100 %.
* **Revenue** = the sum of those jobs' invoice totals (the denormalised
  ``Invoice.total``), leaving out void invoices.
* **Cost** = ``monthly_cost × days in range ÷ 30.4375`` (the average month),
  so a 7-day range costs the same in February as in July. **Cost per lead**
  = cost ÷ leads; **ROI** = (revenue − cost) ÷ cost; both are empty (None)
  when the divisor is 0.
* **Technician leads**: leads that carry a lead-setting employee, created in
  the range, grouped by that employee and by the lead's business unit;
  booked = converted; revenue = the converted jobs' invoice totals (void
  excluded).
* **Abandoned calls**: calls classified ``abandoned`` created in the range.
  *Over 60 s*: duration > 60 s (those became abandoned-call leads).
  *Called back*: a CSR logged a call-back on the call (the Leads tab's Call
  back), or its abandoned-call lead was responded to (``first_response_at``:
  a follow-up or a booking), or the caller's number has a later call that a
  CSR accepted. *Recovered*: the
  call's abandoned-call lead was converted, or a later call from the same
  number was booked.
* **Call booking rate** (the dashboard's and the CSR scorecard's): booked ÷
  (booked + unbooked) calls, the calls that were about work (excused,
  abandoned and not-a-lead calls are left out) — ``call_booking_rate``.
* **CSR scorecard** (per employee who took calls or had leads, and every
  active CSR): *calls taken*: calls created in the range that the CSR accepted
  (``accepted_by``); *lead calls*: of those, the ones classified booked or
  unbooked; *booked* / *unbooked*: of those, each; *booking rate* as above;
  *leads assigned*: counted leads created in the range whose assignee is the CSR
  now; *first responses*: counted leads created in the range whose first
  response was the CSR's (``first_response_by``); *median speed to lead*: the
  median of those leads' first response − creation, in seconds; *SLA met %*:
  of the CSR's assigned leads (as above) whose SLA is decided (met or
  breached, ``leads.models.sla_decided_q``), the share met
  (``sla_met_q``: answered by the due time, or closed unanswered before it).
  Every figure is the row count of a filtered calls or leads list. Read from
  the daily rollups (``reports.rollups``), except the leads the clock alone has
  made breached at ``now`` and the medians, which are read live.
* **Speed to lead**: median minutes from a lead's creation to its
  ``first_response_at`` (first follow-up or booking), over the leads created
  in the window that have one. PostgreSQL computes it with
  ``percentile_cont``; SQLite (the embedded default) reads at most
  ``SQLITE_MEDIAN_LIMIT`` durations and takes the median in Python.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from accounts.models import Employee
from calls.models import Call
from catalog.models import BusinessUnit, Campaign
from core.errors import FieldError, collect, invalid
from jobs.models import Invoice, Job
from leads.models import Lead, sla_decided_q, sla_met_q

MAX_RANGE_DAYS = 366
AVERAGE_MONTH_DAYS = Decimal("30.4375")
SQLITE_MEDIAN_LIMIT = 20_000
ABANDONED_LEAD_SECONDS = 60
ZERO = Decimal("0.00")
P = ParamSpec("P")
R = TypeVar("R")
CENTS = Decimal("0.01")
LEAD_TYPES = [t.value for t in Lead.Type]


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=local_tz())


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of local dates."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return local_midnight(self.start)

    @property
    def until(self) -> datetime:
        return local_midnight(self.end + timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def q(self, field_name: str = "created_at") -> Q:
        return Q(**{f"{field_name}__gte": self.since, f"{field_name}__lt": self.until})

    def each_day(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    def as_params(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def parse_range(raw_from: str | None, raw_to: str | None, *, max_days: int = MAX_RANGE_DAYS) -> DateRange:
    """``from``/``to`` as typed (``YYYY-MM-DD``) → a DateRange, or one 422 naming every bad field."""
    errors: list[FieldError] = []
    parsed: dict[str, date] = {}
    for name, raw in (("from", raw_from), ("to", raw_to)):
        text = (raw or "").strip()
        if not text:
            errors.append(FieldError(name, "is required (YYYY-MM-DD)"))
            continue
        try:
            parsed[name] = date.fromisoformat(text)
        except ValueError:
            errors.append(FieldError(name, f"'{text}' is not a date (YYYY-MM-DD)"))
    collect(errors)
    start, end = parsed["from"], parsed["to"]
    if end < start:
        raise invalid("to", f"must be on or after from ({start.isoformat()})")
    if (end - start).days + 1 > max_days:
        raise invalid("to", f"the range may span at most {max_days} days; choose a shorter range")
    return DateRange(start, end)


def preset_ranges(today: date | None = None) -> list[tuple[str, DateRange]]:
    """The date-range picker's presets."""
    today = today or timezone.localdate()
    return [
        ("Today", DateRange(today, today)),
        ("Last 7 days", DateRange(today - timedelta(days=6), today)),
        ("Last 30 days", DateRange(today - timedelta(days=29), today)),
        ("This month", DateRange(today.replace(day=1), today)),
        ("Last 90 days", DateRange(today - timedelta(days=89), today)),
    ]


def default_range(today: date | None = None) -> DateRange:
    """What a report opens on: the last 30 days, today included (never an empty "today")."""
    today = today or timezone.localdate()
    return DateRange(today - timedelta(days=29), today)


def call_booking_rate(booked: int, unbooked: int) -> Decimal | None:
    """Booked ÷ (booked + unbooked) calls (see the module's definitions)."""
    return _ratio(booked, booked + unbooked)


def _money(value: Decimal | None) -> Decimal:
    return (value or ZERO).quantize(CENTS, rounding=ROUND_HALF_UP)


def _ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def without_jit(report: Callable[P, R]) -> Callable[P, R]:
    """Run a report with PostgreSQL's JIT compiler off.

    The correlated EXISTS probes of these queries make the planner's cost
    estimate large, so PostgreSQL (``jit_above_cost`` = 100,000 by default)
    spends 1–3 s of CPU compiling a query that runs in well under one (EXPLAIN
    ANALYZE of the abandoned-calls report at 3M calls: 2,046 ms with JIT,
    683 ms without). ``SET LOCAL`` keeps the change to this one transaction.
    """

    @functools.wraps(report)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.vendor != "postgresql":
            return report(*args, **kwargs)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            return report(*args, **kwargs)

    return run


@contextmanager
def atomic_without_jit() -> Iterator[None]:
    """A transaction with PostgreSQL's JIT off (see ``without_jit``), for the rollups' writes."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def counted_leads() -> QuerySet[Lead]:
    return Lead.objects.filter(merged_into__isnull=True)


# --------------------------------------------------------------------------- campaigns


@dataclass
class CampaignRow:
    campaign_id: int | None
    name: str
    category: str
    calls: int = 0
    leads_by_type: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LEAD_TYPES, 0))
    booked: int = 0
    booked_without_lead: int = 0
    revenue: Decimal = ZERO
    cost: Decimal = ZERO

    @property
    def leads(self) -> int:
        return sum(self.leads_by_type.values())

    @property
    def opportunities(self) -> int:
        return self.leads + self.booked_without_lead

    @property
    def booked_rate(self) -> Decimal | None:
        return _ratio(self.booked, self.opportunities)

    @property
    def cost_per_lead(self) -> Decimal | None:
        return _money(self.cost / self.leads) if self.leads else None

    @property
    def roi(self) -> Decimal | None:
        return _ratio(self.revenue - self.cost, self.cost)

    @property
    def is_empty(self) -> bool:
        return not (self.calls or self.leads or self.booked)

    def add(self, other: CampaignRow) -> None:
        self.calls += other.calls
        for t, n in other.leads_by_type.items():
            self.leads_by_type[t] += n
        self.booked += other.booked
        self.booked_without_lead += other.booked_without_lead
        self.revenue += other.revenue
        self.cost += other.cost

    def as_dict(self) -> dict[str, Any]:
        return {
            "campaign_id": self.campaign_id,
            "campaign": self.name,
            "category": self.category,
            "calls": self.calls,
            "leads": self.leads,
            "leads_by_type": dict(self.leads_by_type),
            "booked": self.booked,
            "booked_rate": self.booked_rate,
            "revenue": self.revenue,
            "cost": self.cost,
            "cost_per_lead": self.cost_per_lead,
            "roi": self.roi,
        }


@dataclass
class CampaignReport:
    range: DateRange
    rows: list[CampaignRow]
    totals: CampaignRow
    # When the figures were last brought up to date (rollups); None: read from the raw rows now.
    as_of: datetime | None = None


def prorated_cost(monthly_cost: Decimal, days: int) -> Decimal:
    return _money(monthly_cost * days / AVERAGE_MONTH_DAYS)


def _lead_type_counts() -> dict[str, Count]:
    return {t: Count("id", filter=Q(type=t)) for t in LEAD_TYPES}


def _revenue_sum(invoice_path: str) -> Coalesce:
    return Coalesce(
        Sum(f"{invoice_path}__total", filter=~Q(**{f"{invoice_path}__status": Invoice.Status.VOID})),
        Value(ZERO),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _by(qs: QuerySet[Any], by_day: bool, *keys: str) -> QuerySet[Any]:
    """Group by ``keys``, and first by local day of ``created_at`` when building rollups."""
    if by_day:
        return qs.annotate(day=TruncDate("created_at", tzinfo=local_tz())).values("day", *keys)
    return qs.values(*keys)


CAMPAIGN_FIGURES = ("calls", *LEAD_TYPES, "booked", "without_lead", "revenue")

# (local day or None, key) → figure name → value
Facts = dict[tuple[Any, Any], dict[str, Any]]


def campaign_facts(*, date_range: DateRange, by_day: bool = False) -> Facts:
    """The campaign report's figures per campaign (and per local day for the rollups),
    from the raw rows: the one definition both the report and its rollup use."""
    in_range = date_range.q()
    facts: Facts = {}

    def cell(row: dict[str, Any]) -> dict[str, Any]:
        key = (row.pop("day", None), row.pop("campaign_id"))
        return facts.setdefault(key, {f: ZERO if f == "revenue" else 0 for f in CAMPAIGN_FIGURES})

    for row in (
        _by(Call.objects.filter(in_range), by_day, "campaign_id").annotate(calls=Count("id")).order_by()
    ):
        cell(row).update(row)
    for row in (
        _by(counted_leads().filter(in_range), by_day, "campaign_id")
        .annotate(**_lead_type_counts())
        .order_by()
    ):
        cell(row).update(row)
    for row in (
        _by(
            Job.objects.filter(in_range, recall_for__isnull=True, warranty_for__isnull=True),
            by_day,
            "campaign_id",
        )
        .annotate(
            booked=Count("id"),
            without_lead=Count("id", filter=Q(source_lead__isnull=True)),
            revenue=_revenue_sum("invoice"),
        )
        .order_by()
    ):
        cell(row).update(row)
    return facts


def campaign_report_from(date_range: DateRange, figures: dict[int | None, dict[str, Any]]) -> CampaignReport:
    """Fold per-campaign figures (raw or summed rollups) into the report's rows and totals."""
    active_ids = set(figures)
    campaigns = Campaign.objects.filter(Q(active=True) | Q(pk__in=[i for i in active_ids if i])).order_by(
        "name"
    )
    rows = [
        CampaignRow(
            campaign_id=c.pk,
            name=c.name,
            category=c.get_category_display(),
            cost=prorated_cost(c.monthly_cost, date_range.days),
        )
        for c in campaigns
    ]
    if None in active_ids:
        # Calls to unknown numbers carry no campaign (job-generated leads take the one chosen for
        # technician leads, else their job's): show the gap.
        rows.append(CampaignRow(campaign_id=None, name="(no campaign)", category=""))
    for row in rows:
        got = figures.get(row.campaign_id)
        if got:
            row.calls = got["calls"]
            row.leads_by_type.update({t: got[t] for t in LEAD_TYPES})
            row.booked, row.booked_without_lead = got["booked"], got["without_lead"]
            row.revenue = _money(got["revenue"])
    totals = CampaignRow(campaign_id=None, name="Total", category="")
    for row in rows:
        totals.add(row)
    return CampaignReport(range=date_range, rows=rows, totals=totals)


@without_jit
def _campaign_report_raw(date_range: DateRange) -> CampaignReport:
    facts = campaign_facts(date_range=date_range)
    return campaign_report_from(date_range, {campaign: f for (_, campaign), f in facts.items()})


def campaign_report(*, date_range: DateRange, raw: bool = False) -> CampaignReport:
    """Per campaign: calls, leads by type, booked, booked %, revenue, prorated cost,
    cost per lead and ROI, with totals. From the daily rollups once they are built
    (``raw=True``, or rollups not built yet: from the raw rows)."""
    from reports import rollups

    as_of = None if raw else rollups.refresh()
    if as_of is None:
        return _campaign_report_raw(date_range)
    report = campaign_report_from(date_range, rollups.campaign_figures(date_range))
    report.as_of = as_of
    return report


# --------------------------------------------------------------------------- technician leads


@dataclass
class SetterRow:
    key: int | None
    name: str
    leads_set: int = 0
    booked: int = 0
    open: int = 0
    dismissed: int = 0
    revenue: Decimal = ZERO

    def add(self, other: dict[str, Any]) -> None:
        self.leads_set += other["leads_set"]
        self.booked += other["booked"]
        self.open += other["open"]
        self.dismissed += other["dismissed"]
        self.revenue += _money(other["revenue"])

    @property
    def booked_rate(self) -> Decimal | None:
        return _ratio(self.booked, self.leads_set)

    def as_dict(self, key_name: str, label_name: str) -> dict[str, Any]:
        return {
            key_name: self.key,
            label_name: self.name,
            "leads_set": self.leads_set,
            "booked": self.booked,
            "open": self.open,
            "dismissed": self.dismissed,
            "booked_rate": self.booked_rate,
            "revenue": self.revenue,
        }


@dataclass
class TechnicianLeadsReport:
    range: DateRange
    by_employee: list[SetterRow]
    by_business_unit: list[SetterRow]
    # The finest grain (employee × business unit): the CSV's rows.
    cells: list[dict[str, Any]]
    totals: SetterRow
    as_of: datetime | None = None


SETTER_FIGURES = ("leads_set", "booked", "open", "dismissed", "revenue")


def technician_facts(*, date_range: DateRange, by_day: bool = False) -> list[dict[str, Any]]:
    """Leads set by employees per (lead setter, business unit) — and local day for the
    rollups — from the raw rows: the one definition the report and its rollup use."""
    return list(
        _by(
            counted_leads().filter(date_range.q(), lead_setting_employee__isnull=False),
            by_day,
            "lead_setting_employee_id",
            "business_unit_id",
        )
        .annotate(
            leads_set=Count("id"),
            booked=Count("id", filter=Q(status=Lead.Status.CONVERTED)),
            open=Count("id", filter=Q(status=Lead.Status.OPEN)),
            dismissed=Count("id", filter=Q(status=Lead.Status.DISMISSED)),
            revenue=_revenue_sum("converted_job__invoice"),
        )
        .order_by()
    )


def technician_leads_report(*, date_range: DateRange, raw: bool = False) -> TechnicianLeadsReport:
    """Leads set by employees (job-generated leads), per lead setter and per business
    unit: set, booked, open, dismissed and the booked jobs' revenue. From the daily
    rollups once built, else (or ``raw=True``) one grouped query on the raw rows."""
    from reports import rollups

    as_of = None if raw else rollups.refresh()
    if as_of is None:
        cells = without_jit(technician_facts)(date_range=date_range)
    else:
        cells = rollups.setter_cells(date_range)
    report = technician_report_from(date_range, cells)
    report.as_of = as_of
    return report


def technician_report_from(date_range: DateRange, cells: list[dict[str, Any]]) -> TechnicianLeadsReport:
    """Fold (lead setter, business unit) cells into the report."""
    employees = dict(
        Employee.objects.filter(pk__in={c["lead_setting_employee_id"] for c in cells}).values_list(
            "id", "name"
        )
    )
    units = dict(
        BusinessUnit.objects.filter(
            pk__in={c["business_unit_id"] for c in cells if c["business_unit_id"]}
        ).values_list("id", "name")
    )
    by_employee: dict[int | None, SetterRow] = {}
    by_unit: dict[int | None, SetterRow] = {}
    totals = SetterRow(key=None, name="Total")
    for cell in cells:
        emp_id, unit_id = cell["lead_setting_employee_id"], cell["business_unit_id"]
        cell["employee"] = employees.get(emp_id, "")
        cell["business_unit"] = units.get(unit_id, "(no business unit)")
        cell["revenue"] = _money(cell["revenue"])
        by_employee.setdefault(emp_id, SetterRow(key=emp_id, name=cell["employee"])).add(cell)
        by_unit.setdefault(unit_id, SetterRow(key=unit_id, name=cell["business_unit"])).add(cell)
        totals.add(cell)

    def ranked(rows: Iterable[SetterRow]) -> list[SetterRow]:
        return sorted(rows, key=lambda r: (-r.revenue, -r.leads_set, r.name))

    cells.sort(key=lambda c: (c["employee"], c["business_unit"]))
    return TechnicianLeadsReport(
        range=date_range,
        by_employee=ranked(by_employee.values()),
        by_business_unit=ranked(by_unit.values()),
        cells=cells,
        totals=totals,
    )


# --------------------------------------------------------------------------- abandoned calls


@dataclass
class AbandonedDay:
    day: date
    abandoned: int = 0
    over_60: int = 0
    called_back: int = 0
    recovered: int = 0


@dataclass
class AbandonedCallsReport:
    range: DateRange
    totals: AbandonedDay
    by_day: list[AbandonedDay]
    # heatmap[weekday 1..7 - 1][hour 0..23]: abandoned calls, ISO weekdays (Monday first), local time.
    heatmap: list[list[int]]
    as_of: datetime | None = None

    @property
    def called_back_rate(self) -> Decimal | None:
        return _ratio(self.totals.called_back, self.totals.abandoned)

    @property
    def recovered_rate(self) -> Decimal | None:
        return _ratio(self.totals.recovered, self.totals.abandoned)


def _later_calls_from_same_number() -> QuerySet[Call]:
    return Call.objects.filter(
        from_number=OuterRef("from_number"), created_at__gt=OuterRef("created_at")
    ).exclude(from_number="")


def called_back_condition() -> Q:
    """An abandoned call was called back (see the module's definitions)."""
    return (
        Q(callback_attempts__gt=0)
        | Q(Exists(Lead.objects.filter(call=OuterRef("pk"), first_response_at__isnull=False)))
        | Q(Exists(_later_calls_from_same_number().filter(accepted_at__isnull=False)))
    )


def recovered_condition() -> Q:
    """An abandoned call was recovered: its lead converted, or a later call from the number booked."""
    return Q(Exists(Lead.objects.filter(call=OuterRef("pk"), status=Lead.Status.CONVERTED))) | Q(
        Exists(_later_calls_from_same_number().filter(classification=Call.Classification.BOOKED))
    )


ABANDONED_FIGURES = ("abandoned", "over_60", "called_back", "recovered")


def _abandoned_calls(date_range: DateRange) -> QuerySet[Call]:
    return Call.objects.filter(date_range.q(), classification=Call.Classification.ABANDONED)


def abandoned_facts(*, date_range: DateRange) -> dict[date, dict[str, int]]:
    """Abandoned calls per local day: all, over 60 s, called back, recovered (the
    definitions above), from the raw rows; the report and its rollup both use it."""
    return {
        row.pop("day"): row
        for row in _by(_abandoned_calls(date_range), True)
        .annotate(
            abandoned=Count("id"),
            over_60=Count("id", filter=Q(duration_seconds__gt=ABANDONED_LEAD_SECONDS)),
            called_back=Count("id", filter=called_back_condition()),
            recovered=Count("id", filter=recovered_condition()),
        )
        .order_by()
    }


def abandoned_hour_facts(*, date_range: DateRange) -> dict[tuple[date, int], int]:
    """Abandoned calls per local day and local hour (the heat map's cells, by day)."""
    tz = local_tz()
    return {
        (day, hour): n
        for day, hour, n in _abandoned_calls(date_range)
        .annotate(day=TruncDate("created_at", tzinfo=tz), hour=ExtractHour("created_at", tzinfo=tz))
        .values_list("day", "hour")
        .annotate(n=Count("id"))
        .order_by()
    }


def abandoned_report_from(
    date_range: DateRange, per_day: dict[date, dict[str, int]], heatmap: list[list[int]]
) -> AbandonedCallsReport:
    by_day = []
    totals = AbandonedDay(day=date_range.start)
    for day in date_range.each_day():
        row = per_day.get(day, {})
        entry = AbandonedDay(
            day=day,
            abandoned=row.get("abandoned", 0),
            over_60=row.get("over_60", 0),
            called_back=row.get("called_back", 0),
            recovered=row.get("recovered", 0),
        )
        by_day.append(entry)
        totals.abandoned += entry.abandoned
        totals.over_60 += entry.over_60
        totals.called_back += entry.called_back
        totals.recovered += entry.recovered
    return AbandonedCallsReport(range=date_range, totals=totals, by_day=by_day, heatmap=heatmap)


@without_jit
def _abandoned_raw(date_range: DateRange) -> AbandonedCallsReport:
    tz = local_tz()
    heatmap = [[0] * 24 for _ in range(7)]
    for weekday, hour, n in (
        _abandoned_calls(date_range)
        .annotate(
            weekday=ExtractIsoWeekDay("created_at", tzinfo=tz), hour=ExtractHour("created_at", tzinfo=tz)
        )
        .values_list("weekday", "hour")
        .annotate(n=Count("id"))
        .order_by()
    ):
        heatmap[weekday - 1][hour] = n
    return abandoned_report_from(date_range, abandoned_facts(date_range=date_range), heatmap)


def abandoned_calls_report(*, date_range: DateRange, raw: bool = False) -> AbandonedCallsReport:
    """Abandoned calls per local day (all, over 60 s, called back, recovered) and per
    hour × weekday. From the daily rollups once built, else (or ``raw=True``) two
    grouped queries on the raw rows."""
    from reports import rollups

    as_of = None if raw else rollups.refresh()
    if as_of is None:
        return _abandoned_raw(date_range)
    per_day, heatmap = rollups.abandoned_figures(date_range)
    report = abandoned_report_from(date_range, per_day, heatmap)
    report.as_of = as_of
    return report


# --------------------------------------------------------------------------- leads per day


def _every_day(date_range: DateRange, rows: dict[date, dict[str, int]]) -> list[tuple[date, dict[str, int]]]:
    """Every day of the range with its count of each lead type (zeros included)."""
    return [(day, {t: rows.get(day, {}).get(t, 0) for t in LEAD_TYPES}) for day in date_range.each_day()]


def _leads_per_day(*, date_range: DateRange) -> list[tuple[date, dict[str, int]]]:
    """New leads per local day and type, every day of the range present (zeros included)."""
    rows = {
        row.pop("day"): row
        for row in counted_leads()
        .filter(date_range.q())
        .annotate(day=TruncDate("created_at", tzinfo=local_tz()))
        .values("day")
        .annotate(**_lead_type_counts())
        .order_by()
    }
    return _every_day(date_range, rows)


def leads_per_day(*, date_range: DateRange, raw: bool = False) -> list[tuple[date, dict[str, int]]]:
    """New leads per local day and type: from the campaign rollups once built."""
    from reports import rollups

    if raw or rollups.refresh() is None:
        return without_jit(_leads_per_day)(date_range=date_range)
    rows = rollups.leads_by_day(date_range)
    return _every_day(date_range, rows)


def leads_per_day_unrefreshed(*, date_range: DateRange) -> list[tuple[date, dict[str, int]]]:
    """New leads per local day and type, as ``leads_per_day``, for a screen that must
    not pay for a refresh (the dashboard, opened all day while today keeps changing):
    the days whose rollups are current from the rollups, the days with a change not
    yet folded in (usually just today) from the raw rows, one query per run of them."""
    from reports import rollups

    unsettled = rollups.unsettled_days(date_range)
    if unsettled is None:
        return _leads_per_day(date_range=date_range)
    rows = rollups.leads_by_day(date_range)
    for run in rollups.runs(unsettled):
        for day, counts in _leads_per_day(date_range=run):
            rows[day] = counts
    return _every_day(date_range, rows)


# --------------------------------------------------------------------------- dashboard


class Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5)``: the median without reading the rows into Python."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    allow_distinct = False


def _response_time() -> ExpressionWrapper:
    return ExpressionWrapper(F("first_response_at") - F("created_at"), output_field=DurationField())


def median_minutes(leads: QuerySet[Lead], windows: dict[str, Q]) -> dict[str, float | None]:
    """Median minutes to first response per window (one query on PostgreSQL)."""
    answered = leads.filter(first_response_at__isnull=False)
    if connection.vendor == "postgresql":
        result = answered.aggregate(
            **{
                name: Median(_response_time(), filter=cond, output_field=DurationField())
                for name, cond in windows.items()
            }
        )
        return {name: _minutes(value) for name, value in result.items()}
    medians: dict[str, float | None] = {}
    for name, cond in windows.items():
        # Bounded: the dashboard's windows are today and this week.
        values = list(
            answered.filter(cond)
            .annotate(took=_response_time())
            .values_list("took", flat=True)[:SQLITE_MEDIAN_LIMIT]
        )
        medians[name] = _minutes(statistics.median(values)) if values else None
    return medians


def _minutes(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 60, 1)


@dataclass
class Dashboard:
    today: date
    week_start: date
    leads: dict[str, dict[str, int]]  # window → type → count
    calls: dict[str, dict[str, int]]  # window → classification → count
    booked_rate: dict[str, Decimal | None]
    overdue_follow_ups: int
    awaiting_call_back: int
    speed_to_lead: dict[str, float | None]
    per_day: list[tuple[date, dict[str, int]]]


WINDOWS = ("today", "week")
CALL_CLASSES = [c.value for c in Call.Classification]


@without_jit
def dashboard(*, today: date | None = None, chart_days: int = 14) -> Dashboard:
    """Today's and this week's figures (the week starts on Monday, local time)."""
    today = today or timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    ranges = {"today": DateRange(today, today), "week": DateRange(week_start, today)}
    week_q = ranges["week"].q()
    today_q = ranges["today"].q()

    # One read of new leads per day serves the chart and the week's figures: the week's
    # days are among the chart's (or the chart's range is widened to hold them).
    chart_start = today - timedelta(days=chart_days - 1)
    by_day = leads_per_day_unrefreshed(date_range=DateRange(min(chart_start, week_start), today))
    per_day = [(day, row) for day, row in by_day if day >= chart_start]
    lead_counts = {
        f"{w}__{t}": sum(row[t] for day, row in by_day if day >= ranges[w].start)
        for w in WINDOWS
        for t in LEAD_TYPES
    }
    call_counts = Call.objects.filter(week_q).aggregate(
        **{
            f"{w}__{c}": Count("id", filter=Q(classification=c) & (today_q if w == "today" else Q()))
            for w in WINDOWS
            for c in CALL_CLASSES
        }
    )

    def split(counts: dict[str, int]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {w: {} for w in WINDOWS}
        for key, n in counts.items():
            window, kind = key.split("__")
            out[window][kind] = n
        return out

    leads, calls = split(lead_counts), split(call_counts)
    booked_rate = {w: call_booking_rate(calls[w]["booked"], calls[w]["unbooked"]) for w in WINDOWS}
    overdue = Lead.objects.filter(status=Lead.Status.OPEN, follow_up_on__lt=today).count()
    awaiting = Lead.objects.filter(
        type=Lead.Type.ABANDONED_CALL, status=Lead.Status.OPEN, first_response_at__isnull=True
    ).count()
    speed = median_minutes(counted_leads().filter(week_q), {"today": today_q, "week": Q(pk__isnull=False)})
    return Dashboard(
        today=today,
        week_start=week_start,
        leads=leads,
        calls=calls,
        booked_rate=booked_rate,
        overdue_follow_ups=overdue,
        awaiting_call_back=awaiting,
        speed_to_lead=speed,
        per_day=per_day,
    )


# --------------------------------------------------------------------------- CSR scorecard


@dataclass
class ScorecardRow:
    employee_id: int | None
    name: str
    calls_taken: int = 0
    booked: int = 0
    unbooked: int = 0
    leads_assigned: int = 0
    first_responses: int = 0
    median_speed_to_lead_seconds: int | None = None
    sla_met: int = 0
    sla_decided: int = 0

    @property
    def lead_calls(self) -> int:
        return self.booked + self.unbooked

    @property
    def booking_rate(self) -> Decimal | None:
        return call_booking_rate(self.booked, self.unbooked)

    @property
    def sla_breached(self) -> int:
        return self.sla_decided - self.sla_met

    @property
    def sla_met_rate(self) -> Decimal | None:
        return _ratio(self.sla_met, self.sla_decided)

    def add(self, other: ScorecardRow) -> None:
        for name in ("calls_taken", "booked", "unbooked", "leads_assigned", "first_responses"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.sla_met += other.sla_met
        self.sla_decided += other.sla_decided

    def as_dict(self) -> dict[str, Any]:
        return {
            "employee_id": self.employee_id,
            "name": self.name,
            "calls_taken": self.calls_taken,
            "lead_calls": self.lead_calls,
            "booked": self.booked,
            "booking_rate": self.booking_rate,
            "unbooked": self.unbooked,
            "leads_assigned": self.leads_assigned,
            "first_responses": self.first_responses,
            "median_speed_to_lead_seconds": self.median_speed_to_lead_seconds,
            "sla_met_rate": self.sla_met_rate,
        }


@dataclass
class CsrScorecard:
    range: DateRange
    rows: list[ScorecardRow]
    # Sums and the rates over the sums; no median (it is not a sum of medians).
    totals: ScorecardRow
    as_of: datetime | None = None


def _median_seconds_by(leads: QuerySet[Lead], group: str) -> dict[int, int]:
    """The median first-response time per ``group`` value, in whole seconds: one
    grouped ``percentile_cont`` on PostgreSQL; on SQLite the (bounded) durations."""
    answered = leads.filter(first_response_at__isnull=False)
    if connection.vendor == "postgresql":
        rows = (
            answered.values(group)
            .annotate(m=Median(_response_time(), output_field=DurationField()))
            .values_list(group, "m")
            .order_by()
        )
        return {key: round(m.total_seconds()) for key, m in rows if m is not None}
    seconds: dict[int, list[float]] = {}
    took_rows = answered.annotate(took=_response_time()).values_list(group, "took")
    for key, took in took_rows[:SQLITE_MEDIAN_LIMIT]:
        seconds.setdefault(key, []).append(took.total_seconds())
    return {key: round(statistics.median(values)) for key, values in seconds.items()}


SCORECARD_FIGURES = (
    "calls_taken", "booked", "unbooked", "leads_assigned", "first_responses", "timed_responses", "sla_met",
    "sla_decided",
)  # fmt: skip

# Before any due time: what ``sla_decided_q`` holds at this moment is decided at every moment.
_DAWN = datetime(1, 1, 1, tzinfo=UTC)


def sla_settled_q() -> Q:
    """Leads whose SLA is decided whatever the time (answered, or closed): ``sla_decided_q``
    at the dawn of time. Their met / breached changes only with their row, so rollups keep them."""
    return sla_decided_q(_DAWN)


def sla_overdue_q(now: datetime) -> Q:
    """The rest of ``sla_decided_q(now)``: open, never answered, past the due time (breached,
    never met) — decided by the clock alone, with no row change, so read live (on PostgreSQL
    an index-only scan of the partial index ``lead_sla_running``, leads/0010)."""
    return Q(status=Lead.Status.OPEN, first_response_at__isnull=True, first_response_due_at__lt=now)


def scorecard_facts(*, date_range: DateRange, by_day: bool = False, now: datetime | None = None) -> Facts:
    """The scorecard's summable figures per employee (and per local day for the rollups) from
    the raw rows: the one definition the report and its rollup use. ``sla_decided`` counts the
    leads decided at ``now``; without ``now`` (the rollups), the leads decided whatever the
    time (``sla_settled_q``), to which a report adds the overdue ones (``sla_overdue_q``) live."""
    in_range = date_range.q()
    decided = sla_settled_q() if now is None else sla_decided_q(now)
    facts: Facts = {}

    def cell(row: dict[str, Any], key: str) -> dict[str, Any]:
        return facts.setdefault((row.pop("day", None), row.pop(key)), dict.fromkeys(SCORECARD_FIGURES, 0))

    for row in (
        _by(Call.objects.filter(in_range, accepted_by__isnull=False), by_day, "accepted_by_id")
        .annotate(
            calls_taken=Count("id"),
            booked=Count("id", filter=Q(classification=Call.Classification.BOOKED)),
            unbooked=Count("id", filter=Q(classification=Call.Classification.UNBOOKED)),
        )
        .order_by()
    ):
        cell(row, "accepted_by_id").update(row)
    leads = counted_leads().filter(in_range)
    for row in (
        _by(leads.filter(assignee__isnull=False), by_day, "assignee_id")
        .annotate(
            leads_assigned=Count("id"),
            sla_met=Count("id", filter=decided & sla_met_q()),
            sla_decided=Count("id", filter=decided),
        )
        .order_by()
    ):
        cell(row, "assignee_id").update(row)
    for row in (
        _by(leads.filter(first_response_by__isnull=False), by_day, "first_response_by_id")
        .annotate(
            first_responses=Count("id"),
            # The leads the median is taken over (``_median_seconds_by``).
            timed_responses=Count("id", filter=Q(first_response_at__isnull=False)),
        )
        .order_by()
    ):
        cell(row, "first_response_by_id").update(row)
    return facts


def scorecard_overdue(*, date_range: DateRange, now: datetime) -> dict[int, int]:
    """Per assignee, the leads of the range whose SLA the clock alone has decided by ``now``."""
    return dict(
        counted_leads()
        .filter(date_range.q(), sla_overdue_q(now), assignee__isnull=False)
        .values_list("assignee_id")
        # count(*), not of ids: the index lead_sla_running holds every other column read.
        .annotate(n=Count("*"))
        .order_by()
    )


def scorecard_medians(*, date_range: DateRange, counts: dict[int, int] | None = None) -> dict[int, int]:
    """Median seconds to first response per responder, live: a median is no sum of days.

    Given how many timed responses each responder has in the range (``counts``, from the
    rollups, read in the same snapshot), PostgreSQL reads only the middle one or two of
    each responder's times, walking the index ``lead_response_time`` in time order, and
    takes ``percentile_cont(0.5)`` of those: the same interpolation, between the same two
    values, as over all of them — so the same result as ``_median_seconds_by``, which
    sorts every answered lead of the range (and serves SQLite and the raw report)."""
    answered = counted_leads().filter(date_range.q(), first_response_by__isnull=False)
    if connection.vendor != "postgresql" or counts is None:
        return _median_seconds_by(answered, "first_response_by_id")
    ids = [employee for employee, n in counts.items() if n > 0]
    if not ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.id, percentile_cont(0.5) WITHIN GROUP (ORDER BY m.took)
            FROM unnest(%s::bigint[], %s::bigint[]) AS e(id, n)
            CROSS JOIN LATERAL (
                SELECT l.first_response_at - l.created_at AS took
                FROM leads_lead l
                WHERE l.first_response_by_id = e.id AND l.first_response_at IS NOT NULL
                  AND l.merged_into_id IS NULL AND l.created_at >= %s AND l.created_at < %s
                ORDER BY l.first_response_at - l.created_at
                OFFSET (e.n - 1) / 2 LIMIT 2 - e.n %% 2
            ) m
            GROUP BY e.id
            """,
            [ids, [counts[i] for i in ids], date_range.since, date_range.until],
        )
        return {employee: round(took.total_seconds()) for employee, took in cursor.fetchall()}


def scorecard_report_from(
    date_range: DateRange, figures: dict[int, dict[str, int]], medians: dict[int, int]
) -> CsrScorecard:
    """Fold per-employee figures (raw, or summed rollups plus the live part) into the report."""
    from accounts.models import Role

    people = Employee.objects.filter(Q(pk__in=set(figures)) | Q(role=Role.CSR, active=True)).order_by(
        "name", "id"
    )
    rows = []
    for person in people.only("id", "name"):
        row = ScorecardRow(employee_id=person.pk, name=person.name)
        for name, value in figures.get(person.pk, {}).items():
            if hasattr(row, name):  # timed_responses only counts the median's leads
                setattr(row, name, value)
        row.median_speed_to_lead_seconds = medians.get(person.pk)
        rows.append(row)
    totals = ScorecardRow(employee_id=None, name="Total")
    for row in rows:
        totals.add(row)
    return CsrScorecard(range=date_range, rows=rows, totals=totals)


@without_jit
def _csr_scorecard_raw(date_range: DateRange, now: datetime) -> CsrScorecard:
    facts = scorecard_facts(date_range=date_range, now=now)
    figures = {employee: f for (_, employee), f in facts.items()}
    return scorecard_report_from(date_range, figures, scorecard_medians(date_range=date_range))


@contextmanager
def _one_snapshot() -> Iterator[None]:
    """A read-only transaction whose statements all see one snapshot (PostgreSQL's
    REPEATABLE READ; a read-only one never fails to serialise), JIT off as ``without_jit``.
    Inside a transaction already (tests), that one is used as it is."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        with atomic_without_jit():
            yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SET LOCAL jit = off")
        yield


def _csr_scorecard_rollups(date_range: DateRange, now: datetime, as_of: datetime) -> CsrScorecard:
    from reports import rollups
    from reports.models import DirtyHour

    with _one_snapshot():
        figures = rollups.scorecard_figures(date_range)
        # The rollups match the raw rows of this snapshot when it holds no change they have not
        # folded in (the triggers mark in the writer's transaction, a refresh folds in and
        # unmarks in one): then the rollups' counts place the medians. Else (a change landed
        # since the refresh) the medians are taken over every answered lead.
        current = not DirtyHour.objects.exists()
        counts = {employee: f["timed_responses"] for employee, f in figures.items()} if current else None
        for employee, n in scorecard_overdue(date_range=date_range, now=now).items():
            figures.setdefault(employee, dict.fromkeys(SCORECARD_FIGURES, 0))["sla_decided"] += n
        medians = scorecard_medians(date_range=date_range, counts=counts)
        report = scorecard_report_from(date_range, figures, medians)
    report.as_of = as_of
    return report


def csr_scorecard(*, date_range: DateRange, now: datetime | None = None, raw: bool = False) -> CsrScorecard:
    """Per CSR: calls taken, lead calls, booked, booking rate, unbooked, leads assigned,
    first responses, median speed to lead and SLA met % at ``now`` (definitions above).
    From the daily rollups once built — plus, live, the leads the clock alone has made
    breached and the medians — else (or ``raw=True``) from the raw rows. A fixed number
    of grouped queries whatever the number of CSRs or rows."""
    from reports import rollups

    now = now or timezone.now()
    as_of = None if raw else rollups.refresh()
    if as_of is None:
        return _csr_scorecard_raw(date_range, now)
    return _csr_scorecard_rollups(date_range, now, as_of)
