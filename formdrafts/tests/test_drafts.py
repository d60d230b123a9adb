"""Abandoned online bookings become leads: a draft kept as the visitor types,
one lead when they leave, none when they send the form, and a later submit folds in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.tests.factories import IntegrationFactory
from assignment.tests.helpers import csrs, rule
from bookings.models import Booking
from bookings.tests.factories import CampaignRuleFactory
from catalog.tests.factories import BusinessUnitFactory, CampaignFactory, JobTypeFactory
from formdrafts.models import FormDraft
from formdrafts.services import draft_abandon
from leads.models import Lead
from messaging import backends
from messaging.models import Message
from messaging.textback import lead_text_back_send
from scheduling.tests.factories import ArrivalWindowFactory, next_weekday

pytestmark = pytest.mark.django_db
ALL_WEEK = {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture(autouse=True)
def _outbox():
    backends.outbox.clear()
    yield
    backends.outbox.clear()


@pytest.fixture
def form():
    integration = IntegrationFactory(
        slug="website",
        name="Website",
        booking_form_enabled=True,
        text_back_enabled=True,
        text_back_template="Hi {first_name}, finish booking any time: {booking_link}",
    )
    CampaignRuleFactory(
        integration=integration, utm_source="google", campaign=CampaignFactory(name="Google Ads")
    )
    CampaignRuleFactory(integration=integration, position=9, campaign=CampaignFactory(name="Website"))
    return integration


@pytest.fixture
def ac():
    unit = BusinessUnitFactory(name="HVAC Service")
    job_type = JobTypeFactory(name="AC repair", business_units=[unit])
    window = ArrivalWindowFactory(business_unit=unit, weekday=2, capacity=2)
    return {"unit": unit, "job_type": job_type, "window": window, "day": next_weekday(2)}


def typed(**fields):
    return {
        "token": "tok-9",
        "name": "Sam Lee",
        "utm_source": "google",
        "gclid": "G-1",
        "landing_page": "https://acme.test/ac?utm_source=google",
        **fields,
    }


def draft_tasks():
    return DBTaskResult.objects.filter(task_path="formdrafts.services.draft_abandon")


def leave(draft: FormDraft, minutes: float = 5) -> None:
    """The visitor's last keystroke was ``minutes`` ago."""
    FormDraft.objects.filter(pk=draft.pk).update(typed_at=timezone.now() - timedelta(minutes=minutes))


def set_hours():
    from accounts.actor import Actor
    from accounts.tests.factories import EmployeeFactory
    from hours.services import business_hours_set

    admin = Actor(employee=EmployeeFactory(role="admin"))
    business_hours_set(actor=admin, timezone="America/Chicago", days=ALL_WEEK, closures=[])


def test_it_keeps_a_draft_only_once_a_phone_or_email_is_typed(form):
    client = Client()
    assert client.post("/book/website/draft/", typed()).status_code == 204
    assert client.post("/book/website/draft/", typed(email="sam@exa")).status_code == 204  # not yet an email
    assert not FormDraft.objects.exists() and not draft_tasks().exists()
    assert client.post("/book/website/draft/", typed(phone="512-555-01")).status_code == 204
    assert not FormDraft.objects.exists()
    assert client.post("/book/website/draft/", typed(phone="512-555-0177")).status_code == 204
    draft = FormDraft.objects.get()
    assert draft.fields["phone"] == "512-555-0177" and draft.attribution["utm_source"] == "google"
    task = draft_tasks().get()  # the abandon clock: one task, five minutes out
    assert task.args_kwargs["args"] == [draft.pk]
    assert timedelta(minutes=4) < task.run_after - timezone.now() <= timedelta(minutes=5)
    first = draft.typed_at
    client.post("/book/website/draft/", typed(phone="512-555-0177", street="9 Pine Rd"))
    draft.refresh_from_db()
    assert draft.fields["street"] == "9 Pine Rd" and draft.typed_at > first
    assert FormDraft.objects.count() == 1 and draft_tasks().count() == 1
    # A bot filling the honeypot keeps nothing.
    client.post("/book/website/draft/", typed(token="bot", phone="512-555-0100", company_website="x"))
    assert FormDraft.objects.count() == 1


def test_it_rate_limits_new_drafts_per_client(form, settings):
    settings.LEADLINE_BOOKING_FORM_RATE = (2, 3600)
    client = Client()
    for token in ("a", "b"):
        assert client.post("/book/website/draft/", typed(token=token, email="s@x.test")).status_code == 204
    assert client.post("/book/website/draft/", typed(token="c", email="s@x.test")).status_code == 429
    assert FormDraft.objects.count() == 2
    # Typing on in a kept draft is not another draft.
    assert client.post("/book/website/draft/", typed(token="a", email="s@y.test")).status_code == 204


def test_it_turns_a_left_draft_into_one_assigned_and_texted_marketing_lead(form, ac):
    set_hours()
    [owner] = csrs(1)
    rule([owner], match={"channels": ["online"]})
    slot = f"{ac['window'].pk}:{ac['day'].isoformat()}"
    Client().post(
        "/book/website/draft/",
        typed(phone="(512) 555-0177", job_type_id=ac["job_type"].pk, window=slot, description="Warm air"),
    )
    draft = FormDraft.objects.get()
    assert draft_abandon.call(draft.pk) == "waiting"  # still within five minutes of the last keystroke
    assert not Lead.objects.exists()
    leave(draft)
    assert draft_abandon.call(draft.pk) == "captured"
    assert draft_abandon.call(draft.pk) == "skipped"  # once
    lead = Lead.objects.get()
    assert (lead.type, lead.channel, lead.status) == ("marketing", "online", "open")
    assert lead.campaign.name == "Google Ads" and lead.phone == "+15125550177" and lead.name == "Sam Lee"
    assert lead.summary == "Started an online booking and left: Warm air"
    assert lead.assignee == owner
    assert lead.job_type == ac["job_type"] and lead.business_unit == ac["unit"]
    booking = lead.booking
    assert booking.status == "converted" and booking.gclid == "G-1" and booking.requested_start is not None
    draft.refresh_from_db()
    assert (draft.status, draft.lead) == ("captured", lead)
    # Text-back is on for the form: the worker texts the lead once.
    task = DBTaskResult.objects.get(task_path="messaging.textback.lead_text_back_send")
    assert task.args_kwargs["args"] == [lead.pk, form.pk]
    assert lead_text_back_send.call(lead.pk, form.pk) == "sent"
    assert lead_text_back_send.call(lead.pk, form.pk) == "skipped"
    assert [(o.to_number, o.body[:7]) for o in backends.outbox] == [("+15125550177", "Hi Sam,")]
    assert Message.objects.get().kind == "text_back"
    lead.refresh_from_db()
    assert lead.first_response_at is not None


def test_it_makes_no_lead_for_a_form_that_was_sent(form):
    client = Client()
    client.post("/book/website/draft/", typed(phone="512-555-0177"))
    sent = typed(phone="512-555-0177", street="9 Pine Rd", city="Austin", zip="78703")
    assert client.post("/book/website/", sent).status_code == 200
    draft = FormDraft.objects.get()
    leave(draft)
    assert draft_abandon.call(draft.pk) == "submitted"
    assert not Lead.objects.exists() and Booking.objects.get().status == "new"
    # Typing after sending changes nothing either.
    client.post("/book/website/draft/", typed(phone="512-555-0199"))
    assert FormDraft.objects.get().fields["phone"] == "512-555-0177"


def test_it_folds_a_later_submit_into_the_lead(form, ac):
    client = Client()
    client.post("/book/website/draft/", typed(email="sam@example.com", job_type_id=ac["job_type"].pk))
    draft = FormDraft.objects.get()
    leave(draft)
    draft_abandon.call(draft.pk)
    lead = Lead.objects.get()
    assert lead.phone == "" and lead.street == ""
    slot = f"{ac['window'].pk}:{ac['day'].isoformat()}"
    sent = typed(
        email="sam@example.com",
        phone="512-555-0177",
        street="9 Pine Rd",
        city="Austin",
        zip="78703",
        job_type_id=ac["job_type"].pk,
        window=slot,
        description="Blows warm air",
    )
    r = client.post("/book/website/", sent)
    assert r.status_code == 200 and "Thank you" in r.content.decode()
    assert client.post("/book/website/", sent).status_code == 200  # a double click too
    assert Lead.objects.count() == 1 and Booking.objects.count() == 1
    lead.refresh_from_db()
    assert lead.phone == "+15125550177" and lead.street == "9 Pine Rd" and lead.start is not None
    assert lead.summary == "Blows warm air"
    texts = list(lead.activities.values_list("text", flat=True))
    assert any(t.startswith("Came back and sent the online booking for AC repair") for t in texts)
    booking = Booking.objects.get()
    assert booking.requested_end is not None and booking.raw_payload["folded"] is True


@pytest.mark.django_db(transaction=True)
def test_it_is_the_worker_that_turns_a_left_draft_into_a_lead(form, settings):
    from bookings.tests.test_webhooks import run_worker_until

    settings.LEADLINE_FORM_ABANDON_MINUTES = 0.02  # 1.2 s
    Client().post("/book/website/draft/", typed(phone="512-555-0177"))
    draft = FormDraft.objects.get()
    run_worker_until(lambda: Lead.objects.exists(), seconds=30)
    lead = Lead.objects.get()
    assert lead.created_at - draft.typed_at >= timedelta(seconds=1.2)
    assert FormDraft.objects.get().status == "captured"
