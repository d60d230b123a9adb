from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.actor import SYSTEM
from core.errors import DomainError
from core.models import AuditEntry
from hours.models import BusinessHours
from hours.services import (
    END_OF_DAY,
    BusinessHoursSpec,
    add_business_minutes,
    business_hours_get,
    business_hours_set,
    is_closed_day,
    is_open,
    next_open,
    texting_allowed_at,
)

NY = ZoneInfo("America/New_York")
WEEKDAYS_8_TO_6 = {d: [(time(8), time(18))] for d in range(5)} | {5: [], 6: []}


def spec(days=None, closures=(), tz=NY, configured=True):
    return BusinessHoursSpec(
        tz=tz,
        days={d: [] for d in range(7)} | (WEEKDAYS_8_TO_6 if days is None else days),
        closures=frozenset(closures),
        configured=configured,
    )


def ny(*args):
    return datetime(*args, tzinfo=NY)


# is_open / next_open -----------------------------------------------------------


def test_it_is_open_inside_an_interval_and_closed_at_its_end():
    s = spec()
    assert is_open(ny(2026, 12, 1, 8, 0), s)  # a Tuesday
    assert is_open(ny(2026, 12, 1, 17, 59), s)
    assert not is_open(ny(2026, 12, 1, 18, 0), s)
    assert not is_open(ny(2026, 12, 1, 7, 59), s)
    assert not is_open(ny(2026, 12, 5, 12, 0), s)  # Saturday


def test_it_reads_an_instant_in_any_zone_in_the_company_zone():
    s = spec()
    # 13:30 UTC is 08:30 in New York (EST): open; 12:30 UTC is 07:30: closed.
    assert is_open(datetime(2026, 12, 1, 13, 30, tzinfo=UTC), s)
    assert not is_open(datetime(2026, 12, 1, 12, 30, tzinfo=UTC), s)
    # 23:30 UTC Tuesday is 18:30 in New York: closed, although 23:30 UTC is "late" anywhere.
    assert not is_open(datetime(2026, 12, 1, 23, 30, tzinfo=UTC), s)


def test_it_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="aware"):
        is_open(datetime(2026, 12, 1, 9, 0), spec())


def test_it_answers_next_open_with_at_itself_when_open():
    at = ny(2026, 12, 1, 9, 15)
    assert next_open(at, spec()) == at


def test_it_skips_the_weekend_and_closures_to_the_next_open():
    s = spec(closures=[date(2026, 12, 7)])  # Monday closed
    nxt = next_open(ny(2026, 12, 4, 18, 30), s)  # Friday evening
    assert nxt == ny(2026, 12, 8, 8, 0)
    assert nxt.tzinfo == NY
    assert nxt.utcoffset() == timedelta(hours=-5)


def test_it_opens_the_next_interval_of_a_split_day():
    s = spec(days={1: [(time(8), time(12)), (time(13), time(17))]})
    assert not is_open(ny(2026, 12, 1, 12, 30), s)
    assert next_open(ny(2026, 12, 1, 12, 30), s) == ny(2026, 12, 1, 13, 0)


def test_it_treats_24_00_as_midnight_so_a_night_shift_spans_two_days():
    s = spec(days={0: [(time(22), END_OF_DAY)], 1: [(time(0), time(2))]})
    assert is_open(ny(2026, 11, 30, 23, 59, 59), s)
    assert is_open(ny(2026, 12, 1, 0, 0), s)
    assert not is_open(ny(2026, 12, 1, 2, 0), s)
    # 90 minutes from 23:00 Monday cross midnight into Tuesday's interval.
    assert add_business_minutes(ny(2026, 11, 30, 23, 0), 90, s) == ny(2026, 12, 1, 0, 30)


def test_it_calls_a_closure_or_an_empty_weekday_a_closed_day():
    s = spec(closures=[date(2026, 12, 25)])
    assert is_closed_day(date(2026, 12, 25), s)  # Friday, closed
    assert is_closed_day(date(2026, 12, 26), s)  # Saturday, no hours
    assert not is_closed_day(date(2026, 12, 24), s)


# add_business_minutes ---------------------------------------------------------


def test_it_adds_minutes_inside_one_interval():
    assert add_business_minutes(ny(2026, 12, 1, 9, 0), 30, spec()) == ny(2026, 12, 1, 9, 30)


def test_it_carries_minutes_past_closing_into_the_next_morning():
    # 17:50 + 30 business minutes: 10 today, 20 tomorrow from 08:00.
    assert add_business_minutes(ny(2026, 12, 1, 17, 50), 30, spec()) == ny(2026, 12, 2, 8, 20)


def test_it_starts_counting_at_the_next_open_when_closed():
    assert add_business_minutes(ny(2026, 12, 5, 10, 0), 15, spec()) == ny(2026, 12, 7, 8, 15)


def test_it_skips_a_closure_while_counting():
    s = spec(closures=[date(2026, 12, 2)])
    assert add_business_minutes(ny(2026, 12, 1, 17, 0), 120, s) == ny(2026, 12, 3, 9, 0)


def test_it_lands_exactly_on_closing_time_rather_than_next_morning():
    assert add_business_minutes(ny(2026, 12, 1, 17, 0), 60, spec()) == ny(2026, 12, 1, 18, 0)


def test_it_counts_real_minutes_across_the_spring_dst_change():
    # 2026-03-08: New York skips 02:00-03:00. Open round the clock that Sunday.
    s = spec(days={6: [(time(0), END_OF_DAY)]})
    start = ny(2026, 3, 8, 1, 30)  # EST
    due = add_business_minutes(start, 60, s)
    assert due == ny(2026, 3, 8, 3, 30)  # EDT: one real hour later
    # (Subtract in UTC: Python subtracts two datetimes of one zone on the wall clock.)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=1)
    # A whole open day that Sunday is only 23 hours long.
    end = add_business_minutes(ny(2026, 3, 8, 0, 0), 23 * 60, s)
    assert end.astimezone(UTC) == datetime(2026, 3, 9, 4, 0, tzinfo=UTC)  # Monday 00:00 EDT


def test_it_counts_real_minutes_across_the_autumn_dst_change():
    # 2026-11-01: New York repeats 01:00-02:00. Interval 00:00-03:00 lasts 4 real hours.
    s = spec(days={6: [(time(0), time(3))]})
    due = add_business_minutes(ny(2026, 11, 1, 0, 0), 4 * 60 - 1, s)
    assert due.astimezone(UTC) == datetime(2026, 11, 1, 7, 59, tzinfo=UTC)  # 02:59 EST
    # One more minute runs out the interval: next Sunday at midnight.
    assert add_business_minutes(ny(2026, 11, 1, 0, 0), 4 * 60 + 1, s) == ny(2026, 11, 8, 0, 1)


def test_it_keeps_business_hours_on_the_wall_clock_after_a_dst_change():
    # Friday before the March change, 17:30 EST + 60 business minutes = Monday 08:30 EDT.
    due = add_business_minutes(ny(2026, 3, 6, 17, 30), 60, spec())
    assert due == ny(2026, 3, 9, 8, 30)
    assert due.utcoffset() == timedelta(hours=-4)
    assert due.astimezone(UTC) == datetime(2026, 3, 9, 12, 30, tzinfo=UTC)


def test_it_opens_an_interval_starting_at_a_skipped_wall_time():
    # 02:30 does not exist on 2026-03-08; zoneinfo reads it as 02:30 EST = 03:30 EDT.
    s = spec(days={6: [(time(2, 30), time(5))]})
    assert not is_open(datetime(2026, 3, 8, 7, 0, tzinfo=UTC), s)  # 03:00 EDT
    assert is_open(datetime(2026, 3, 8, 7, 30, tzinfo=UTC), s)  # 03:30 EDT


def test_it_refuses_negative_minutes():
    with pytest.raises(ValueError):
        add_business_minutes(ny(2026, 12, 1, 9, 0), -1, spec())


# texting_allowed_at -----------------------------------------------------------


def test_it_allows_texts_from_8_to_21_while_no_hours_are_set():
    s = spec(configured=False)
    assert texting_allowed_at(ny(2026, 12, 5, 20, 59), s) == ny(2026, 12, 5, 20, 59)  # even Saturday
    assert texting_allowed_at(ny(2026, 12, 5, 21, 0), s) == ny(2026, 12, 6, 8, 0)
    assert texting_allowed_at(ny(2026, 12, 6, 3, 0), s) == ny(2026, 12, 6, 8, 0)


def test_it_allows_texts_only_in_business_hours_once_they_are_set():
    s = spec()
    assert texting_allowed_at(ny(2026, 12, 1, 19, 0), s) == ny(2026, 12, 2, 8, 0)
    assert texting_allowed_at(ny(2026, 12, 1, 10, 0), s) == ny(2026, 12, 1, 10, 0)


# reading and writing ----------------------------------------------------------


@pytest.mark.django_db
def test_it_falls_back_to_the_default_week_until_hours_are_set(settings):
    settings.TIME_ZONE = "America/Denver"
    got = business_hours_get()
    assert got.configured is False
    assert got.tz == ZoneInfo("America/Denver")
    assert got.days[0] == [(time(8), time(18))]
    assert got.days[6] == []


@pytest.mark.django_db
def test_it_saves_hours_once_and_audits_the_change():
    business_hours_set(
        actor=SYSTEM,
        timezone="America/New_York",
        days={"mon": [["13:00", "17:00"], ["08:00", "12:00"]], "sat": [["09:00", "24:00"]]},
        closures=["2026-12-25"],
    )
    got = business_hours_get()
    assert got.configured
    assert got.tz == NY
    assert got.days[0] == [(time(8), time(12)), (time(13), time(17))]
    assert got.days[5] == [(time(9), END_OF_DAY)]
    assert got.days[1] == []
    assert got.closures == frozenset({date(2026, 12, 25)})
    business_hours_set(
        actor=SYSTEM, timezone="America/Chicago", days={"tue": [["08:00", "09:00"]]}, closures=[]
    )
    assert BusinessHours.objects.count() == 1
    assert business_hours_get().tz == ZoneInfo("America/Chicago")
    entry = AuditEntry.objects.filter(entity="business_hours").first()
    assert entry.changes["timezone"] == ["America/New_York", "America/Chicago"]


@pytest.mark.django_db
def test_it_names_every_bad_field():
    with pytest.raises(DomainError) as exc:
        business_hours_set(
            actor=SYSTEM,
            timezone="Mars/Olympus",
            days={
                "mon": [["18:00", "08:00"]],
                "tue": [["8am", "17:00"]],
                "wed": [["08:00", "12:00"], ["11:00", "13:00"]],
                "funday": [],
            },
            closures=["2026-02-30", "soon"],
        )
    fields = {e.field for e in exc.value.errors}
    assert fields == {
        "timezone",
        "days.mon.0",
        "days.tue.0",
        "days.wed.1",
        "days.funday",
        "closures.0",
        "closures.1",
    }
    assert exc.value.status == 422
    assert not BusinessHours.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_week_that_never_opens():
    with pytest.raises(DomainError) as exc:
        business_hours_set(actor=SYSTEM, timezone="UTC", days={}, closures=[])
    assert exc.value.for_field("days")
