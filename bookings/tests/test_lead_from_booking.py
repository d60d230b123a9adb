"""A booking becomes a lead one way (``booking_convert``), whether through
``POST /bookings/{id}/convert`` or ``POST /leads`` with a ``booking_id``."""

import pytest

from bookings.models import Booking, WebhookDelivery
from bookings.tests.factories import BookingFactory
from calls.tests.factories import play_call
from catalog.tests.factories import CampaignFactory, TagFactory
from leads.models import Lead

pytestmark = pytest.mark.django_db


def test_it_converts_the_booking_when_a_lead_is_posted_for_it(csr_api):
    booking = BookingFactory(integration__webhook_url="https://partner.example/hook")
    tag = TagFactory()
    r = csr_api.post(
        "/leads",
        {
            "type": "marketing",
            "booking_id": booking.pk,
            "contact": {"name": "Corrected Name"},
            "priority": "high",
            "tags": [tag.pk],
        },
    )
    assert r.status_code == 201, r.content
    lead = Lead.objects.get()
    assert r.json()["id"] == lead.pk and r.json()["booking_id"] == booking.pk
    # What was typed wins; the rest comes from the booking.
    assert lead.name == "Corrected Name" and lead.phone == booking.phone and lead.street == booking.street
    assert lead.priority == "high" and list(lead.tags.all()) == [tag]
    assert lead.campaign == booking.campaign and lead.summary == booking.summary
    booking.refresh_from_db()
    assert booking.status == "converted" and booking.handled_by == csr_api.employee
    assert csr_api.get(f"/bookings/{booking.pk}").json()["lead_id"] == lead.pk
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "booking.converted" and delivery.payload["booking"]["lead_id"] == lead.pk


def test_it_makes_one_lead_per_booking_whichever_path_comes_first(csr_api):
    booking = BookingFactory()
    assert csr_api.post(f"/bookings/{booking.pk}/convert", {}).status_code == 201
    again = csr_api.post("/leads", {"type": "marketing", "booking_id": booking.pk})
    assert again.status_code == 409 and again.json()["code"] == "booking_not_new"
    other = BookingFactory()
    assert csr_api.post("/leads", {"type": "marketing", "booking_id": other.pk}).status_code == 201
    assert csr_api.post(f"/bookings/{other.pk}/convert", {}).status_code == 409
    assert csr_api.post("/leads", {"type": "marketing", "booking_id": other.pk}).status_code == 409
    assert Lead.objects.count() == 2


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"type": "abandoned_call"}, "type"),
        ({"start": "2030-01-01T09:00:00+00:00"}, "start"),
        ({"booking_id": 987654}, "booking_id"),
    ],
)
def test_it_refuses_what_a_lead_from_a_booking_cannot_be(csr_api, extra, field):
    booking = BookingFactory()
    r = csr_api.post("/leads", {"type": "marketing", "booking_id": booking.pk, **extra})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == field
    assert not Lead.objects.exists() and Booking.objects.get(pk=booking.pk).status == "new"


def test_it_refuses_a_call_with_a_booking(csr_api):
    booking, call = BookingFactory(), play_call(seconds=10)
    r = csr_api.post("/leads", {"type": "marketing", "booking_id": booking.pk, "call_id": call.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "call_id"
    assert not Lead.objects.exists()


def test_it_asks_for_a_campaign_for_a_booking_without_one(csr_api):
    booking = BookingFactory(campaign=None)
    r = csr_api.post("/leads", {"type": "marketing", "booking_id": booking.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "campaign_id"
    campaign = CampaignFactory()
    r = csr_api.post("/leads", {"type": "marketing", "booking_id": booking.pk, "campaign_id": campaign.pk})
    assert r.status_code == 201
    booking.refresh_from_db()
    assert booking.campaign == campaign and booking.status == "converted"


def test_it_leaves_converting_a_booking_to_the_office(integration_api):
    booking = BookingFactory(integration=integration_api.integration)
    r = integration_api.post("/leads", {"type": "marketing", "booking_id": booking.pk})
    assert r.status_code == 403
    assert not Lead.objects.exists() and Booking.objects.get(pk=booking.pk).status == "new"


def test_it_does_not_tell_an_integration_which_booking_ids_exist(integration_api):
    r = integration_api.post("/leads", {"type": "marketing", "booking_id": 987654})
    assert r.status_code == 403
