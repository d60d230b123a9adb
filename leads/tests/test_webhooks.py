"""A lead that came from an integration tells it how it ended (``lead.converted`` /
``lead.dismissed``), queued in the same transaction as the change."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from accounts.actor import Actor
from accounts.models import Role
from accounts.tests.factories import IntegrationFactory
from bookings.models import WebhookDelivery
from bookings.tests.factories import BookingFactory
from calls.tests.factories import play_call, provider_actor
from catalog.tests.factories import (
    BusinessUnitFactory,
    CampaignFactory,
    DismissReasonFactory,
    JobTypeFactory,
)
from conftest import make_employee
from customers.tests.factories import LocationFactory
from leads.models import Lead
from leads.services import lead_dismiss
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db

HOOK = "https://partner.example/hook"


def convert_body():
    bu = BusinessUnitFactory()
    location = LocationFactory()
    return {
        "customer_id": location.customer_id,
        "location_id": location.pk,
        "business_unit_id": bu.pk,
        "job_type_id": JobTypeFactory(business_units=[bu]).pk,
    }


def queued(delivery: WebhookDelivery) -> bool:
    return DBTaskResult.objects.filter(
        task_path="bookings.tasks.webhook_deliver", args_kwargs__args=[delivery.pk]
    ).exists()


def test_it_tells_the_integration_that_posted_a_lead_it_was_dismissed(integration_api, csr_api):
    integration = integration_api.integration
    integration.webhook_url = HOOK
    integration.save()
    r = integration_api.post(
        "/leads",
        {"type": "marketing", "campaign_id": CampaignFactory().pk, "contact": {"phone": "5128675309"}},
    )
    assert r.status_code == 201, r.content
    lead_id = r.json()["id"]
    reason = DismissReasonFactory(name="Out of area")
    assert (
        csr_api.post(f"/leads/{lead_id}/dismiss", {"reason_id": reason.pk, "note": "Dallas"}).status_code
        == 200
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.integration, delivery.event, delivery.url) == (integration, "lead.dismissed", HOOK)
    assert delivery.payload["lead"] == {
        "id": lead_id,
        "type": "marketing",
        "status": "dismissed",
        "booking_id": None,
        "booking_external_id": None,
        "job": None,
        "dismiss_reason": "Out of area",
        "dismiss_note": "Dallas",
    }
    assert queued(delivery)


def test_it_tells_a_bookings_integration_its_lead_was_converted(csr_api):
    booking = BookingFactory(integration__webhook_url=HOOK, external_id="angi-77")
    lead_id = csr_api.post(f"/bookings/{booking.pk}/convert", {}).json()["lead"]["id"]
    WebhookDelivery.objects.all().delete()  # booking.converted, tested with bookings
    r = csr_api.post(f"/leads/{lead_id}/convert", convert_body())
    assert r.status_code == 201, r.content
    delivery = WebhookDelivery.objects.get()
    assert delivery.integration == booking.integration and delivery.event == "lead.converted"
    lead = delivery.payload["lead"]
    assert lead["id"] == lead_id and lead["status"] == "converted" and lead["booking_id"] == booking.pk
    assert lead["booking_external_id"] == "angi-77" and lead["job"]["id"] == r.json()["job"]["id"]
    assert queued(delivery)


def test_it_notifies_nobody_for_leads_employees_captured(csr_api):
    IntegrationFactory(webhook_url=HOOK)
    converted, dismissed = LeadFactory(), LeadFactory()
    assert converted.created_by_integration is None and converted.booking is None
    assert csr_api.post(f"/leads/{converted.pk}/convert", convert_body()).status_code == 201
    reason = DismissReasonFactory()
    assert csr_api.post(f"/leads/{dismissed.pk}/dismiss", {"reason_id": reason.pk}).status_code == 200
    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.filter(task_path="bookings.tasks.webhook_deliver").exists()


def test_it_notifies_nothing_without_a_webhook_url_or_when_the_change_fails(csr_api):
    quiet = LeadFactory(created_by_integration=IntegrationFactory(webhook_url=""))
    assert (
        csr_api.post(f"/leads/{quiet.pk}/dismiss", {"reason_id": DismissReasonFactory().pk}).status_code
        == 200
    )
    loud = LeadFactory(created_by_integration=IntegrationFactory(webhook_url=HOOK))
    r = csr_api.post(f"/leads/{loud.pk}/convert", {})
    assert r.status_code == 422
    assert not WebhookDelivery.objects.exists()


def test_it_queues_the_webhook_in_the_changes_transaction():
    lead = LeadFactory(created_by_integration=IntegrationFactory(webhook_url=HOOK))
    csr = Actor(employee=make_employee(Role.CSR))
    with pytest.raises(RuntimeError), transaction.atomic():
        lead_dismiss(actor=csr, lead=lead, reason=DismissReasonFactory())
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the caller's transaction fails after the dismissal")
    assert not WebhookDelivery.objects.exists()
    assert not DBTaskResult.objects.filter(task_path="bookings.tasks.webhook_deliver").exists()
    assert Lead.objects.get(pk=lead.pk).status == "open"


def test_it_tells_the_telephony_provider_about_its_abandoned_call_lead(csr_api):
    provider = IntegrationFactory(webhook_url=HOOK)
    call = play_call(actor=provider_actor(provider), seconds=90)
    assert call.lead is not None and call.lead.created_by_integration == provider
    r = csr_api.post(f"/leads/{call.lead_id}/convert", convert_body())
    assert r.status_code == 201
    assert WebhookDelivery.objects.get().event == "lead.converted"
