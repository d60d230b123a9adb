"""Settings (the Django admin at /settings/): who gets in, how the index is
organised, and that the reference-data forms keep the catalog's rules."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import Employee, Role
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, TrackingNumber
from catalog.tests.factories import (
    CampaignFactory,
    TrackingNumberFactory,
)
from conftest import make_employee
from jobs.models import Invoice, Job
from jobs.tests.factories import book_job

pytestmark = pytest.mark.django_db


def user_of(employee: Employee) -> User:
    assert employee.user is not None
    return employee.user


def client_as(role: str | None = None, **user_kwargs) -> Client:
    client = Client()
    if role is None:
        client.force_login(User.objects.create_user(username="root", password="pw-for-tests", **user_kwargs))
    else:
        client.force_login(user_of(make_employee(role)))
    return client


@pytest.fixture
def admin_client_() -> Client:
    return client_as(Role.ADMIN)


def campaign_post(name: str, *numbers: str, **extra) -> dict:
    data = {
        "name": name,
        "category": Campaign.Category.PAID_SEARCH,
        "business_unit": "",
        "monthly_cost": "500.00",
        "active": "on",
        "tracking_numbers-TOTAL_FORMS": str(len(numbers)),
        "tracking_numbers-INITIAL_FORMS": "0",
        "tracking_numbers-MIN_NUM_FORMS": "0",
        "tracking_numbers-MAX_NUM_FORMS": "1000",
    }
    for i, number in enumerate(numbers):
        data[f"tracking_numbers-{i}-number"] = number
        data[f"tracking_numbers-{i}-active"] = "on"
    data.update(extra)
    return data


def test_it_shows_settings_to_an_admin_without_the_staff_flag(admin_client_):
    r = admin_client_.get("/settings/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "Leadline Settings" in r.context["site_header"]
    groups = [g["name"] for g in r.context["app_list"]]
    assert groups == [
        "Company",
        "Calls & booking",
        "People",
        "Assignment and SLAs",
        "Integrations",
        "Texting",
        "Records (read-only)",
    ]
    company = [m["object_name"] for m in r.context["app_list"][0]["models"]]
    assert company == ["BusinessUnit", "JobType", "Campaign", "TrackingNumber", "Tag"]
    assert "Back to Leadline" in body


def test_it_shows_settings_to_a_superuser_without_an_employee():
    r = client_as(None, is_superuser=True).get("/settings/")
    assert r.status_code == 200


@pytest.mark.parametrize("role", [Role.CSR, Role.TECHNICIAN, Role.OFFICE, Role.MANAGER])
def test_it_keeps_other_roles_out_of_settings(role):
    client = client_as(role)
    r = client.get("/settings/")
    assert r.status_code == 302
    r = client.get("/settings/", follow=True)
    assert r.status_code == 403
    assert b"Settings are for admins" in r.content
    assert client.get("/settings/catalog/callreason/").status_code in (302, 403)
    assert client.get("/settings/catalog/callreason/", follow=True).status_code == 403


def test_it_keeps_a_staff_csr_out():
    employee = make_employee(Role.CSR)
    user = user_of(employee)
    user.is_staff = True
    user.save()
    client = Client()
    client.force_login(user)
    assert client.get("/settings/", follow=True).status_code == 403


def test_it_keeps_an_inactive_admin_out():
    employee = make_employee(Role.ADMIN, active=False)
    client = Client()
    client.force_login(user_of(employee))
    assert client.get("/settings/", follow=True).status_code == 403


def test_it_sends_the_anonymous_to_the_app_login():
    r = Client().get("/settings/", follow=True)
    assert r.redirect_chain[-1][0].startswith("/login/?next=")
    assert r.status_code == 200


def test_it_refuses_a_csr_posting_a_call_reason():
    client = client_as(Role.CSR)
    client.post("/settings/catalog/callreason/add/", {"name": "Sneaky", "is_lead": "on", "active": "on"})
    assert not CallReason.objects.exists()


def test_it_opens_a_group_page(admin_client_):
    r = admin_client_.get("/settings/group/calls-booking/")
    assert r.status_code == 200
    assert [m["object_name"] for m in r.context["app_list"][0]["models"]] == [
        "CallReason",
        "BookingGuide",
        "ArrivalWindow",
    ]
    assert admin_client_.get("/settings/group/nothing/").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/settings/catalog/businessunit/",
        "/settings/catalog/jobtype/",
        "/settings/catalog/campaign/",
        "/settings/catalog/trackingnumber/",
        "/settings/catalog/callreason/",
        "/settings/catalog/tag/",
        "/settings/catalog/bookingguide/",
        "/settings/accounts/employee/",
        "/settings/accounts/integration/",
        "/settings/accounts/apikey/",
        "/settings/customers/customer/",
        "/settings/jobs/job/",
        "/settings/jobs/invoice/",
        "/settings/core/auditentry/",
        "/settings/catalog/campaign/add/",
        "/settings/catalog/bookingguide/add/",
        "/settings/accounts/employee/add/",
        "/settings/accounts/integration/add/",
        "/settings/accounts/apikey/add/",
    ],
)
def test_it_opens_every_settings_page(admin_client_, path):
    book_job()
    TrackingNumberFactory()
    assert admin_client_.get(path).status_code == 200


def test_it_stores_a_typed_tracking_number_in_e164(admin_client_):
    r = admin_client_.post("/settings/catalog/campaign/add/", campaign_post("Google Ads", "(512) 555-0142"))
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    campaign = Campaign.objects.get(name="Google Ads")
    assert list(campaign.tracking_numbers.values_list("number", "active")) == [("+15125550142", True)]


def test_it_refuses_a_tracking_number_of_another_campaign(admin_client_):
    TrackingNumberFactory(number="+15125550142", campaign=CampaignFactory(name="Yard signs"))
    r = admin_client_.post("/settings/catalog/campaign/add/", campaign_post("Google Ads", "512-555-0142"))
    assert r.status_code == 200
    body = r.content.decode()
    assert "+15125550142" in body
    assert "Yard signs" in body
    assert not Campaign.objects.filter(name="Google Ads").exists()
    assert TrackingNumber.objects.count() == 1


def test_it_refuses_a_number_taken_off_another_campaign(admin_client_):
    TrackingNumberFactory(number="+15125550142", campaign=CampaignFactory(name="Radio spring"), active=False)
    r = admin_client_.post("/settings/catalog/campaign/add/", campaign_post("Radio fall", "+1 512 555 0142"))
    assert r.status_code == 200
    assert "Radio spring" in r.content.decode()
    assert not Campaign.objects.filter(name="Radio fall").exists()


def test_it_names_a_number_that_is_not_a_phone(admin_client_):
    r = admin_client_.post("/settings/catalog/campaign/add/", campaign_post("Google Ads", "call us"))
    assert r.status_code == 200
    assert "is not a phone number" in r.content.decode()
    assert not Campaign.objects.exists()


def test_it_refuses_the_same_number_twice_in_one_form(admin_client_):
    r = admin_client_.post(
        "/settings/catalog/campaign/add/", campaign_post("Google Ads", "(512) 555-0142", "512.555.0142")
    )
    assert r.status_code == 200
    assert "duplicate data for number" in r.content.decode()
    assert not Campaign.objects.exists()


def test_it_adds_a_number_to_a_campaign_and_keeps_the_old_one(admin_client_):
    campaign = Campaign.objects.create(name="Mailers")
    old = TrackingNumber.objects.create(number="+15125550100", campaign=campaign)
    data = campaign_post("Mailers", "(512) 555-0199")
    data.update(
        {
            "tracking_numbers-TOTAL_FORMS": "2",
            "tracking_numbers-INITIAL_FORMS": "1",
            "tracking_numbers-0-id": str(old.pk),
            "tracking_numbers-0-campaign": str(campaign.pk),
            "tracking_numbers-0-number": "+15125550100",
            "tracking_numbers-1-number": "(512) 555-0199",
            "tracking_numbers-1-active": "on",
        }
    )
    del data["tracking_numbers-0-active"]  # taken off: kept, inactive
    r = admin_client_.post(f"/settings/catalog/campaign/{campaign.pk}/change/", data)
    assert r.status_code == 302, r.context["inline_admin_formsets"][0].formset.errors if r.context else r
    assert dict(campaign.tracking_numbers.values_list("number", "active")) == {
        "+15125550100": False,
        "+15125550199": True,
    }


def test_it_finds_a_campaign_by_a_typed_number(admin_client_):
    TrackingNumberFactory(number="+15125550142", campaign=CampaignFactory(name="Google Ads"))
    CampaignFactory(name="Other")
    r = admin_client_.get("/settings/catalog/campaign/", {"q": "(512) 555-0142"})
    assert [c.name for c in r.context["cl"].result_list] == ["Google Ads"]


def test_it_refuses_a_campaign_name_differing_only_in_case(admin_client_):
    CampaignFactory(name="Google Ads")
    r = admin_client_.post("/settings/catalog/campaign/add/", campaign_post("google ads"))
    assert r.status_code == 200
    assert "already exists" in r.content.decode()
    assert Campaign.objects.count() == 1


def test_it_refuses_a_booking_guide_job_type_outside_its_business_unit(admin_client_):
    hvac = BusinessUnit.objects.create(name="HVAC")
    plumbing = BusinessUnit.objects.create(name="Plumbing")
    drain = JobType.objects.create(name="Drain cleaning")
    drain.business_units.set([plumbing])
    data = {
        "name": "No heat",
        "kind": BookingGuide.Kind.LEAD,
        "business_unit": str(hvac.pk),
        "job_type": str(drain.pk),
        "script": "Is the thermostat on?",
        "active": "on",
    }
    r = admin_client_.post("/settings/catalog/bookingguide/add/", data)
    assert r.status_code == 200
    assert r.context["adminform"].form.errors["job_type"] == [
        "Job type 'Drain cleaning' does not belong to business unit 'HVAC'"
    ]
    assert not BookingGuide.objects.exists()

    data["business_unit"] = str(plumbing.pk)
    r = admin_client_.post("/settings/catalog/bookingguide/add/", data)
    assert r.status_code == 302
    assert BookingGuide.objects.get().job_type == drain


def test_it_edits_call_reasons_in_the_list(admin_client_):
    reason = CallReason.objects.create(name="Billing question", is_lead=False)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(reason.pk),
        "form-0-is_lead": "on",
        "form-0-active": "on",
        "_save": "Save",
    }
    r = admin_client_.post("/settings/catalog/callreason/", data)
    assert r.status_code == 302
    reason.refresh_from_db()
    assert reason.is_lead is True


def test_it_labels_each_input_in_a_table_with_its_column_and_row(admin_client_):
    # Tabular inlines and list_editable render bare inputs under a column heading (axe: `label`).
    CallReason.objects.create(name="Billing question", is_lead=False)
    r = admin_client_.get("/settings/catalog/callreason/")
    assert '<label class="visually-hidden" for="id_form-0-is_lead">Is lead (Billing question)</label>' in (
        r.content.decode()
    )
    campaign = TrackingNumberFactory(number="+15125550100").campaign
    r = admin_client_.get(f"/settings/catalog/campaign/{campaign.pk}/change/")
    page = r.content.decode()
    assert 'for="id_tracking_numbers-0-active">Active (+15125550100)</label>' in page
    assert 'for="id_tracking_numbers-1-number">Number (new tracking number)</label>' in page
    assert 'for="id_tracking_numbers-__prefix__-number">Number (new tracking number)</label>' in page


def test_it_never_lets_settings_change_jobs_or_invoices(admin_client_):
    job = book_job()
    assert admin_client_.get(f"/settings/jobs/job/{job.pk}/change/").status_code == 200  # view only
    r = admin_client_.post(f"/settings/jobs/job/{job.pk}/change/", {"status": "canceled"})
    assert r.status_code == 403
    assert admin_client_.get("/settings/jobs/job/add/").status_code == 403
    assert admin_client_.post(f"/settings/jobs/job/{job.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client_.post(f"/settings/jobs/invoice/{job.invoice.pk}/change/", {}).status_code == 403
    job.refresh_from_db()
    assert job.status == Job.Status.SCHEDULED
    assert Invoice.objects.filter(job=job).exists()


def test_it_adds_an_employee_with_a_login(admin_client_):
    data = {
        "name": "Casey Rivera",
        "role": Role.CSR,
        "active": "on",
        "email": "Casey@Example.com ",
        "phone": "(512) 555-0101",
        "username": "casey",
        "password": "a-long-password-1",
    }
    data.update({"api_keys-TOTAL_FORMS": "0", "api_keys-INITIAL_FORMS": "0"})
    r = admin_client_.post("/settings/accounts/employee/add/", data)
    assert r.status_code == 302, r.context["adminform"].form.errors if r.context else r
    employee = Employee.objects.get(name="Casey Rivera")
    assert (employee.email, employee.phone) == ("casey@example.com", "+15125550101")
    assert user_of(employee).username == "casey"
    assert Client().login(username="casey", password="a-long-password-1")


def test_it_adds_an_employee_without_a_login(admin_client_):
    data = {
        "name": "Tech Only",
        "role": Role.TECHNICIAN,
        "active": "on",
        "email": "",
        "phone": "",
        "username": "",
        "password": "",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
    }
    assert admin_client_.post("/settings/accounts/employee/add/", data).status_code == 302
    assert Employee.objects.get(name="Tech Only").user is None


def test_it_refuses_a_username_of_another_employee(admin_client_):
    other = make_employee(Role.CSR)
    data = {
        "name": "Dup",
        "role": Role.CSR,
        "active": "on",
        "email": "",
        "phone": "",
        "username": user_of(other).username.upper(),
        "password": "",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
    }
    r = admin_client_.post("/settings/accounts/employee/add/", data)
    assert r.status_code == 200
    assert "already the login of" in r.context["adminform"].form.errors["username"][0]
    assert not Employee.objects.filter(name="Dup").exists()


def test_it_signs_out_a_deactivated_employee(admin_client_):
    employee = make_employee(Role.CSR, name="Leaving")
    data = {
        "name": "Leaving",
        "role": Role.CSR,
        "email": "",
        "phone": "",
        "username": user_of(employee).username,
        "password": "",
        "api_keys-TOTAL_FORMS": "0",
        "api_keys-INITIAL_FORMS": "0",
    }
    r = admin_client_.post(f"/settings/accounts/employee/{employee.pk}/change/", data)
    assert r.status_code == 302
    assert get_user_model().objects.get(pk=user_of(employee).pk).is_active is False
