"""Daily rollups: the reports read per-day sums instead of the raw rows, so a
report costs the same with one year of data as with ten.

Correctness first (a rollup that can drift is worse than a slow report):

* **One definition.** A day's rollup rows are exactly what the raw report's own
  grouped queries (``reports.selectors.campaign_facts`` …) return for that
  day, grouped by local day as well; a report sums the days of its range.
* **Nothing changes unseen.** Triggers (``reports.triggers``, migration 0002)
  record the UTC hour of every inserted, updated or deleted counted row — and
  of the rows whose figures it changes (a later accepted call makes an earlier
  abandoned call "called back") — in ``DirtyHour``, in the writer's own
  transaction, whatever code path wrote it.
* **Recomputed before read.** Each report first recomputes the local days of
  the recorded hours from the raw rows (``refresh``), then reads the rollups:
  the figures are current as of the request, and the cost is the days that
  changed (usually today) plus a sum over at most 366 rows per key.
* **Rebuildable.** ``manage.py rollups_rebuild`` recomputes every day from
  the raw rows, a month per transaction, recording how far it got, so an
  interrupted rebuild resumes; running it again gives the same rows. Until
  the first build completes, reports read the raw rows.

**The CSR scorecard** (``ScorecardDay``, per local day and employee) keeps only
what is a sum of per-lead or per-call facts that change with a row alone:
calls taken / booked / unbooked by ``accepted_by``, leads by current assignee,
first responses by ``first_response_by``, and, of the assigned leads, those whose
SLA is *settled* — answered or closed, so decided whatever the time
(``selectors.sla_settled_q``) — and of those the ones met. Two parts are not
such sums, and are read live, exactly, at the report's ``now``:

* **SLA breached by the clock.** An open, unanswered lead becomes breached
  when its due time passes, with no row change for a trigger to see. The
  report adds, per assignee, the leads of its range that are open, unanswered
  and past due at ``now`` (``selectors.sla_overdue_q``; decided at ``now`` =
  settled + overdue, and an overdue lead is never met), one grouped count over
  the unanswered leads with a due time (the partial index
  ``lead_awaiting_response``).
* **Median speed to lead.** A median is no sum of daily medians: it is the
  raw report's own grouped ``percentile_cont`` over the range's answered
  leads (``selectors.scorecard_medians``).

What the scorecard reads of a lead — assignee, first responder, due time,
first response, status, dismissal and conversion times, and ``updated_at``
while it is the time of closing — and a call's agent are watched by the
triggers (migration 0004).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils import timezone

from calls.models import Call
from jobs.models import Job
from leads.models import Lead
from reports import selectors
from reports.models import (
    AbandonedDay,
    AbandonedHour,
    CampaignDay,
    DirtyHour,
    RollupState,
    ScorecardDay,
    SetterDay,
)
from reports.selectors import DateRange

ROLLUPS = (CampaignDay, SetterDay, AbandonedDay, AbandonedHour, ScorecardDay)
REBUILD_CHUNK_DAYS = 31
DELETE_CHUNK = 500


def _state(*, lock: bool = False) -> RollupState:
    qs = RollupState.objects.select_for_update() if lock else RollupState.objects
    state, _ = qs.get_or_create(pk=1)
    return state


# --------------------------------------------------------------------------- writing


def local_days(hour: str) -> set[date]:
    """The local days a UTC hour (``YYYY-MM-DD HH``) overlaps (two when a day starts inside it)."""
    start = datetime.strptime(hour, "%Y-%m-%d %H").replace(tzinfo=UTC)
    tz = selectors.local_tz()
    return {start.astimezone(tz).date(), (start + timedelta(minutes=59, seconds=59)).astimezone(tz).date()}


def _hours_days(hours: Iterable[str]) -> set[date]:
    """The local days the marked UTC hours overlap."""
    days: set[date] = set()
    for hour in set(hours):
        days |= local_days(hour)
    return days


def runs(days: Iterable[date]) -> list[DateRange]:
    """Sorted days → ranges of consecutive days."""
    found: list[DateRange] = []
    for day in sorted(set(days)):
        if found and found[-1].end + timedelta(days=1) == day:
            found[-1] = DateRange(found[-1].start, day)
        else:
            found.append(DateRange(day, day))
    return found


def write_range(date_range: DateRange) -> None:
    """Replace the rollup rows of every day in the range with the raw figures.
    Call inside a transaction holding the state row's lock."""
    days = {"day__gte": date_range.start, "day__lte": date_range.end}
    for model in ROLLUPS:
        model.objects.filter(**days).delete()
    CampaignDay.objects.bulk_create(
        CampaignDay(day=day, campaign_id=campaign, **figures)
        for (day, campaign), figures in selectors.campaign_facts(date_range=date_range, by_day=True).items()
    )
    SetterDay.objects.bulk_create(
        SetterDay(**cell) for cell in selectors.technician_facts(date_range=date_range, by_day=True)
    )
    AbandonedDay.objects.bulk_create(
        AbandonedDay(day=day, **figures)
        for day, figures in selectors.abandoned_facts(date_range=date_range).items()
    )
    AbandonedHour.objects.bulk_create(
        AbandonedHour(day=day, hour=hour, abandoned=n)
        for (day, hour), n in selectors.abandoned_hour_facts(date_range=date_range).items()
    )
    ScorecardDay.objects.bulk_create(
        ScorecardDay(day=day, employee_id=employee, sla_settled=figures.pop("sla_decided"), **figures)
        for (day, employee), figures in selectors.scorecard_facts(date_range=date_range, by_day=True).items()
    )


def refresh() -> datetime | None:
    """Bring the rollups up to date with the raw rows; the time they are current as
    of, or None when they are not built yet (the caller reads the raw rows)."""
    state = _state()
    if not state.built:
        return None
    if not DirtyHour.objects.exists():
        return timezone.now()
    with selectors.atomic_without_jit():
        state = _state(lock=True)
        if not state.built:
            return None
        # Read after taking the lock: a refresh that ran meanwhile has removed what it did.
        markers = list(DirtyHour.objects.values_list("id", "hour"))
        for run in runs(_hours_days(h for _, h in markers)):
            write_range(run)
        ids = [i for i, _ in markers]
        for at in range(0, len(ids), DELETE_CHUNK):
            DirtyHour.objects.filter(id__in=ids[at : at + DELETE_CHUNK]).delete()
        state.refreshed_at = timezone.now()
        state.save(update_fields=["refreshed_at"])
        return state.refreshed_at


def data_span() -> DateRange | None:
    """The local days from the first to the last counted row, or None when there are none.
    A day after the last row has no figures, so a rebuild stops there (a row written since
    is marked by the triggers and folded in by the next refresh)."""
    bounds = [m.objects.aggregate(first=Min("created_at"), last=Max("created_at")) for m in (Lead, Call, Job)]
    known = [b for b in bounds if b["first"] is not None]
    if not known:
        return None
    tz = selectors.local_tz()
    return DateRange(
        min(b["first"] for b in known).astimezone(tz).date(),
        max(b["last"] for b in known).astimezone(tz).date(),
    )


def rebuild(*, restart: bool = False, chunk_days: int = REBUILD_CHUNK_DAYS, echo: Any = None) -> int:
    """Recompute every day from the raw rows, ``chunk_days`` per transaction, resuming an
    interrupted rebuild unless ``restart``. Returns the number of days written."""
    with transaction.atomic():
        state = _state(lock=True)
        if restart or state.rebuild_next is None:
            span = data_span()
            state.built = False
            if span is None:
                for model in ROLLUPS:
                    model.objects.all().delete()
                state.built, state.rebuild_next, state.rebuild_until = True, None, None
                state.save()
                return 0
            # Rows outside the span (data deleted since) must go too.
            for model in ROLLUPS:
                model.objects.exclude(day__gte=span.start, day__lte=span.end).delete()
            state.rebuild_next, state.rebuild_until = span.start, span.end
            state.save()
    written = 0
    while True:
        with selectors.atomic_without_jit():
            state = _state(lock=True)
            if state.rebuild_next is None or state.rebuild_until is None:
                break
            start, until = state.rebuild_next, state.rebuild_until
            end = min(start + timedelta(days=chunk_days - 1), until)
            write_range(DateRange(start, end))
            written += (end - start).days + 1
            if echo:
                echo(f"  {start} … {end}")
            if end >= until:
                state.rebuild_next, state.rebuild_until, state.built = None, None, True
                state.refreshed_at = timezone.now()
            else:
                state.rebuild_next = end + timedelta(days=1)
            state.save()
    return written


# --------------------------------------------------------------------------- reading


def _days(date_range: DateRange) -> dict[str, date]:
    return {"day__gte": date_range.start, "day__lte": date_range.end}


def campaign_figures(date_range: DateRange) -> dict[int | None, dict[str, Any]]:
    return {
        row.pop("campaign_id"): row
        for row in CampaignDay.objects.filter(**_days(date_range))
        .values("campaign_id")
        .annotate(**{f: Sum(f) for f in selectors.CAMPAIGN_FIGURES})
        .order_by()
    }


def leads_by_day(date_range: DateRange) -> dict[date, dict[str, int]]:
    return {
        row.pop("day"): row
        for row in CampaignDay.objects.filter(**_days(date_range))
        .values("day")
        .annotate(**{t: Sum(t) for t in selectors.LEAD_TYPES})
        .order_by()
    }


def unsettled_days(date_range: DateRange) -> set[date] | None:
    """The days of the range whose rollups may be behind the raw rows (a change is
    recorded in ``DirtyHour`` that no refresh has folded in yet), or None while the
    rollups are not built. Every other day of the range reads the same from its
    rollup rows as from the raw rows, without a refresh."""
    # Read only (a page view writes nothing): no state row means not built.
    if not RollupState.objects.filter(pk=1, built=True).exists():
        return None
    # Only the UTC hours that can fall on the range's local days (a day away either
    # side covers any offset): marks pile up wherever the worker has not folded them
    # in for a while (after a demo load, ~39,000), and the dashboard asks all day.
    first, last = date_range.start - timedelta(days=1), date_range.end + timedelta(days=1)
    marked = DirtyHour.objects.filter(hour__gte=f"{first:%Y-%m-%d} 00", hour__lte=f"{last:%Y-%m-%d} 23")
    days = _hours_days(marked.values_list("hour", flat=True).distinct())
    return {day for day in days if date_range.start <= day <= date_range.end}


def setter_cells(date_range: DateRange) -> list[dict[str, Any]]:
    return list(
        SetterDay.objects.filter(**_days(date_range))
        .values("lead_setting_employee_id", "business_unit_id")
        .annotate(**{f: Sum(f) for f in selectors.SETTER_FIGURES})
        .order_by()
    )


def abandoned_figures(date_range: DateRange) -> tuple[dict[date, dict[str, int]], list[list[int]]]:
    per_day = {
        row.pop("day"): row
        for row in AbandonedDay.objects.filter(**_days(date_range)).values(
            "day", *selectors.ABANDONED_FIGURES
        )
    }
    heatmap = [[0] * 24 for _ in range(7)]
    for day, hour, n in AbandonedHour.objects.filter(**_days(date_range)).values_list(
        "day", "hour", "abandoned"
    ):
        heatmap[day.isoweekday() - 1][hour] += n
    return per_day, heatmap


def scorecard_figures(date_range: DateRange) -> dict[int, dict[str, int]]:
    """Per employee, the scorecard's summable figures over the range; ``sla_decided`` holds
    the settled leads only (the caller adds the overdue ones, read live)."""
    sums = {f: Sum("sla_settled" if f == "sla_decided" else f) for f in selectors.SCORECARD_FIGURES}
    return {
        row.pop("employee_id"): row
        for row in ScorecardDay.objects.filter(**_days(date_range))
        .values("employee_id")
        .annotate(**sums)
        .order_by()
    }
