# factory_boy's metaclass __call__ is untyped, so mypy reads Factory() as the factory, not the model.
"""Editing customers and locations, duplicates on create, and merging two customers."""

import pytest
from django.urls import reverse

from accounts.actor import Actor
from accounts.models import Role
from calls.tests.factories import play_call
from catalog.tests.factories import TagFactory
from conftest import make_employee
from core.models import AuditEntry
from customers.models import ContactPoint, Customer, Location
from customers.services import customer_merge
from customers.tests.factories import CustomerFactory, LocationFactory, PhoneFactory
from jobs.tests.factories import book_job
from leads.tests.factories import LeadFactory

pytestmark = pytest.mark.django_db


def _customer(name: str = "Anh Smith", phone: str = "+15125550142") -> Customer:
    location = LocationFactory(customer__name=name, street="400 Elm Ave")
    PhoneFactory(customer=location.customer, value=phone)
    return location.customer


# ---- PATCH /customers/{id} ---------------------------------------------------------------------


def test_it_edits_a_customer_and_records_who_changed_what(csr_api):
    c = _customer()
    ContactPoint.objects.create(customer=c, kind="email", value="old@example.com")
    r = csr_api.patch(
        f"/customers/{c.pk}",
        {"name": " Anh T. Smith ", "type": "commercial", "phones": ["(512) 555-0142", "737 201 0001"]},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["name"] == "Anh T. Smith" and body["type"] == "commercial"
    assert body["phones"] == ["+15125550142", "+17372010001"]
    assert body["emails"] == ["old@example.com"]  # not sent: kept
    entry = AuditEntry.objects.get(entity="customer", entity_id=c.pk, action="updated")
    assert entry.employee == csr_api.employee
    assert entry.changes["name"] == ["Anh Smith", "Anh T. Smith"]
    assert entry.changes["phones"] == [["+15125550142"], ["+15125550142", "+17372010001"]]
    assert "emails" not in entry.changes


def test_it_refuses_a_bad_edit_naming_each_field_and_changes_nothing(csr_api):
    c = _customer()
    r = csr_api.patch(f"/customers/{c.pk}", {"name": "  ", "phones": ["512-555-0142", "555-01"]})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"name", "phones[1]"}
    c.refresh_from_db()
    assert c.name == "Anh Smith" and c.phones == ["+15125550142"]
    assert not AuditEntry.objects.filter(entity="customer").exists()


def test_it_records_nothing_when_nothing_changed(csr_api):
    c = _customer()
    r = csr_api.patch(f"/customers/{c.pk}", {"name": "Anh Smith", "phones": ["+1 512 555 0142"]})
    assert r.status_code == 200
    assert not AuditEntry.objects.filter(entity="customer").exists()


def test_it_refuses_customer_edits_to_a_technician_and_an_integration(api_as, integration_api):
    c = _customer()
    assert api_as(Role.TECHNICIAN).patch(f"/customers/{c.pk}", {"name": "X"}).status_code == 403
    assert integration_api.patch(f"/customers/{c.pk}", {"name": "X"}).status_code == 403
    assert api_as(Role.OFFICE).patch(f"/customers/{c.pk}", {"name": "Y"}).status_code == 200
    c.refresh_from_db()
    assert c.name == "Y"


def test_it_answers_404_for_an_unknown_customer_or_another_customers_location(csr_api):
    c = _customer()
    other = LocationFactory()
    assert csr_api.patch("/customers/999999", {"name": "X"}).status_code == 404
    assert csr_api.patch(f"/customers/{c.pk}/locations/{other.pk}", {"city": "Dallas"}).status_code == 404


# ---- PATCH /customers/{id}/locations/{id} ------------------------------------------------------


def test_it_corrects_a_location_and_keeps_it_a_full_address(csr_api):
    loc = LocationFactory(street="1 Oak St", city="Austin")
    r = csr_api.patch(
        f"/customers/{loc.customer_id}/locations/{loc.pk}", {"street": "10 Oak St", "unit": "B"}
    )
    assert r.status_code == 200, r.content
    assert r.json()["street"] == "10 Oak St" and r.json()["unit"] == "B" and r.json()["retired"] is False
    r = csr_api.patch(f"/customers/{loc.customer_id}/locations/{loc.pk}", {"city": " ", "zip": ""})
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"city", "zip"}
    loc.refresh_from_db()
    assert (loc.street, loc.unit, loc.city) == ("10 Oak St", "B", "Austin")
    entry = AuditEntry.objects.get(entity="customer", entity_id=loc.customer_id)
    assert entry.action == "location_updated"
    assert entry.changes == {"location": loc.pk, "street": ["1 Oak St", "10 Oak St"], "unit": ["", "B"]}


def test_a_retired_location_keeps_its_jobs_and_takes_no_new_ones(csr_api):
    loc = LocationFactory()
    job = book_job(location=loc)
    r = csr_api.patch(f"/customers/{loc.customer_id}/locations/{loc.pk}", {"retired": True})
    assert r.status_code == 200 and r.json()["retired"] is True
    job.refresh_from_db()
    assert job.location_id == loc.pk
    r = csr_api.post(
        "/jobs",
        {
            "customer_id": loc.customer_id,
            "location_id": loc.pk,
            "business_unit_id": job.business_unit_id,
            "job_type_id": job.job_type_id,
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "location_id"
    assert "retired" in r.json()["errors"][0]["message"]
    assert (
        csr_api.patch(f"/customers/{loc.customer_id}/locations/{loc.pk}", {"retired": False}).json()[
            "retired"
        ]
        is False
    )
    actions = list(
        AuditEntry.objects.filter(entity="customer", entity_id=loc.customer_id).values_list(
            "action", flat=True
        )
    )
    assert sorted(actions) == ["location_restored", "location_retired"]


# ---- duplicates on create ----------------------------------------------------------------------


def test_creating_a_customer_with_a_known_phone_answers_the_match(csr_api):
    anh = _customer()
    r = csr_api.post("/customers", {"name": "A. Smith", "phones": ["512.555.0142"]})
    assert r.status_code == 201
    body = r.json()
    assert [m["id"] for m in body["matches"]["customers"]] == [anh.pk]
    assert body["matches"]["customers"][0]["name"] == "Anh Smith"
    assert "use Anh Smith instead?" in body["warnings"][0]
    fresh = csr_api.post("/customers", {"name": "Nobody Known", "phones": ["737 201 0009"]}).json()
    assert fresh["matches"] == {"customers": []} and fresh["warnings"] == []


def test_the_new_customer_page_asks_before_creating_a_duplicate(client):
    client.force_login(make_employee(Role.CSR).user)
    anh = _customer()
    form = {"name": "Anh S", "type": "residential", "phone": "(512) 555-0142", "email": ""}
    r = client.post(reverse("customer_new"), form)
    assert r.status_code == 200
    html = r.content.decode()
    assert "Use Anh Smith instead?" in html
    assert reverse("customer_detail", args=[anh.pk]) in html
    assert 'value="Anh S"' in html  # what was typed is kept
    assert Customer.objects.count() == 1
    r = client.post(reverse("customer_new"), {**form, "confirm_duplicate": "1"})
    assert r.status_code == 302
    assert Customer.objects.count() == 2


# ---- merge -------------------------------------------------------------------------------------


def test_merging_moves_contacts_locations_leads_jobs_and_calls(csr_api):
    keep = _customer("Anh Smith", "+15125550142")
    gone = _customer("Anh Smyth", "+15125550142")  # the same phone, typed twice
    ContactPoint.objects.create(customer=gone, kind="email", value="anh@example.com")
    gone.tags.add(TagFactory(name="Gate code"))
    gone_location = gone.locations.get()
    keep_location = keep.locations.get()
    job = book_job(location=gone_location)
    lead = LeadFactory(customer=gone, location=gone_location)
    call = play_call(agent=make_employee(Role.CSR))
    call.customer = gone
    call.save()

    r = csr_api.post(f"/customers/{keep.pk}/merge", {"other_customer_id": gone.pk})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["id"] == keep.pk
    assert body["phones"] == ["+15125550142"]  # one copy of the shared phone
    assert body["emails"] == ["anh@example.com"]
    assert {loc["id"] for loc in body["locations"]} == {keep_location.pk, gone_location.pk}
    job.refresh_from_db()
    lead.refresh_from_db()
    call.refresh_from_db()
    assert job.customer_id == lead.customer_id == call.customer_id == keep.pk
    assert [t.name for t in keep.tags.all()] == ["Gate code"]
    assert not Customer.objects.filter(pk=gone.pk).exists()
    assert csr_api.get(f"/customers/{gone.pk}").status_code == 404
    assert [c["id"] for c in csr_api.get("/customers", {"q": "Anh"}).json()["items"]] == [keep.pk]
    entry = AuditEntry.objects.get(entity="customer", entity_id=keep.pk, action="merged")
    assert entry.changes["other"] == gone.pk and entry.employee == csr_api.employee
    assert entry.changes["moved"]["jobs"] == 1 and entry.changes["moved"]["leads"] == 1

    # A retry of the same merge changes nothing and still answers the kept customer.
    again = csr_api.post(f"/customers/{keep.pk}/merge", {"other_customer_id": gone.pk})
    assert again.status_code == 200 and again.json()["id"] == keep.pk
    assert AuditEntry.objects.filter(action="merged").count() == 1


def test_merging_refuses_itself_an_unknown_customer_and_a_technician(csr_api, api_as):
    keep = _customer()
    r = csr_api.post(f"/customers/{keep.pk}/merge", {"other_customer_id": keep.pk})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "other_customer_id"
    r = csr_api.post(f"/customers/{keep.pk}/merge", {"other_customer_id": 987654})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "other_customer_id"
    other = CustomerFactory()
    r = api_as(Role.TECHNICIAN).post(f"/customers/{keep.pk}/merge", {"other_customer_id": other.pk})
    assert r.status_code == 403
    assert Customer.objects.filter(pk=other.pk).exists()


def test_an_old_link_to_a_merged_customer_lands_on_the_kept_one(client):
    client.force_login(make_employee(Role.CSR).user)
    keep, gone = CustomerFactory(), CustomerFactory()
    customer_merge(actor=Actor(), customer=keep, other=gone)
    r = client.get(reverse("customer_detail", args=[gone.pk]))
    assert r.status_code == 302 and r["Location"] == reverse("customer_detail", args=[keep.pk])
    assert client.get(reverse("customer_detail", args=[999999])).status_code == 404


# ---- the pages ---------------------------------------------------------------------------------


@pytest.fixture
def csr_client(client):
    employee = make_employee(Role.CSR, name="Jasmine Carter")
    client.force_login(employee.user)
    return client


def test_the_edit_page_keeps_what_was_typed_and_names_the_field(csr_client):
    c = _customer()
    url = reverse("customer_edit", args=[c.pk])
    page = csr_client.get(url)
    assert page.status_code == 200 and "(512) 555-0142" in page.content.decode()
    r = csr_client.post(url, {"name": "", "type": "residential", "phones": "512 555 0142\n12", "emails": ""})
    assert r.status_code == 422
    html = r.content.decode()
    assert "Name is required" in html
    assert "&#x27;12&#x27; is not a" in html
    assert "512 555 0142\n12" in html
    r = csr_client.post(
        url, {"name": "Anh Nguyen", "type": "residential", "phones": "512 555 0142", "emails": ""}
    )
    assert r.status_code == 302
    detail = csr_client.get(reverse("customer_detail", args=[c.pk])).content.decode()
    assert "Changed name Anh Smith → Anh Nguyen" in detail and "Jasmine Carter" in detail


def test_the_location_pages_edit_retire_and_restore(csr_client):
    loc = LocationFactory(street="1 Oak St")
    c = loc.customer
    r = csr_client.post(
        reverse("customer_location_edit", args=[c.pk, loc.pk]),
        {"street": "", "unit": "", "city": "Austin", "state": "TX", "zip": "78701"},
    )
    assert r.status_code == 422 and "Street is required for a service location" in r.content.decode()
    r = csr_client.post(reverse("customer_location_retire", args=[c.pk, loc.pk]), {"retired": "1"})
    assert r.status_code == 302
    loc.refresh_from_db()
    assert loc.retired
    html = csr_client.get(reverse("customer_detail", args=[c.pk])).content.decode()
    assert "Retired location" in html and "Book job at 1 Oak St" not in html
    other = LocationFactory()
    r = csr_client.post(reverse("customer_location_retire", args=[c.pk, other.pk]), {"retired": "1"})
    assert r.status_code == 404
    other.refresh_from_db()
    assert not other.retired


def test_the_merge_page_shows_what_moves_and_merges(csr_client):
    keep = _customer("Anh Smith")
    gone = _customer("Anh Smyth")
    book_job(location=gone.locations.get())
    url = reverse("customer_merge", args=[keep.pk])
    page = csr_client.get(url).content.decode()
    assert "Anh Smyth" in page  # suggested: the same phone
    confirm = csr_client.get(url, {"other": gone.pk}).content.decode()
    assert "Merge Anh Smyth into Anh Smith?" in confirm and "1 jobs" in confirm
    r = csr_client.post(url, {"other": gone.pk})
    assert r.status_code == 302
    assert not Customer.objects.filter(pk=gone.pk).exists()
    assert Location.objects.filter(customer=keep).count() == 2
    r = csr_client.post(url, {"other": keep.pk})
    assert r.status_code == 422
