"""The classification table (DESIGN.md rule 7), on unsaved rows: the function is pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from calls.models import Call
from calls.services import call_classify, call_duration, makes_abandoned_lead
from catalog.models import CallReason

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEAD = CallReason(pk=1, name="New system quote", is_lead=True)
NOT_LEAD = CallReason(pk=2, name="Wrong number", is_lead=False)


def build(
    *,
    accepted: bool,
    ended: bool,
    seconds: int = 120,
    job: bool = False,
    reason: CallReason | None = None,
    excused: bool = False,
    rang: bool = True,
) -> Call:
    call = Call(from_number="+15128675309")
    call.rang_at = T0 if rang else None
    start = T0 + timedelta(seconds=10)
    if accepted:
        call.accepted_at = start
    if ended:
        call.ended_at = (start if accepted else T0) + timedelta(seconds=seconds)
    call.job_id = 7 if job else None
    call.call_reason = reason
    call.excused_by_id = 3 if excused else None
    return call


# accepted, ended, job, reason → classification (ended calls last 120 s)
TABLE = [
    (False, False, False, None, "in_progress"),
    (False, False, False, LEAD, "in_progress"),
    (False, False, False, NOT_LEAD, "not_lead"),
    (False, False, True, None, "booked"),
    (False, False, True, LEAD, "booked"),
    (False, False, True, NOT_LEAD, "booked"),
    (False, True, False, None, "abandoned"),
    (False, True, False, LEAD, "abandoned"),
    (False, True, False, NOT_LEAD, "not_lead"),
    (False, True, True, None, "booked"),
    (False, True, True, LEAD, "booked"),
    (False, True, True, NOT_LEAD, "booked"),
    (True, False, False, None, "in_progress"),
    (True, False, False, LEAD, "in_progress"),
    (True, False, False, NOT_LEAD, "not_lead"),
    (True, False, True, None, "booked"),
    (True, False, True, LEAD, "booked"),
    (True, False, True, NOT_LEAD, "booked"),
    (True, True, False, None, "unbooked"),
    (True, True, False, LEAD, "unbooked"),
    (True, True, False, NOT_LEAD, "not_lead"),
    (True, True, True, None, "booked"),
    (True, True, True, LEAD, "booked"),
    (True, True, True, NOT_LEAD, "booked"),
]


@pytest.mark.parametrize(("accepted", "ended", "job", "reason", "expected"), TABLE)
def test_it_classifies_every_combination(accepted, ended, job, reason, expected):
    call = build(accepted=accepted, ended=ended, job=job, reason=reason)
    assert call_classify(call) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "excused"), (1, "excused"), (59, "excused"), (60, "unbooked"), (61, "unbooked"), (3600, "unbooked")],
)
def test_it_splits_answered_calls_at_sixty_seconds_of_talk(seconds, expected):
    call = build(accepted=True, ended=True, seconds=seconds, reason=LEAD)
    assert call_duration(call) == seconds
    assert call_classify(call) == expected


@pytest.mark.parametrize(
    ("seconds", "lead"), [(30, False), (59, False), (60, False), (61, True), (600, True)]
)
def test_it_makes_a_lead_only_from_an_abandoned_wait_longer_than_sixty_seconds(seconds, lead):
    call = build(accepted=False, ended=True, seconds=seconds)
    assert call_classify(call) == "abandoned"
    assert call_duration(call) == seconds
    assert makes_abandoned_lead(call) is lead


def test_it_counts_an_abandoned_wait_from_ringing_not_from_the_answer():
    call = build(accepted=False, ended=True, seconds=61)
    call.accepted_at = None
    assert call_duration(call) == 61


def test_it_makes_no_lead_while_the_wait_is_unknown():
    call = build(accepted=False, ended=True, seconds=300, rang=False)
    assert call_duration(call) is None
    assert call_classify(call) == "abandoned"
    assert makes_abandoned_lead(call) is False


def test_it_makes_no_lead_without_a_caller_number():
    call = build(accepted=False, ended=True, seconds=300)
    call.from_number = ""
    assert makes_abandoned_lead(call) is False


def test_it_keeps_an_excused_call_excused_unless_booked():
    assert call_classify(build(accepted=True, ended=True, seconds=300, excused=True)) == "excused"
    assert call_classify(build(accepted=False, ended=True, seconds=300, excused=True)) == "excused"
    assert call_classify(build(accepted=True, ended=True, job=True, excused=True)) == "booked"
