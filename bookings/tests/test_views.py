import pytest
from django.test import Client

from accounts.models import Role
from accounts.tests.factories import IntegrationFactory
from bookings.models import Booking, PublicFormHit
from bookings.tests.factories import BookingFactory
from catalog.tests.factories import CallReasonFactory, CampaignFactory, JobTypeFactory
from conftest import make_employee
from customers.models import Customer
from customers.tests.factories import LocationFactory, PhoneFactory
from jobs.models import Job
from leads.models import Lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def csr_client():
    employee = make_employee(Role.CSR)
    client = Client()
    client.force_login(employee.user)
    return client


@pytest.fixture
def form_integration():
    return IntegrationFactory(slug="website", name="Website", booking_form_enabled=True)


def form_data(**overrides):
    data = {
        "token": "tok-1",
        "name": "Sam Lee",
        "phone": "512-555-0177",
        "email": "sam@example.com",
        "street": "9 Pine Rd",
        "city": "Austin",
        "state": "TX",
        "zip": "78703",
        "description": "No heat",
        "utm_source": "google",
        "utm_campaign": "winter",
        "gclid": "g-1",
        "landing_page": "https://acme.test/heating?utm_source=google",
        "referrer": "https://www.google.com/",
    }
    data.update(overrides)
    return data


def test_it_shows_the_queue_newest_first_with_the_lead_marker(csr_client):
    matched = BookingFactory(phone="+15126339000", name="Known Customer")
    PhoneFactory(value="+15126339000")
    unknown = BookingFactory(name="Brand New")
    BookingFactory(name="Old News", status="dismissed", dismiss_reason=CallReasonFactory())
    r = csr_client.get("/bookings/")
    assert r.status_code == 200
    html = r.content.decode()
    assert html.index("Brand New") < html.index("Known Customer")
    assert "Old News" not in html
    row = html[html.index("Brand New") - 300 : html.index("Brand New")]
    assert "marker-lead" in row
    known_row = html[html.index("Known Customer") - 300 : html.index("Known Customer")]
    assert "marker-lead" not in known_row
    assert unknown.integration.name in html and matched.pk


def test_it_keeps_the_queue_to_lead_workers(db):
    tech = make_employee(Role.TECHNICIAN)
    client = Client()
    client.force_login(tech.user)
    assert client.get("/bookings/").status_code == 403
    assert Client().get("/bookings/").status_code == 302


def test_it_shows_a_booking_with_its_matched_customers(csr_client):
    location = LocationFactory()
    PhoneFactory(customer=location.customer, value="+15126339001")
    booking = BookingFactory(phone="+15126339001")
    r = csr_client.get(f"/bookings/{booking.pk}/")
    assert r.status_code == 200
    assert location.customer.name in r.content.decode()
    assert location.street in r.content.decode()


def test_it_accepts_from_the_page(csr_client):
    booking = BookingFactory()
    job_type = JobTypeFactory()
    r = csr_client.post(
        f"/bookings/{booking.pk}/accept/",
        {
            "customer": "new",
            "customer_name": booking.name,
            "location": "new",
            "street": booking.street,
            "city": booking.city,
            "state": booking.state,
            "zip": booking.zip,
            "business_unit_id": job_type.business_units.first().pk,
            "job_type_id": job_type.pk,
            "priority": "high",
            "start": "2030-05-01T09:30",
        },
    )
    job = Job.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/jobs/{job.pk}/"
    assert job.priority == "high" and job.customer.name == booking.name
    assert Booking.objects.get(pk=booking.pk).status == "accepted"


def test_it_keeps_what_was_typed_when_accept_fails(csr_client):
    booking = BookingFactory()
    r = csr_client.post(
        f"/bookings/{booking.pk}/accept/",
        {
            "customer": "new",
            "customer_name": "Typed Name",
            "location": "new",
            "street": "1 Typed St",
            "zip": "",
        },
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert 'value="Typed Name"' in html and 'value="1 Typed St"' in html
    assert "is required for a service location" in html
    assert not Customer.objects.exists() and not Job.objects.exists()


def test_it_converts_and_dismisses_from_the_page(csr_client):
    booking = BookingFactory(campaign=None)
    campaign = CampaignFactory()
    r = csr_client.post(f"/bookings/{booking.pk}/convert/", {"campaign_id": campaign.pk})
    assert r.status_code == 302
    assert Lead.objects.get().booking == booking
    other = BookingFactory()
    r = csr_client.post(f"/bookings/{other.pk}/dismiss/", {"reason_id": ""})
    assert r.status_code == 422 and "is required to dismiss" in r.content.decode()
    reason = CallReasonFactory(name="Wrong number", is_lead=False)
    r = csr_client.post(f"/bookings/{other.pk}/dismiss/", {"reason_id": reason.pk, "note": "not us"})
    assert r.status_code == 302
    assert Booking.objects.get(pk=other.pk).status == "dismissed"


def test_it_serves_the_public_form_with_attribution_and_embedding(form_integration):
    r = Client().get(
        "/book/website/?utm_source=google&utm_medium=cpc&gclid=xyz",
        headers={"Referer": "https://www.google.com/"},
    )
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="utm_source" value="google"' in html and 'name="gclid" value="xyz"' in html
    assert 'name="referrer" value="https://www.google.com/"' in html
    assert "/book/website/?utm_source=google" in html
    assert "X-Frame-Options" not in r.headers


def test_it_404s_for_an_integration_without_a_form(db):
    IntegrationFactory(slug="angi")
    assert Client().get("/book/angi/").status_code == 404


def test_it_books_from_the_public_form_once(form_integration):
    client = Client(enforce_csrf_checks=True)
    r = client.post("/book/website/", form_data())
    assert r.status_code == 200 and "Thank you" in r.content.decode()
    again = client.post("/book/website/", form_data())
    assert again.status_code == 200
    booking = Booking.objects.get()
    assert booking.channel == "online" and booking.integration == form_integration
    assert booking.phone == "+15125550177" and booking.requested_start is None
    assert booking.utm_source == "google" and booking.gclid == "g-1"
    assert booking.landing_page.startswith("https://acme.test/heating")


def test_it_names_missing_fields_on_the_public_form(form_integration):
    r = Client().post("/book/website/", form_data(name="", phone="12", zip=""))
    assert r.status_code == 422
    html = r.content.decode()
    assert html.count('class="field-error"') == 2 and 'value="9 Pine Rd"' in html
    assert not Booking.objects.exists()


def test_it_drops_honeypot_submissions_silently(form_integration):
    r = Client().post("/book/website/", form_data(company_website="http://spam.example"))
    assert r.status_code == 200 and "Thank you" in r.content.decode()
    assert not Booking.objects.exists()
    assert PublicFormHit.objects.count() == 1


def test_it_rate_limits_each_client(form_integration, settings):
    settings.LEADLINE_BOOKING_FORM_RATE = (2, 3600)
    client = Client()
    assert client.post("/book/website/", form_data(token="a")).status_code == 200
    assert client.post("/book/website/", form_data(token="b")).status_code == 200
    r = client.post("/book/website/", form_data(token="c"))
    assert r.status_code == 429 and "Too many" in r.content.decode()
    assert Booking.objects.count() == 2
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/book/website/", form_data(token="d")).status_code == 200


def test_it_limits_the_booking_form_per_visitor_behind_a_proxy(form_integration, settings):
    settings.LEADLINE_BOOKING_FORM_RATE = (1, 3600)
    settings.LEADLINE_TRUSTED_PROXIES = ["127.0.0.1"]
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    first = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    assert proxy.post("/book/website/", form_data(token="a"), **first).status_code == 200
    assert proxy.post("/book/website/", form_data(token="b"), **first).status_code == 429
    # Another visitor behind the same proxy has its own bucket...
    other = {"HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    assert proxy.post("/book/website/", form_data(token="c"), **other).status_code == 200
    # ...and the first cannot escape its own by writing a forged hop in front.
    spoof = {"HTTP_X_FORWARDED_FOR": "192.0.2.1, 203.0.113.7"}
    assert proxy.post("/book/website/", form_data(token="d"), **spoof).status_code == 429


def test_it_keeps_one_bucket_for_a_direct_client_that_spoofs_the_header(form_integration, settings):
    settings.LEADLINE_BOOKING_FORM_RATE = (1, 3600)
    settings.LEADLINE_TRUSTED_PROXIES = ["127.0.0.1"]
    direct = Client(REMOTE_ADDR="198.51.100.50")
    assert (
        direct.post("/book/website/", form_data(token="a"), HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 200
    )
    r = direct.post("/book/website/", form_data(token="b"), HTTP_X_FORWARDED_FOR="2.2.2.2")
    assert r.status_code == 429
