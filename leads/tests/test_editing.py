# factory_boy's metaclass __call__ is untyped, so mypy reads Factory() as the factory, not the model.
"""The lead's edit page: the rules of lead_update, what was typed kept, a timeline line per change."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from catalog.tests.factories import BusinessUnitFactory, JobTypeFactory, TagFactory
from conftest import make_employee
from core.models import AuditEntry
from leads.models import Lead, LeadActivity
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def csr(client):
    employee = make_employee(Role.CSR, name="Jasmine Carter")
    client.force_login(employee.user)
    return client


def _form(lead: Lead, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": lead.name,
        "phone": lead.phone,
        "email": lead.email,
        "street": "",
        "unit": "",
        "city": lead.city,
        "state": "",
        "zip": "",
        "summary": lead.summary,
        "campaign": lead.campaign_id,
        "business_unit": "",
        "job_type": "",
        "priority": lead.priority,
        "assignee": "",
        "follow_up_on": lead.follow_up_on.isoformat(),
    }
    data.update(overrides)
    return data


def test_a_csr_edits_a_lead_and_the_timeline_says_who_changed_what(csr):
    lead = LeadFactory(name="Anh Smith", phone="+15125550142")
    hvac = BusinessUnitFactory()
    ac = JobTypeFactory(business_units=[hvac])
    tag = TagFactory(name="Financing interest")
    assignee = make_employee(Role.CSR, name="Miguel Hernandez")
    due = timezone.localdate() + dt.timedelta(days=3)
    r = csr.post(
        reverse("lead_edit", args=[lead.pk]),
        _form(
            lead,
            phone="(512) 555-0199",
            summary="Wants a quote for a new AC",
            business_unit=hvac.pk,
            job_type=ac.pk,
            priority="high",
            tags=[tag.pk],
            assignee=assignee.pk,
            follow_up_on=due.isoformat(),
        ),
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    lead.refresh_from_db()
    assert lead.phone == "+15125550199" and lead.job_type == ac and lead.assignee == assignee
    assert lead.follow_up_on == due and [t.name for t in lead.tags.all()] == ["Financing interest"]
    entry = AuditEntry.objects.get(entity="lead", entity_id=lead.pk, action="updated")
    assert entry.actor_label == "Jasmine Carter"
    assert entry.changes["phone"] == ["+15125550142", "+15125550199"]
    line = LeadActivity.objects.get(lead=lead, kind=LeadActivity.Kind.SYSTEM)
    assert line.by_label == "Jasmine Carter"
    assert line.text.startswith("Changed ") and "phone" in line.text and "follow-up date" in line.text
    assert "Changed" in csr.get(reverse("lead_detail", args=[lead.pk])).content.decode()


def test_the_lead_edit_page_keeps_what_was_typed_and_names_the_field(csr):
    lead = LeadFactory(name="Anh Smith", phone="+15125550142", email="")
    other_unit = BusinessUnitFactory()
    wrong = JobTypeFactory(business_units=[BusinessUnitFactory()])
    url = reverse("lead_edit", args=[lead.pk])
    r = csr.post(url, _form(lead, phone="", email="", summary="kept text"))
    assert r.status_code == 422
    html = r.content.decode()
    assert "Phone a phone or an email is required" not in html
    assert "A phone or an email is required when no customer is linked" in html
    assert "kept text" in html
    r = csr.post(url, _form(lead, business_unit=other_unit.pk, job_type=wrong.pk))
    assert r.status_code == 422
    r = csr.post(url, _form(lead, phone="555-01"))
    assert r.status_code == 422 and "is not a valid phone number" in r.content.decode()
    lead.refresh_from_db()
    assert lead.phone == "+15125550142"
    assert not AuditEntry.objects.filter(entity="lead", action="updated").exists()


def test_a_closed_lead_and_a_technician_cannot_edit(client):
    lead = LeadFactory(status=Lead.Status.OPEN)
    client.force_login(make_employee(Role.TECHNICIAN).user)
    assert client.get(reverse("lead_edit", args=[lead.pk])).status_code == 403
    client.force_login(make_employee(Role.CSR).user)
    Lead.objects.filter(pk=lead.pk).update(status=Lead.Status.DISMISSED, merged_into=LeadFactory())
    r = client.post(reverse("lead_edit", args=[lead.pk]), {"name": "X"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert lead.name != "X"
