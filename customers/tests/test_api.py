import pytest

from customers.models import ContactPoint, Customer, Location
from customers.tests.factories import CustomerFactory, LocationFactory, PhoneFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_customer_with_normalised_contacts(csr_api):
    r = csr_api.post(
        "/customers",
        {
            "name": "Dana Whitfield",
            "phones": ["(512) 555-0142"],
            "emails": ["Dana@Example.COM"],
            "locations": [{"street": "12 Elm St", "city": "Austin", "state": "TX", "zip": "78701"}],
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["phones"] == ["+15125550142"]
    assert body["emails"] == ["dana@example.com"]
    assert body["locations"][0]["street"] == "12 Elm St"
    assert ContactPoint.objects.filter(value="+15125550142").exists()


def test_it_names_an_unparsable_phone_and_writes_nothing(csr_api):
    r = csr_api.post(
        "/customers",
        {
            "name": "X",
            "phones": ["not a phone"],
            "locations": [{"street": "1 A St", "city": "Austin", "state": "TX", "zip": "78701"}],
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "phones[0]"
    assert not Customer.objects.exists() and not Location.objects.exists()


def test_it_names_every_missing_address_part(csr_api):
    r = csr_api.post(
        "/customers", {"name": "X", "locations": [{"street": "", "city": "Austin", "state": "", "zip": "1"}]}
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"locations[0].street", "locations[0].state"}


def test_it_finds_customers_by_phone_in_any_format(csr_api):
    phone = PhoneFactory(value="+15125550142")
    CustomerFactory(name="Someone Else")
    for query in ["512-555-0142", "(512) 555 0142", "+1 512 555 0142"]:
        r = csr_api.get("/customers", {"q": query})
        assert [c["id"] for c in r.json()["items"]] == [phone.customer_id], query


def test_it_finds_customers_by_name_email_and_street(csr_api):
    c = CustomerFactory(name="Dana Whitfield")
    ContactPoint.objects.create(customer=c, kind="email", value="dana@example.com")
    LocationFactory(customer=c, street="4411 Red River St")
    assert csr_api.get("/customers", {"q": "whitf"}).json()["items"][0]["id"] == c.pk
    assert csr_api.get("/customers", {"email": "DANA@example.com"}).json()["items"][0]["id"] == c.pk
    assert csr_api.get("/customers", {"q": "red river"}).json()["items"][0]["id"] == c.pk


def test_it_adds_a_location(csr_api):
    c = CustomerFactory()
    r = csr_api.post(
        f"/customers/{c.pk}/locations",
        {"street": "9 Pine Rd", "city": "Round Rock", "state": "TX", "zip": "78664"},
    )
    assert r.status_code == 201
    assert c.locations.get().city == "Round Rock"
    bad = csr_api.post(
        f"/customers/{c.pk}/locations", {"street": "", "city": "Round Rock", "state": "TX", "zip": "78664"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "street"
    assert (
        csr_api.post(
            "/customers/999/locations", {"street": "9", "city": "a", "state": "TX", "zip": "1"}
        ).status_code
        == 404
    )


def test_it_refuses_customers_to_a_technician(api_as):
    assert api_as("technician").get("/customers").status_code == 403
