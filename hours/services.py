"""Business hours: when the company is open, and the clock arithmetic that
follows from it (SLA due times, quiet hours for automated texts, closures).

Every function takes an optional ``spec`` so tests (and callers that already
read the hours once) need no database; without it the saved hours are read.

Times: intervals are local wall-clock times in the company's time zone, a
day's intervals never cross midnight (write ``["22:00", "24:00"]`` and
``["00:00", "02:00"]`` on the next day), and all arithmetic is done in UTC so
a DST change counts real minutes (the 23-hour and 25-hour days). Datetimes
in must be aware; datetimes out are aware, in the company's time zone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import transaction

from core.errors import FieldError, collect
from core.models import AuditActor, AuditEntry
from hours.models import BusinessHours

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# "24:00" ends a day; it is kept as time.max so it still fits a ``time``.
END_OF_DAY = time.max
# The week before anyone sets hours: what the API example shows.
DEFAULT_DAYS: dict[int, list[tuple[time, time]]] = {
    **{d: [(time(8), time(18))] for d in range(5)},
    5: [],
    6: [],
}
# Quiet hours for automated texts while no business hours are set.
TEXTING_WINDOW = (time(8), time(21))
# How far ahead the clock looks for an open interval before giving up
# (a week with hours always finds one; closures are dates, so finite).
_HORIZON_DAYS = 800


@dataclass(frozen=True)
class BusinessHoursSpec:
    tz: ZoneInfo
    days: dict[int, list[tuple[time, time]]]  # weekday (Monday=0) -> sorted local intervals
    closures: frozenset[date]
    configured: bool = True


def default_spec() -> BusinessHoursSpec:
    return BusinessHoursSpec(
        tz=ZoneInfo(settings.TIME_ZONE), days=dict(DEFAULT_DAYS), closures=frozenset(), configured=False
    )


# Reading and writing -------------------------------------------------------------


def _parse_time(raw: Any, *, end: bool) -> time | None:
    if not isinstance(raw, str):
        return None
    if end and raw == "24:00":
        return END_OF_DAY
    try:
        parsed = datetime.strptime(raw, "%H:%M")
    except ValueError:
        return None
    return parsed.time()


def _parse_date(raw: Any) -> date | None:
    if not isinstance(raw, str) or len(raw) != 10:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def _format_time(value: time) -> str:
    return "24:00" if value == END_OF_DAY else value.strftime("%H:%M")


def _parse(*, timezone: Any, days: Any, closures: Any) -> tuple[BusinessHoursSpec | None, list[FieldError]]:
    errors: list[FieldError] = []
    tz: ZoneInfo | None = None
    if not isinstance(timezone, str) or not timezone.strip():
        errors.append(FieldError("timezone", "is required (an IANA name such as America/Chicago)"))
    else:
        try:
            tz = ZoneInfo(timezone.strip())
        except (ZoneInfoNotFoundError, ValueError):
            errors.append(FieldError("timezone", f"'{timezone}' is not an IANA time zone"))

    parsed_days: dict[int, list[tuple[time, time]]] = {d: [] for d in range(7)}
    if not isinstance(days, Mapping):
        errors.append(FieldError("days", "must be an object keyed mon…sun"))
        days = {}
    for key in days:
        if key not in DAY_KEYS:
            errors.append(FieldError(f"days.{key}", "is not a weekday (mon, tue, wed, thu, fri, sat, sun)"))
    for weekday, key in enumerate(DAY_KEYS):
        intervals = days.get(key, [])
        if not isinstance(intervals, Sequence) or isinstance(intervals, str):
            errors.append(FieldError(f"days.{key}", "must be a list of [start, end] pairs"))
            continue
        day: list[tuple[time, time, int]] = []
        for i, pair in enumerate(intervals):
            name = f"days.{key}.{i}"
            if not isinstance(pair, Sequence) or isinstance(pair, str) or len(pair) != 2:
                errors.append(FieldError(name, 'must be ["HH:MM", "HH:MM"]'))
                continue
            start, stop = _parse_time(pair[0], end=False), _parse_time(pair[1], end=True)
            if start is None or stop is None:
                errors.append(FieldError(name, 'times must be "HH:MM" (00:00 to 24:00)'))
                continue
            if stop <= start:
                errors.append(FieldError(name, "must end after it starts (use 24:00 for midnight)"))
                continue
            day.append((start, stop, i))
        day.sort()
        merged: list[tuple[time, time]] = []
        for start, stop, i in day:
            if merged and start < merged[-1][1]:
                errors.append(FieldError(f"days.{key}.{i}", "overlaps another interval that day"))
                continue
            if merged and start == merged[-1][1]:  # touching intervals are one stretch
                merged[-1] = (merged[-1][0], stop)
            else:
                merged.append((start, stop))
        parsed_days[weekday] = merged

    parsed_closures: set[date] = set()
    if not isinstance(closures, Sequence) or isinstance(closures, str):
        errors.append(FieldError("closures", 'must be a list of "YYYY-MM-DD" dates'))
        closures = []
    for i, raw in enumerate(closures):
        closed = _parse_date(raw)
        if closed is None:
            errors.append(FieldError(f"closures.{i}", 'must be a date "YYYY-MM-DD"'))
        else:
            parsed_closures.add(closed)

    if tz is None or errors:
        return None, errors
    return BusinessHoursSpec(tz=tz, days=parsed_days, closures=frozenset(parsed_closures)), []


def _spec_from_row(row: BusinessHours) -> BusinessHoursSpec:
    spec, errors = _parse(timezone=row.timezone, days=row.days, closures=row.closures)
    if spec is None:  # only ever written through business_hours_set, so never
        raise ValueError(f"stored business hours are not valid: {errors}")
    return spec


def business_hours_get() -> BusinessHoursSpec:
    """The company's hours (one query); the default week when nobody set them."""
    row = BusinessHours.objects.filter(pk=1).first()
    return default_spec() if row is None else _spec_from_row(row)


def business_hours_as_dict(spec: BusinessHoursSpec) -> dict[str, Any]:
    """The API's shape: ``{timezone, days: {mon: [["08:00", "18:00"]], …}, closures}``."""
    return {
        "timezone": spec.tz.key,
        "days": {
            key: [[_format_time(s), _format_time(e)] for s, e in spec.days.get(i, [])]
            for i, key in enumerate(DAY_KEYS)
        },
        "closures": sorted(d.isoformat() for d in spec.closures),
    }


@transaction.atomic
def business_hours_set(
    *, actor: AuditActor, timezone: str, days: Mapping[str, Any], closures: Sequence[str]
) -> BusinessHoursSpec:
    """Replace the company's hours. Every bad field is named at once
    (``timezone``, ``days.mon.0``, ``closures.2``); a week with no open
    interval at all is refused, since no clock could ever run."""
    spec, errors = _parse(timezone=timezone, days=days, closures=closures)
    if spec is not None and not any(spec.days.values()):
        errors.append(FieldError("days", "at least one weekday needs open hours"))
    collect(errors)
    assert spec is not None
    stored = business_hours_as_dict(spec)
    row, _ = BusinessHours.objects.select_for_update().get_or_create(pk=1)
    before = {"timezone": row.timezone, "days": row.days, "closures": row.closures}
    row.timezone, row.days, row.closures = stored["timezone"], stored["days"], stored["closures"]
    row.save()
    AuditEntry.record(
        actor=actor,
        entity="business_hours",
        entity_id=1,
        action="updated",
        changes={k: [before[k], stored[k]] for k in stored if before[k] != stored[k]},
    )
    return spec


# The clock -------------------------------------------------------------------


def _aware(at: datetime, name: str = "at") -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")
    return at.astimezone(UTC)


def _bounds(day: date, start: time, stop: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """A local interval on ``day`` as UTC instants (24:00 is the next midnight).
    A wall time skipped by DST resolves as zoneinfo does (fold=0)."""
    begin = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
    if stop == END_OF_DAY:
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    else:
        end = datetime.combine(day, stop, tzinfo=tz).astimezone(UTC)
    return begin, end


def is_closed_day(day: date, spec: BusinessHoursSpec | None = None) -> bool:
    """A closure, or a weekday with no intervals."""
    spec = spec or business_hours_get()
    return day in spec.closures or not spec.days.get(day.weekday())


def _intervals_from(at_utc: datetime, spec: BusinessHoursSpec) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals (UTC) that end after ``at_utc``, in order."""
    # Start a day early: a UTC instant's local date may be behind the interval it sits in.
    first = at_utc.astimezone(spec.tz).date() - timedelta(days=1)
    for offset in range(_HORIZON_DAYS):
        day = first + timedelta(days=offset)
        if is_closed_day(day, spec):
            continue
        for start, stop in spec.days[day.weekday()]:
            begin, end = _bounds(day, start, stop, spec.tz)
            if end > at_utc:
                yield begin, end
    raise ValueError("no open business hours ahead")


def is_open(at: datetime, spec: BusinessHoursSpec | None = None) -> bool:
    spec = spec or business_hours_get()
    at_utc = _aware(at)
    begin, _ = next(_intervals_from(at_utc, spec))
    return begin <= at_utc


def next_open(at: datetime, spec: BusinessHoursSpec | None = None) -> datetime:
    """``at`` itself when open, else the start of the next open interval."""
    spec = spec or business_hours_get()
    at_utc = _aware(at)
    begin, _ = next(_intervals_from(at_utc, spec))
    return max(begin, at_utc).astimezone(spec.tz)


def add_business_minutes(start: datetime, minutes: int, spec: BusinessHoursSpec | None = None) -> datetime:
    """The instant ``minutes`` of open time after ``start`` (real minutes, so
    an interval spanning a DST change counts what the clock on the wall
    lived through). Starting while closed, the count begins at the next open."""
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    spec = spec or business_hours_get()
    cursor = _aware(start, "start")
    remaining = timedelta(minutes=minutes)
    for begin, end in _intervals_from(cursor, spec):
        begin = max(begin, cursor)
        if end - begin >= remaining:
            return (begin + remaining).astimezone(spec.tz)
        remaining -= end - begin
        cursor = end
    raise AssertionError("unreachable: _intervals_from raises when it runs out")


def texting_allowed_at(at: datetime, spec: BusinessHoursSpec | None = None) -> datetime:
    """Quiet hours for automated texts: ``at`` itself when a text may go out,
    else the next time one may. Allowed means inside business hours once they
    are configured, else 08:00–21:00 every day in the company's time zone."""
    spec = spec or business_hours_get()
    if not spec.configured:
        window = [TEXTING_WINDOW]
        spec = BusinessHoursSpec(
            tz=spec.tz, days={d: list(window) for d in range(7)}, closures=frozenset(), configured=False
        )
    return next_open(at, spec)
