"""Issue 13 item 6: a job-generated lead carries what its job knows: the job's
customer's phone and city on the lead and on Follow Up, and a campaign (the one
chosen in Settings for technician leads, else the origin job's)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from catalog.models import Campaign
from catalog.services import campaign_choose_for_job_generated, job_generated_campaign
from catalog.tests.factories import CampaignFactory, JobTypeFactory
from conftest import make_employee
from customers.tests.factories import CustomerFactory, LocationFactory, PhoneFactory
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.tests.factories import LeadFactory
from reports.selectors import DateRange, campaign_report

pytestmark = pytest.mark.django_db


def client_for(role: str = Role.CSR) -> Client:
    client = Client()
    client.force_login(make_employee(role).user)
    return client


def origin_job(**kwargs):
    customer = CustomerFactory(name="Anh Smith")
    PhoneFactory(customer=customer, value="+15125550187")
    location = LocationFactory(customer=customer, city="Round Rock")
    return book_job(location=location, **kwargs)


def set_lead(api, job) -> Lead:
    job_type = JobTypeFactory()
    r = api.post(
        f"/jobs/{job.pk}/leads",
        {"business_unit_id": job_type.business_units.first().pk, "job_type_id": job_type.pk},
    )
    assert r.status_code == 201, r.content
    return Lead.objects.get(pk=r.json()["lead"]["id"])


@pytest.fixture(autouse=True)
def technician_campaign():
    """The campaign load_demo (or leads migration 0006) makes and chooses."""
    campaign = Campaign.objects.filter(name="Technician generated").first() or CampaignFactory(
        name="Technician generated", category="repeat"
    )
    campaign_choose_for_job_generated(campaign)
    return campaign


def test_it_credits_a_technician_lead_to_the_campaign_chosen_in_settings(api_as):
    job = origin_job(campaign=CampaignFactory(name="Google Ads"))
    lead = set_lead(api_as(Role.CSR), job)
    assert lead.type == "job_generated" and lead.campaign.name == "Technician generated"
    assert lead.campaign_id is not None


def test_it_falls_back_to_the_origin_jobs_campaign_when_none_is_chosen(api_as):
    Campaign.objects.update(for_job_generated_leads=False)
    job = origin_job(campaign=CampaignFactory(name="Google Ads"))
    assert set_lead(api_as(Role.CSR), job).campaign.name == "Google Ads"


def test_it_moves_the_choice_when_an_admin_picks_another(admin_api):
    repeat = CampaignFactory(name="Repeat customers")
    r = admin_api.patch(f"/campaigns/{repeat.pk}", {"for_job_generated_leads": True})
    assert r.status_code == 200 and r.json()["for_job_generated_leads"] is True
    assert list(Campaign.objects.filter(for_job_generated_leads=True)) == [repeat]
    r = admin_api.patch(f"/campaigns/{repeat.pk}", {"for_job_generated_leads": False})
    assert job_generated_campaign() is None


def test_it_moves_the_choice_from_settings():
    admin = Client()
    admin.force_login(make_employee(Role.ADMIN).user)
    repeat = CampaignFactory(name="Repeat customers")
    r = admin.post(
        f"/settings/catalog/campaign/{repeat.pk}/change/",
        {
            "name": "Repeat customers",
            "category": "repeat",
            "monthly_cost": "0",
            "active": "on",
            "for_job_generated_leads": "on",
            "tracking_numbers-TOTAL_FORMS": "0",
            "tracking_numbers-INITIAL_FORMS": "0",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert job_generated_campaign() == repeat
    assert Campaign.objects.filter(for_job_generated_leads=True).count() == 1


def test_it_reports_technician_leads_under_their_campaign_not_no_campaign(api_as):
    lead = set_lead(api_as(Role.CSR), origin_job())
    today = timezone.localdate()
    report = campaign_report(date_range=DateRange(today, today))
    names = {row.name: row for row in report.rows}
    # Jobs booked without a campaign still show there; no technician lead does.
    assert "(no campaign)" not in names or names["(no campaign)"].leads_by_type["job_generated"] == 0
    assert names["Technician generated"].leads_by_type["job_generated"] == 1
    assert lead.campaign.name == "Technician generated"


def test_it_shows_the_origin_jobs_customer_phone_and_city(api_as):
    lead = set_lead(api_as(Role.CSR), origin_job())
    assert lead.phone == "" and lead.city == ""
    client = client_for()
    follow_up = client.get("/leads/?type=job_generated").content.decode()
    assert "(512) 555-0187" in follow_up and "Round Rock" in follow_up
    page = client.get(f"/leads/{lead.pk}/").content.decode()
    assert "(512) 555-0187" in page and f"the customer's, from job {lead.origin_job_id}" in page
    assert "Round Rock" in page and "(no city)" not in page


def test_it_lists_job_generated_leads_in_a_fixed_number_of_queries(api_as, django_assert_num_queries):
    api = api_as(Role.CSR)
    set_lead(api, origin_job())
    client = client_for()
    client.get("/leads/")  # warm the session and the reference lists' first use

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/leads/?type=job_generated").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for _ in range(6):
        set_lead(api, origin_job())
    assert Lead.objects.filter(type="job_generated").count() == 7
    assert count() == few


def test_it_credits_existing_technician_leads_in_the_data_migration():
    migration = importlib.import_module("leads.migrations.0006_job_generated_campaign")
    Campaign.objects.all().delete()
    migration.credit_job_generated_leads(apps, None)
    assert not Campaign.objects.exists()  # no orphan: nothing made
    job = origin_job(campaign=CampaignFactory(name="Google Ads"))
    orphan = LeadFactory(
        type="job_generated",
        origin_job=job,
        lead_setting_employee=make_employee(Role.TECHNICIAN),
        customer=job.customer,
        campaign=None,
    )
    marketing = LeadFactory(campaign=CampaignFactory())
    migration.credit_job_generated_leads(apps, None)
    orphan.refresh_from_db()
    assert orphan.campaign.name == "Technician generated" and orphan.campaign.for_job_generated_leads
    Lead.objects.filter(pk=orphan.pk).update(campaign=None)
    repeat = CampaignFactory(name="Repeat customers")
    campaign_choose_for_job_generated(repeat)
    migration.credit_job_generated_leads(apps, None)
    orphan.refresh_from_db()
    assert orphan.campaign == repeat
    assert Lead.objects.get(pk=marketing.pk).campaign == marketing.campaign
