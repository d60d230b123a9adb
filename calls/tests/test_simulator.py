from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from calls.models import Call
from catalog.tests.factories import JobTypeFactory, TrackingNumberFactory
from customers.tests.factories import LocationFactory, PhoneFactory
from leads.models import Lead

pytestmark = pytest.mark.django_db


def test_it_sends_a_realistic_stream_through_the_events_api():
    numbers = [TrackingNumberFactory().number for _ in range(3)]
    location = LocationFactory()
    PhoneFactory(customer=location.customer)
    JobTypeFactory()
    out = StringIO()
    call_command("simulate_calls", "--in-process", "--count", "40", "--seed", "7", stdout=out)
    calls = Call.objects.all()
    assert calls.count() == 40
    kinds = set(calls.values_list("classification", flat=True))
    assert {"booked", "unbooked", "excused", "abandoned"} <= kinds
    dialled = set(calls.values_list("to_number", flat=True))
    assert set(numbers) <= dialled
    assert calls.filter(unknown_tracking_number=True).exists()
    long_abandoned = [c for c in calls.filter(classification="abandoned") if (c.duration_seconds or 0) > 60]
    assert long_abandoned and Lead.objects.filter(type="abandoned_call").exists()
    assert all(c.lead_id for c in long_abandoned)
    assert calls.filter(classification="booked", job__isnull=False).exists()
    assert "Sent" in out.getvalue()


def test_it_only_talks_to_this_machine():
    with pytest.raises(CommandError, match="this machine"):
        call_command("simulate_calls", "--url", "http://example.com", "--count", "1")
    with pytest.raises(CommandError, match="count"):
        call_command("simulate_calls", "--in-process", "--count", "100000")


def test_it_prints_without_sending_on_a_dry_run():
    out = StringIO()
    call_command("simulate_calls", "--dry-run", "--count", "2", stdout=out)
    assert '"event": "ringing"' in out.getvalue()
    assert not Call.objects.exists()


def test_it_speaks_twilio_signed_webhooks_with_recordings_and_texts(django_capture_on_commit_callbacks):
    from messaging.models import Message, OptOut, TextBack

    numbers = [TrackingNumberFactory().number for _ in range(2)]
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("simulate_calls", "--in-process", "--twilio", "--count", "30", "--seed", "3", stdout=out)
    calls = Call.objects.filter(provider__slug="twilio-simulated")
    assert calls.count() == 30
    assert all(c.provider_call_id.startswith("CA") for c in calls)
    assert {"abandoned", "unbooked"} <= set(calls.values_list("classification", flat=True))
    assert set(numbers) <= set(calls.values_list("to_number", flat=True))
    answered = calls.exclude(accepted_at=None)
    assert answered.exists() and all(c.recording_url for c in answered)
    assert TextBack.objects.exists()  # missed callers are scheduled for text-back
    assert Message.objects.filter(direction="inbound").count() >= 2
    assert OptOut.objects.count() <= 1
    assert "twilio text" in out.getvalue()
