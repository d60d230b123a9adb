"""Telephony events: idempotent, order-independent, attributed, matched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import EmployeeFactory
from calls.models import Call
from calls.services import call_event_record
from calls.tests.factories import play_call, provider_actor, ring
from catalog.tests.factories import CallReasonFactory, TrackingNumberFactory
from conftest import make_employee
from core.models import AuditEntry
from customers.tests.factories import PhoneFactory
from leads.models import Lead, LeadActivity
from notifications.models import Notification

pytestmark = pytest.mark.django_db

CALLER = "+15128675309"


def event(actor, call_id, name, at, **kw):
    return call_event_record(actor=actor, provider_call_id=call_id, event=name, at=at, **kw)


def test_it_ignores_a_repeated_event():
    actor = provider_actor()
    t0 = timezone.now() - timedelta(minutes=5)
    event(actor, "c1", "ringing", t0, from_number=CALLER)
    event(actor, "c1", "ended", t0 + timedelta(seconds=30))
    again = event(actor, "c1", "ended", t0 + timedelta(seconds=500))
    event(actor, "c1", "ringing", t0 - timedelta(seconds=500))
    assert Call.objects.count() == 1
    call = Call.objects.get()
    assert call.pk == again.pk
    assert call.ended_at == t0 + timedelta(seconds=30) and call.rang_at == t0
    assert call.duration_seconds == 30 and call.classification == "abandoned"


def test_it_keeps_the_same_call_id_of_two_providers_apart():
    ring(actor=provider_actor(), call_id="x")
    ring(actor=provider_actor(), call_id="x")
    assert Call.objects.count() == 2


@pytest.mark.parametrize(("seconds", "makes_lead"), [(59, False), (60, False), (61, True)])
def test_it_makes_an_abandoned_call_lead_only_after_more_than_sixty_seconds(seconds, makes_lead):
    tracking = TrackingNumberFactory(number="+15125550111")
    call = play_call(seconds=seconds, to_number=tracking.number)
    assert call.classification == "abandoned" and call.duration_seconds == seconds
    assert Lead.objects.exists() is makes_lead
    if makes_lead:
        lead = Lead.objects.get()
        assert lead.type == "abandoned_call" and lead.status == "open"
        assert lead.phone == CALLER and lead.call == call and lead.campaign == tracking.campaign
        assert call.lead == lead and call.follow_up_at is not None
    else:
        assert call.lead is None and call.follow_up_at is None


def test_it_links_the_matched_customer_to_the_abandoned_lead():
    phone = PhoneFactory(value=CALLER)
    call = play_call(seconds=120)
    assert call.customer == phone.customer
    assert Lead.objects.get().customer == phone.customer


def test_it_folds_a_repeat_abandoned_call_into_the_open_lead():
    first = play_call(seconds=90)
    second = play_call(seconds=75)
    short = play_call(seconds=20)
    assert Lead.objects.count() == 1
    lead = Lead.objects.get()
    assert lead.call == first and second.lead == lead and short.lead is None
    entries = LeadActivity.objects.filter(lead=lead, kind="call")
    assert [e.call_id for e in entries] == [second.pk]
    assert "75 s" in entries[0].text
    # One queue row for the lead, moved to the newest call.
    queued = Call.objects.filter(follow_up_at__isnull=False, follow_up_resolved_at__isnull=True)
    assert list(queued) == [first]
    first.refresh_from_db()
    assert first.follow_up_at == second.ended_at


def test_it_makes_a_second_lead_once_the_first_is_no_longer_open():
    play_call(seconds=90)
    Lead.objects.update(status="dismissed", dismiss_reason=CallReasonFactory(is_lead=False))
    play_call(seconds=90)
    assert Lead.objects.filter(status="open").count() == 1
    assert Lead.objects.count() == 2


def test_it_names_the_campaign_from_the_number_dialled():
    tracking = TrackingNumberFactory(number="+15125550123")
    call = ring(to_number=tracking.number)
    assert call.campaign == tracking.campaign and call.unknown_tracking_number is False


def test_it_flags_a_call_to_an_unknown_number():
    call = play_call(seconds=120, to_number="+15125559999")
    assert call.campaign is None and call.unknown_tracking_number is True
    assert Lead.objects.get().campaign is None


def test_it_ignores_an_inactive_tracking_number():
    tracking = TrackingNumberFactory(number="+15125550124", active=False)
    call = ring(to_number=tracking.number)
    assert call.campaign is None and call.unknown_tracking_number is True


def test_it_queues_an_unbooked_call_and_not_an_excused_one():
    agent = make_employee(Role.CSR)
    unbooked = play_call(agent=agent, seconds=60)
    excused = play_call(agent=agent, seconds=59)
    assert unbooked.classification == "unbooked" and unbooked.follow_up_at is not None
    assert excused.classification == "excused" and excused.follow_up_at is None
    assert not Lead.objects.exists()


def test_it_records_a_ringing_event_for_a_new_call_in_a_few_queries(django_assert_max_num_queries):
    TrackingNumberFactory(number="+15125550100")
    PhoneFactory(value=CALLER)
    actor = provider_actor()
    # The tracking number, the caller's customers; INSERT … ON CONFLICT DO NOTHING. No
    # transaction, no lock, no read of the call: a ringing almost always names a new call.
    with django_assert_max_num_queries(3):
        ring(actor=actor, call_id="hot")
    agent = make_employee(Role.CSR)
    # Each later event: SELECT the call (and the agent), one UPDATE, two savepoint statements.
    # A second ringing finds the call stored: the INSERT does nothing, and it merges.
    with django_assert_max_num_queries(7):
        ring(actor=actor, call_id="hot")
    assert Call.objects.filter(provider_call_id="hot").count() == 1
    with django_assert_max_num_queries(5):
        event(actor, "hot", "accepted", timezone.now(), agent_id=agent.pk)
    with django_assert_max_num_queries(4):
        event(actor, "hot", "ended", timezone.now() + timedelta(seconds=90))
    with django_assert_max_num_queries(3):
        event(actor, "hot", "ended", timezone.now() + timedelta(seconds=99))
    assert not AuditEntry.objects.filter(entity="call").exists()


def test_it_makes_an_abandoned_call_lead_in_a_handful_of_queries(django_assert_max_num_queries):
    TrackingNumberFactory(number="+15125550100")
    PhoneFactory(value=CALLER)
    actor = provider_actor()
    started = timezone.now()
    ring(actor=actor, call_id="lost", at=started)
    # SELECT the call (with its campaign and customer), the open abandoned lead by
    # number; INSERT the lead and its audit entry (one statement on PostgreSQL); UPDATE
    # the call; a savepoint pair; the capture hooks' reads of the assignment rules and SLA
    # policies; on PostgreSQL the advisory lock on the caller's number (one open lead per
    # number); the queue's CSRs told (one INSERT … SELECT of them all: notify_roles).
    # Was 13 (PostgreSQL) and 12, with the capture's own savepoint pair.
    EmployeeFactory.create_batch(3, role=Role.CSR)
    with django_assert_max_num_queries(10):
        event(actor, "lost", "ended", started + timedelta(seconds=90))
    assert Lead.objects.get().type == "abandoned_call"
    assert Notification.objects.filter(kind="abandoned_call").count() == 3
