"""Call events converge whatever their order (issue #10 item 3).

For each outcome a provider can report with three events, every one of the
six orders must leave the same call (classification, duration, lead, queue
row) and the same leads as the events sent in time order.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Role
from accounts.tests.factories import IntegrationFactory
from calls.models import Call
from calls.services import call_event_record
from calls.tests.factories import play_call, provider_actor
from catalog.tests.factories import CallReasonFactory
from conftest import make_employee
from core.errors import DomainError
from core.models import AuditEntry
from leads.models import Lead, LeadActivity
from leads.services import lead_dismiss, lead_follow_up, lead_reopen
from notifications.models import Notification
from notifications.services import notify

pytestmark = pytest.mark.django_db

CALLER = "+15128675309"
ORDERS = list(itertools.permutations(range(3)))


def scenario(name: str, agent_id: int) -> list[tuple[str, int, dict]]:
    """Three events of one call: (event, seconds after t0, extra fields)."""
    ring = ("ringing", 0, {"from_number": CALLER, "to_number": "+15125550100"})
    return {
        # answered after 10 s, 90 s of talk
        "unbooked": [ring, ("accepted", 10, {"agent_id": agent_id}), ("ended", 100, {})],
        # answered after 70 s (a long wait), 30 s of talk: under a minute
        "excused": [ring, ("accepted", 70, {"agent_id": agent_id}), ("ended", 100, {})],
        # never answered, 100 s of waiting, then the recording callback
        "abandoned_lead": [
            ring,
            ("ended", 100, {}),
            ("recording", 101, {"recording_url": "https://r.example/1"}),
        ],
        # never answered, 30 s of waiting: abandoned but no lead
        "abandoned_short": [
            ring,
            ("ended", 30, {}),
            ("recording", 31, {"recording_url": "https://r.example/2"}),
        ],
    }[name]


EXPECTED = {
    "unbooked": ("unbooked", 90, False, True),
    "excused": ("excused", 30, False, False),
    "abandoned_lead": ("abandoned", 100, True, True),
    "abandoned_short": ("abandoned", 30, False, False),
}


def state(call: Call) -> tuple:
    call.refresh_from_db()
    open_queue = call.follow_up_at is not None and call.follow_up_resolved_at is None
    return (call.classification, call.duration_seconds, call.lead_id is not None, open_queue)


@pytest.mark.parametrize("name", list(EXPECTED))
@pytest.mark.parametrize("order", ORDERS, ids=lambda o: "".join(map(str, o)))
def test_it_ends_in_the_same_state_for_every_order_of_the_events(name, order):
    agent = make_employee(Role.CSR)
    actor = provider_actor()
    t0 = timezone.now() - timedelta(minutes=10)
    events = scenario(name, agent.pk)
    for i in order:
        event, seconds, extra = events[i]
        call = call_event_record(
            actor=actor, provider_call_id="one", event=event, at=t0 + timedelta(seconds=seconds), **extra
        )
    assert Call.objects.count() == 1
    assert state(call) == EXPECTED[name]
    call.refresh_from_db()
    assert call.rang_at == t0 and call.from_number == CALLER
    leads = list(Lead.objects.all())
    if EXPECTED[name][2]:
        assert len(leads) == 1 and leads[0].type == "abandoned_call" and leads[0].status == "open"
        assert call.lead_id == leads[0].pk
    else:
        assert leads == [], f"order {order} left {leads}"
    # A queue row, when there is one, is dated by the call's end as in time order.
    if EXPECTED[name][3]:
        assert call.follow_up_at == t0 + timedelta(
            seconds=events[1 if name.startswith("abandoned") else 2][1]
        )


def test_it_takes_back_the_lead_a_late_accept_shows_was_never_abandoned():
    actor = provider_actor()
    agent = make_employee(Role.CSR)
    manager = make_employee(Role.MANAGER)
    t0 = timezone.now() - timedelta(minutes=5)
    call_event_record(actor=actor, provider_call_id="late", event="ringing", at=t0, from_number=CALLER)
    call_event_record(actor=actor, provider_call_id="late", event="ended", at=t0 + timedelta(seconds=200))
    lead = Lead.objects.get()
    notify(employees=[manager], kind="lead_assigned", text="New lead", url=f"/leads/{lead.pk}/")
    call = call_event_record(
        actor=actor,
        provider_call_id="late",
        event="accepted",
        at=t0 + timedelta(seconds=10),
        agent_id=agent.pk,
    )
    assert call.classification == "unbooked" and call.lead_id is None
    assert not Lead.objects.exists() and not LeadActivity.objects.exists()
    assert not Notification.objects.exists()
    entry = AuditEntry.objects.get(entity="lead", entity_id=lead.pk, action="withdrawn")
    assert entry.changes["call"] == call.pk and "turned out to be answered" in entry.changes["reason"]
    # On the Leads tab as an unbooked call, dated by its end.
    assert call.follow_up_at == t0 + timedelta(seconds=200) and call.follow_up_resolved_at is None


def test_it_keeps_a_lead_someone_already_worked_and_says_why_on_its_timeline():
    actor = provider_actor()
    csr = make_employee(Role.CSR)
    t0 = timezone.now() - timedelta(minutes=5)
    call_event_record(actor=actor, provider_call_id="worked", event="ringing", at=t0, from_number=CALLER)
    call_event_record(actor=actor, provider_call_id="worked", event="ended", at=t0 + timedelta(seconds=200))
    lead = Lead.objects.get()

    lead_follow_up(actor=Actor(employee=csr), lead=lead, outcome="no_answer", note="Rang back, no answer")
    call = call_event_record(
        actor=actor,
        provider_call_id="worked",
        event="accepted",
        at=t0 + timedelta(seconds=10),
        agent_id=csr.pk,
    )
    assert call.classification == "unbooked"
    lead.refresh_from_db()
    assert lead.status == "open" and call.lead_id == lead.pk
    assert LeadActivity.objects.filter(
        lead=lead, kind="system", call=call, text__contains="answered"
    ).exists()


def test_it_takes_a_folded_call_off_the_lead_when_it_turns_out_answered():
    first = play_call(seconds=90)
    lead = first.lead
    actor = provider_actor()
    agent = make_employee(Role.CSR)
    t0 = timezone.now() - timedelta(minutes=3)
    call_event_record(actor=actor, provider_call_id="again", event="ringing", at=t0, from_number=CALLER)
    second = call_event_record(
        actor=actor, provider_call_id="again", event="ended", at=t0 + timedelta(seconds=100)
    )
    assert second.lead_id == lead.pk
    second = call_event_record(
        actor=actor,
        provider_call_id="again",
        event="accepted",
        at=t0 + timedelta(seconds=5),
        agent_id=agent.pk,
    )
    assert second.lead_id is None and second.classification == "unbooked"
    assert Lead.objects.get().pk == lead.pk  # the first call's lead stays
    assert LeadActivity.objects.filter(lead=lead, kind="system", call=second).exists()
    assert second.follow_up_at == t0 + timedelta(seconds=100) and second.follow_up_resolved_at is None


def test_it_refuses_to_reopen_a_second_open_abandoned_lead_for_one_number():
    actor = Actor(integration=IntegrationFactory())
    csr = Actor(employee=make_employee(Role.CSR))
    t0 = timezone.now() - timedelta(minutes=10)
    for i in range(2):
        call_event_record(actor=actor, provider_call_id=f"r{i}", event="ringing", at=t0, from_number=CALLER)
        call_event_record(actor=actor, provider_call_id=f"r{i}", event="ended", at=t0 + timedelta(seconds=90))
        if i == 0:
            first = Lead.objects.get()
            lead_dismiss(actor=csr, lead=first, reason=CallReasonFactory(is_lead=False))
    assert Lead.objects.filter(status="open").count() == 1
    with pytest.raises(DomainError) as raised:
        lead_reopen(actor=csr, lead=first)
    assert raised.value.status == 409 and raised.value.code == "abandoned_lead_open"
