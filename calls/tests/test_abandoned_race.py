"""One number, one open abandoned-call lead, under concurrency (issue #10 item 4).

Twenty different calls from one caller end at the same moment on twenty real
PostgreSQL connections: each finds no open lead unless the lock on the
number makes them wait for each other. Exactly one lead; every call on it.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Role
from accounts.tests.factories import EmployeeFactory, IntegrationFactory
from calls.models import Call
from calls.services import call_event_record
from leads.models import Lead, LeadActivity

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

CALLER = "+15128675309"


def test_it_makes_one_open_lead_when_twenty_calls_from_one_number_end_at_once():
    integration = IntegrationFactory()
    actor = Actor(integration=integration)
    t0 = timezone.now() - timedelta(minutes=10)
    n = 20
    for i in range(n):
        call_event_record(actor=actor, provider_call_id=f"c{i}", event="ringing", at=t0, from_number=CALLER)
    start = threading.Barrier(n)
    errors: list[BaseException] = []

    def end(i: int) -> None:
        try:
            start.wait()
            call_event_record(
                actor=actor, provider_call_id=f"c{i}", event="ended", at=t0 + timedelta(seconds=90 + i)
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=end, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    leads = list(Lead.objects.filter(type="abandoned_call", status="open", phone=CALLER))
    assert len(leads) == 1, f"{len(leads)} open abandoned-call leads for one number"
    lead = leads[0]
    assert Call.objects.filter(lead=lead).count() == n
    # The first call made it; each of the other 19 is a line on its timeline.
    assert LeadActivity.objects.filter(lead=lead, kind="call").count() == n - 1


def test_the_events_of_one_new_call_arriving_at_once_make_one_call_with_all_of_them():
    # Each finds no call and inserts; all but one meet the unique (provider, call id),
    # insert nothing (ON CONFLICT DO NOTHING) and merge into the winner's row.
    integration = IntegrationFactory()
    actor = Actor(integration=integration)
    agent = EmployeeFactory(role=Role.CSR)
    t0 = timezone.now() - timedelta(minutes=10)
    events = [
        ("ringing", t0),
        ("accepted", t0 + timedelta(seconds=5)),
        ("ended", t0 + timedelta(seconds=125)),
    ]
    for round_ in range(5):
        start = threading.Barrier(len(events))
        errors: list[BaseException] = []

        def send(event: str, at: object, call_id: str = f"burst-{round_}") -> None:
            try:
                start.wait()
                call_event_record(
                    actor=actor,
                    provider_call_id=call_id,
                    event=event,
                    at=at,
                    from_number=CALLER,
                    agent_id=agent.pk if event == "accepted" else None,
                )
            except BaseException as exc:
                errors.append(exc)
            finally:
                connections.close_all()

        threads = [threading.Thread(target=send, args=e) for e in events]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        (call,) = Call.objects.filter(provider_call_id=f"burst-{round_}")
        assert (call.rang_at, call.accepted_at, call.ended_at) == tuple(at for _, at in events)
        assert call.duration_seconds == 120 and call.accepted_by_id == agent.pk
