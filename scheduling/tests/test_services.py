from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hours.services import BusinessHoursSpec, default_spec
from scheduling.models import WindowDay
from scheduling.services import next_open_slots, slots_between, window_at
from scheduling.tests.factories import CHICAGO, ArrivalWindowFactory, at

pytestmark = pytest.mark.django_db

# 2026: DST starts Sunday 8 March (02:00 → 03:00), ends Sunday 1 November (02:00 → 01:00) in Chicago.
SPRING = date(2026, 3, 8)
FALL = date(2026, 11, 1)


def spec(closures=(), tz=CHICAGO):
    base = default_spec()
    return BusinessHoursSpec(tz=tz, days=base.days, closures=frozenset(closures), configured=True)


def test_it_places_windows_on_the_wall_clock_across_dst():
    w = ArrivalWindowFactory(weekday=6, start_time=time(1), end_time=time(5), capacity=3)
    spring, fall = (
        slots_between(business_unit_ids=[w.business_unit_id], first=d, last=d, spec=spec())[0]
        for d in (SPRING, FALL)
    )
    # 01:00–05:00 local is three real hours the day clocks go forward, five the day they go back.
    assert spring.start.astimezone(UTC) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert spring.end.astimezone(UTC) == datetime(2026, 3, 8, 10, tzinfo=UTC)
    assert fall.start.astimezone(UTC) == datetime(2026, 11, 1, 6, tzinfo=UTC)
    assert fall.end.astimezone(UTC) == datetime(2026, 11, 1, 11, tzinfo=UTC)
    assert (spring.end - spring.start) == timedelta(hours=4)  # on the wall clock
    assert spring.end.astimezone(UTC) - spring.start.astimezone(UTC) == timedelta(hours=3)
    assert fall.end.astimezone(UTC) - fall.start.astimezone(UTC) == timedelta(hours=5)


def test_it_finds_the_window_a_start_falls_in_whatever_the_offset():
    w = ArrivalWindowFactory(weekday=6, start_time=time(1), end_time=time(3), capacity=3)
    s = spec()
    # Both 01:30s of the day the clocks go back are in the 01:00–03:00 window.
    first = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    second = datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert window_at(w.business_unit_id, first, s) == (w, FALL)
    assert window_at(w.business_unit_id, second, s) == (w, FALL)
    # 03:00 local (09:00 UTC after the change) is past its end.
    assert window_at(w.business_unit_id, datetime(2026, 11, 1, 9, tzinfo=UTC), s) is None
    # A start given in another zone is read on the company's clock: 08:30 in New York is 07:30 here.
    monday = ArrivalWindowFactory(
        business_unit=w.business_unit, weekday=0, start_time=time(7), end_time=time(8)
    )
    ny = datetime(2026, 11, 2, 8, 30, tzinfo=ZoneInfo("America/New_York"))
    assert window_at(w.business_unit_id, ny, s) == (monday, date(2026, 11, 2))


def test_it_closes_windows_on_closure_days_and_counts_bookings():
    w = ArrivalWindowFactory(weekday=3, capacity=2)  # Thursdays 08–10
    thanksgiving, next_thu = date(2026, 11, 26), date(2026, 12, 3)
    WindowDay.objects.create(window=w, date=next_thu, booked=1)
    slots = slots_between(
        business_unit_ids=[w.business_unit_id], first=thanksgiving, last=next_thu, spec=spec([thanksgiving])
    )
    assert [(s.date, s.capacity, s.booked, s.open) for s in slots] == [(next_thu, 2, 1, 1)]
    closed = slots_between(
        business_unit_ids=[w.business_unit_id],
        first=thanksgiving,
        last=thanksgiving,
        spec=spec([thanksgiving]),
        include_closed=True,
    )
    assert closed[0].closed and closed[0].open == 0


def test_it_offers_the_next_open_windows_skipping_full_closed_and_past_ones():
    w = ArrivalWindowFactory(weekday=0, start_time=time(8), end_time=time(10), capacity=1)
    later = ArrivalWindowFactory(
        business_unit=w.business_unit, weekday=0, start_time=time(13), end_time=time(15), capacity=1
    )
    monday = date(2026, 12, 7)
    WindowDay.objects.create(window=later, date=monday, booked=1)  # full
    s = spec([monday + timedelta(days=7)])  # the next Monday is closed
    # At 09:00 Monday the morning window has not ended yet; the afternoon is full.
    found = next_open_slots(business_unit_ids=[w.business_unit_id], after=at(monday, 9), spec=s, count=3)
    assert [(x.window_id, x.date) for x in found] == [
        (w.pk, monday),
        (w.pk, monday + timedelta(days=14)),
        (later.pk, monday + timedelta(days=14)),
    ]
    # Past 10:00 the morning window is over.
    found = next_open_slots(business_unit_ids=[w.business_unit_id], after=at(monday, 10), spec=s, count=1)
    assert [(x.window_id, x.date) for x in found] == [(w.pk, monday + timedelta(days=14))]


def test_it_ignores_inactive_windows_and_other_units():
    w = ArrivalWindowFactory(weekday=0, active=False)
    other = ArrivalWindowFactory(weekday=0)
    monday = date(2026, 12, 7)
    assert window_at(w.business_unit_id, at(monday, 9), spec()) is None
    assert slots_between(business_unit_ids=[w.business_unit_id], first=monday, last=monday, spec=spec()) == []
    assert [
        s.window_id for s in slots_between(business_unit_ids=None, first=monday, last=monday, spec=spec())
    ] == [other.pk]
