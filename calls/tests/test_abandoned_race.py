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
from accounts.tests.factories import IntegrationFactory
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
