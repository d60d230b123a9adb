"""Arrival windows, availability, and the places bookings take in them.

The rules:

- A business unit's windows are local wall-clock times on a weekday in the
  company's time zone (``hours``); windows of one unit and weekday never
  overlap; the business-hours closures close every window that day.
- A job whose ``start`` falls in an active window takes one place there, in
  the booking's transaction (``place_take``, called by ``jobs.services.job_book``,
  the one service every booking path goes through). The place is taken by one
  conditional ``UPDATE … SET booked = booked + 1 WHERE booked < capacity`` on
  the window-day's counter row: PostgreSQL row-locks it and re-checks the
  condition after a concurrent booking commits; SQLite runs write transactions
  one at a time (``transaction_mode = IMMEDIATE``). Either way no two bookings
  can take the last place. A full (or closed) window is a 409 ``window_full``
  naming the window and the next open ones; an admin may overbook on purpose
  (audited).
- Cancelling a job gives its place back (``place_release``); rescheduling it
  moves it (``place_move``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from accounts.actor import Actor
from accounts.roles import Perm
from catalog.models import BusinessUnit, JobType
from catalog.services import job_type_check
from core.errors import DomainError, FieldError, collect, forbidden, invalid
from core.models import AuditEntry
from hours.services import BusinessHoursSpec, business_hours_get
from scheduling.models import WEEKDAYS, ArrivalWindow, WindowDay, WindowPlace

MAX_CAPACITY = 1000
# How far the availability API and "next open windows" look.
MAX_RANGE_DAYS = 62
NEXT_OPEN_HORIZON_DAYS = 31
NEXT_OPEN_COUNT = 3


# --- slots: a window on a date ----------------------------------------------------


def _clock(value: datetime) -> str:
    """8 AM, 8:30 AM: short, for lists of windows."""
    return value.strftime("%I %p" if value.minute == 0 else "%I:%M %p").lstrip("0")


@dataclass(frozen=True)
class Slot:
    window_id: int
    business_unit_id: int
    date: date
    start: datetime  # aware, in the company's zone
    end: datetime
    capacity: int
    booked: int
    closed: bool = False

    @property
    def open(self) -> int:
        return 0 if self.closed else max(self.capacity - self.booked, 0)

    @property
    def key(self) -> str:
        """What a form posts to pick this slot: window id and date."""
        return f"{self.window_id}:{self.date.isoformat()}"

    @property
    def label(self) -> str:
        return f"{self.start:%a %b} {self.start.day}, {_clock(self.start)}–{_clock(self.end)}"

    @property
    def time_label(self) -> str:
        return f"{_clock(self.start)}–{_clock(self.end)}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "window_id": self.window_id,
            "business_unit_id": self.business_unit_id,
            "date": self.date.isoformat(),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "capacity": self.capacity,
            "booked": self.booked,
            "open": self.open,
            "label": self.label,
        }


def _local(day: date, at: time, spec: BusinessHoursSpec) -> datetime:
    # Through UTC and back, so a wall time that DST skips lands on a real instant.
    return datetime.combine(day, at, tzinfo=spec.tz).astimezone(UTC).astimezone(spec.tz)


def _slot(window: ArrivalWindow, day: date, booked: int, spec: BusinessHoursSpec) -> Slot:
    return Slot(
        window_id=window.pk,
        business_unit_id=window.business_unit_id,
        date=day,
        start=_local(day, window.start_time, spec),
        end=_local(day, window.end_time, spec),
        capacity=window.capacity,
        booked=booked,
        closed=day in spec.closures,
    )


def _active_windows(business_unit_ids: Iterable[int] | None) -> QuerySet[ArrivalWindow]:
    qs = ArrivalWindow.objects.filter(active=True, business_unit__active=True).select_related("business_unit")
    if business_unit_ids is not None:
        qs = qs.filter(business_unit_id__in=list(business_unit_ids))
    return qs.order_by("start_time", "business_unit_id", "id")


def slots_between(
    *,
    business_unit_ids: Iterable[int] | None,
    first: date,
    last: date,
    spec: BusinessHoursSpec | None = None,
    include_closed: bool = False,
) -> list[Slot]:
    """Every active window of those units (all units for ``None``) on each date
    from ``first`` to ``last`` inclusive, in time order, with its booked count.
    Closure days are left out unless ``include_closed``. Three queries."""
    spec = spec or business_hours_get()
    windows = list(_active_windows(business_unit_ids))
    return _slots_of(windows, first=first, last=last, spec=spec, include_closed=include_closed)


def _slots_of(
    windows: Sequence[ArrivalWindow],
    *,
    first: date,
    last: date,
    spec: BusinessHoursSpec,
    include_closed: bool,
) -> list[Slot]:
    if not windows or last < first:
        return []
    booked = {
        (window_id, day): count
        for window_id, day, count in WindowDay.objects.filter(
            window_id__in=[w.pk for w in windows], date__gte=first, date__lte=last
        ).values_list("window_id", "date", "booked")
    }
    by_weekday: dict[int, list[ArrivalWindow]] = {}
    for w in windows:
        by_weekday.setdefault(w.weekday, []).append(w)
    slots: list[Slot] = []
    day = first
    while day <= last:
        if include_closed or day not in spec.closures:
            for w in by_weekday.get(day.weekday(), []):
                slots.append(_slot(w, day, booked.get((w.pk, day), 0), spec))
        day += timedelta(days=1)
    return slots


def availability(
    *,
    business_unit: BusinessUnit | None,
    job_type: JobType | None = None,
    first: date,
    last: date,
    spec: BusinessHoursSpec | None = None,
) -> list[Slot]:
    """The API's ``GET /availability``: each window's capacity, booked and open
    places for a date range (at most ``MAX_RANGE_DAYS``)."""
    errors: list[FieldError] = []
    if last < first:
        errors.append(FieldError("to", "must not be before from"))
    elif (last - first).days >= MAX_RANGE_DAYS:
        errors.append(FieldError("to", f"the range may span at most {MAX_RANGE_DAYS} days"))
    collect(errors)
    units: list[int] | None = None
    if job_type is not None:
        if business_unit is not None:
            job_type_check(job_type=job_type, business_unit=business_unit)
        else:
            units = list(job_type.business_units.filter(active=True).values_list("pk", flat=True))
    if business_unit is not None:
        units = [business_unit.pk]
    return slots_between(business_unit_ids=units, first=first, last=last, spec=spec)


def next_open_slots(
    *,
    business_unit_ids: Sequence[int] | None,
    after: datetime | None = None,
    count: int = NEXT_OPEN_COUNT,
    spec: BusinessHoursSpec | None = None,
    horizon_days: int = NEXT_OPEN_HORIZON_DAYS,
) -> list[Slot]:
    """The next ``count`` windows with a place left that have not ended yet."""
    spec = spec or business_hours_get()
    after = after or timezone.now()
    first = after.astimezone(spec.tz).date()
    slots = slots_between(
        business_unit_ids=business_unit_ids, first=first, last=first + timedelta(days=horizon_days), spec=spec
    )
    return [s for s in slots if s.open > 0 and s.end > after][:count]


def upcoming_slots(
    *,
    business_unit_ids: Sequence[int] | None,
    after: datetime | None = None,
    count: int = 8,
    spec: BusinessHoursSpec | None = None,
    horizon_days: int = 14,
) -> list[Slot]:
    """The next ``count`` windows that have not ended, full ones included
    (the CSR's picker greys them out)."""
    spec = spec or business_hours_get()
    after = after or timezone.now()
    first = after.astimezone(spec.tz).date()
    slots = slots_between(
        business_unit_ids=business_unit_ids, first=first, last=first + timedelta(days=horizon_days), spec=spec
    )
    upcoming = [s for s in slots if s.end > after]
    # Enough to show the open ones too when the first few are full.
    shown = upcoming[:count]
    if not any(s.open for s in shown):
        shown += [s for s in upcoming[count:] if s.open][:NEXT_OPEN_COUNT]
    return shown


@dataclass(frozen=True)
class UnitDay:
    """One business unit's windows on one date, for the dashboard."""

    date: date
    slots: list[Slot]
    closed: bool

    @property
    def booked(self) -> int:
        return sum(s.booked for s in self.slots)

    @property
    def capacity(self) -> int:
        return 0 if self.closed else sum(s.capacity for s in self.slots)

    @property
    def open(self) -> int:
        return sum(s.open for s in self.slots)


@dataclass(frozen=True)
class UnitBoard:
    business_unit_id: int
    name: str
    days: list[UnitDay]


def capacity_board(*, first: date, days: int = 2, spec: BusinessHoursSpec | None = None) -> list[UnitBoard]:
    """Each business unit with arrival windows: its windows on ``days`` dates from
    ``first`` (closure days shown closed), booked / capacity. Three queries
    (hours, windows with their units, counters), however many units and windows."""
    spec = spec or business_hours_get()
    last = first + timedelta(days=days - 1)
    windows = list(_active_windows(None))
    names = {w.business_unit_id: w.business_unit.name for w in windows}
    by_unit: dict[int, dict[date, list[Slot]]] = {unit_id: {} for unit_id in names}
    for s in _slots_of(windows, first=first, last=last, spec=spec, include_closed=True):
        by_unit[s.business_unit_id].setdefault(s.date, []).append(s)
    dates = [first + timedelta(days=i) for i in range(days)]
    boards = [
        UnitBoard(
            business_unit_id=unit_id,
            name=names[unit_id],
            days=[UnitDay(date=d, slots=per_day.get(d, []), closed=d in spec.closures) for d in dates],
        )
        for unit_id, per_day in by_unit.items()
    ]
    return sorted(boards, key=lambda b: b.name.lower())


def slot_from_key(key: str, spec: BusinessHoursSpec | None = None) -> Slot | None:
    """The slot a form posted as ``"<window id>:<YYYY-MM-DD>"``; ``None`` when it
    names no active window on that weekday."""
    raw_id, _, raw_date = key.partition(":")
    if not raw_id.isdigit() or len(raw_id) > 12:
        return None
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        return None
    window = _active_windows(None).filter(pk=int(raw_id)).first()
    if window is None or window.weekday != day.weekday():
        return None
    spec = spec or business_hours_get()
    booked = WindowDay.objects.filter(window=window, date=day).values_list("booked", flat=True).first()
    return _slot(window, day, booked or 0, spec)


def slot_matching(
    *, business_unit_ids: Sequence[int] | None, start: datetime, end: datetime | None = None
) -> Slot | None:
    """The slot whose window starts at ``start`` (and ends at ``end`` when given):
    what ``POST /bookings`` names as ``requested_window: {start, end}``."""
    spec = business_hours_get()
    day = start.astimezone(spec.tz).date()
    for s in slots_between(business_unit_ids=business_unit_ids, first=day, last=day, spec=spec):
        if s.start == start and (end is None or s.end == end):
            return s
    return None


# --- taking and giving back places ---------------------------------------------------


@dataclass
class WindowFull(DomainError):
    """409 ``window_full``: the error body also carries ``window`` (the one that
    is full) and ``next_open`` (the next windows with a place left)."""

    window: dict[str, Any] = field(default_factory=dict)
    next_open: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {**super().as_dict(), "window": self.window, "next_open": self.next_open}


def window_full_error(
    slot: Slot, *, field_name: str = "start", spec: BusinessHoursSpec | None = None
) -> WindowFull:
    after = max(timezone.now(), slot.start)
    following = next_open_slots(business_unit_ids=[slot.business_unit_id], after=after, spec=spec)
    why = "closed that day" if slot.closed else f"full ({slot.booked} of {slot.capacity} booked)"
    offer = (
        "Next open: " + "; ".join(s.label for s in following) + "."
        if following
        else "No window has a place left in the next month."
    )
    detail = f"The arrival window {slot.label} is {why}. {offer}"
    return WindowFull(
        detail,
        code="window_full",
        errors=[FieldError(field_name, detail)],
        status=409,
        window=slot.as_dict(),
        next_open=[s.as_dict() for s in following],
    )


def window_at(
    business_unit_id: int,
    start: datetime,
    spec: BusinessHoursSpec,
    windows: Sequence[ArrivalWindow] | None = None,
) -> tuple[ArrivalWindow, date] | None:
    """The active window of that unit whose local times hold ``start``, and its date."""
    local = start.astimezone(spec.tz)
    at, weekday = local.time().replace(tzinfo=None), local.weekday()
    if windows is None:
        windows = list(_active_windows([business_unit_id]).filter(weekday=weekday))
    for w in windows:
        if (
            w.business_unit_id == business_unit_id
            and w.weekday == weekday
            and w.start_time <= at < w.end_time
        ):
            return w, local.date()
    return None


def place_take(
    *,
    actor: Actor,
    job_id: int,
    business_unit_id: int,
    start: datetime | None,
    overbook: bool = False,
    field_name: str = "start",
) -> WindowPlace | None:
    """Take a place for a job in the window its start falls in (nothing when it
    falls in none). Call it inside the booking's transaction: the place and the
    job commit or roll back together."""
    if overbook and not actor.can(Perm.OVERBOOK):
        raise forbidden("Only an admin may overbook a full arrival window.")
    if start is None:
        return None
    windows = list(_active_windows([business_unit_id]))
    if not windows:
        return None
    spec = business_hours_get()
    found = window_at(business_unit_id, start, spec, windows)
    if found is None:
        return None
    window, day = found
    closed = day in spec.closures
    # The counter row exists once; a concurrent insert of it is simply ignored.
    WindowDay.objects.bulk_create([WindowDay(window=window, date=day)], ignore_conflicts=True)
    counter = WindowDay.objects.filter(window=window, date=day)
    if overbook:
        taken = counter.update(booked=F("booked") + 1)
    elif closed:
        taken = 0
    else:
        taken = counter.filter(booked__lt=window.capacity).update(booked=F("booked") + 1)
    row = counter.get()
    if not taken:
        raise window_full_error(_slot(window, day, row.booked, spec), field_name=field_name, spec=spec)
    over = closed or row.booked > window.capacity
    place = WindowPlace.objects.create(day=row, job_id=job_id, overbooked=over)
    if over:
        AuditEntry.record(
            actor=actor,
            entity="job",
            entity_id=job_id,
            action="overbooked",
            changes={
                "window": str(window),
                "date": day.isoformat(),
                "booked": row.booked,
                "capacity": window.capacity,
                "closed": closed,
            },
        )
    return place


def place_release(*, job_id: int) -> bool:
    """Give back the place a job holds (it was cancelled or moved)."""
    place = WindowPlace.objects.filter(job_id=job_id).first()
    if place is None:
        return False
    WindowDay.objects.filter(pk=place.day_id, booked__gt=0).update(booked=F("booked") - 1)
    place.delete()
    return True


@transaction.atomic
def place_move(
    *, actor: Actor, job_id: int, business_unit_id: int, start: datetime | None, overbook: bool = False
) -> WindowPlace | None:
    """A rescheduled job: free its old place and take one at the new time."""
    place_release(job_id=job_id)
    return place_take(
        actor=actor, job_id=job_id, business_unit_id=business_unit_id, start=start, overbook=overbook
    )


def place_of(job_id: int) -> Slot | None:
    place = WindowPlace.objects.select_related("day__window").filter(job_id=job_id).first()
    if place is None:
        return None
    return _slot(place.day.window, place.day.date, place.day.booked, business_hours_get())


# --- the windows themselves (admin) ------------------------------------------------


def _check_window(
    *,
    business_unit: BusinessUnit | None,
    weekday: int,
    start_time: time,
    end_time: time,
    capacity: int,
    active: bool,
    exclude_pk: int | None,
) -> None:
    errors: list[FieldError] = []
    if business_unit is None:
        errors.append(FieldError("business_unit_id", "is required"))
    if not 0 <= weekday <= 6:
        errors.append(FieldError("weekday", "must be 0 (Monday) to 6 (Sunday)"))
    if end_time <= start_time:
        errors.append(FieldError("end_time", "must be after the start time, the same day"))
    if not 0 <= capacity <= MAX_CAPACITY:
        errors.append(FieldError("capacity", f"must be 0 to {MAX_CAPACITY}"))
    collect(errors)
    assert business_unit is not None
    if active:
        clash = (
            ArrivalWindow.objects.filter(
                business_unit=business_unit,
                weekday=weekday,
                active=True,
                start_time__lt=end_time,
                end_time__gt=start_time,
            )
            .exclude(pk=exclude_pk or 0)
            .first()
        )
        if clash is not None:
            raise invalid(
                "start_time",
                f"overlaps {business_unit.name}'s window {clash} on that day",
                code="window_overlap",
            )


def _as_audit(window: ArrivalWindow) -> dict[str, Any]:
    return {
        "business_unit_id": window.business_unit_id,
        "weekday": window.weekday,
        "start_time": window.start_time.strftime("%H:%M"),
        "end_time": window.end_time.strftime("%H:%M"),
        "capacity": window.capacity,
        "active": window.active,
    }


@transaction.atomic
def arrival_window_create(
    *,
    actor: Actor,
    business_unit: BusinessUnit | None,
    weekday: int,
    start_time: time,
    end_time: time,
    capacity: int,
    active: bool = True,
) -> ArrivalWindow:
    actor.require(Perm.SETTINGS)
    _check_window(
        business_unit=business_unit,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        active=active,
        exclude_pk=None,
    )
    assert business_unit is not None
    window = ArrivalWindow.objects.create(
        business_unit=business_unit,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        active=active,
    )
    AuditEntry.record(
        actor=actor, entity="arrival_window", entity_id=window.pk, action="created", changes=_as_audit(window)
    )
    return window


@transaction.atomic
def arrival_window_update(*, actor: Actor, window: ArrivalWindow, changes: dict[str, Any]) -> ArrivalWindow:
    """Change some of ``business_unit``, ``weekday``, ``start_time``, ``end_time``,
    ``capacity``, ``active``. Lowering the capacity below what is booked keeps
    the booked jobs; the window just shows no open place."""
    actor.require(Perm.SETTINGS)
    locked = ArrivalWindow.objects.select_for_update().get(pk=window.pk)
    before = _as_audit(locked)
    for name, value in changes.items():
        if name not in {"business_unit", "weekday", "start_time", "end_time", "capacity", "active"}:
            raise ValueError(f"unknown arrival window field {name}")
        setattr(locked, name, value)
    _check_window(
        business_unit=locked.business_unit,
        weekday=locked.weekday,
        start_time=locked.start_time,
        end_time=locked.end_time,
        capacity=locked.capacity,
        active=locked.active,
        exclude_pk=locked.pk,
    )
    locked.save()
    after = _as_audit(locked)
    AuditEntry.record(
        actor=actor,
        entity="arrival_window",
        entity_id=locked.pk,
        action="updated",
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k]},
    )
    return locked


def weekday_name(weekday: int) -> str:
    return WEEKDAYS[weekday]
