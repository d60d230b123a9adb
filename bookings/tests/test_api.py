import pytest
from django.db import connection

from accounts.models import ApiKey, Role
from accounts.tests.factories import EmployeeFactory, IntegrationFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory, CampaignRuleFactory
from catalog.tests.factories import CampaignFactory
from conftest import ApiClient
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "external_id": "angi-1001",
        "channel": "partner",
        "contact": {
            "name": "Dana Reyes",
            "phone": "(512) 555-0142",
            "email": "Dana@Example.com",
            "street": "12 Oak St",
            "city": "Austin",
            "state": "TX",
            "zip": "78701",
        },
        "summary": "Water heater leaking",
        "requested_window": "8-12",
        "attribution": {"utm_source": "google", "utm_medium": "cpc", "gclid": "abc123"},
    }
    data.update(overrides)
    return data


def test_it_creates_a_booking_from_a_partner(integration_api, django_assert_max_num_queries):
    campaign = CampaignFactory()
    EmployeeFactory.create_batch(2, role=Role.CSR)
    # Key, campaign; then the INSERT and the queue's CSRs told (one INSERT … SELECT of them
    # all): on PostgreSQL one statement, in a savepoint pair here only because the test runs
    # in a transaction (test_a_new_booking_is_one_statement_on_postgresql pins it without).
    # It was 11 when the notice had a transaction of its own and was counted, 9 when the CSRs
    # were read first, 8 with the INSERT and the notice sent apart, 7 with a lookup for a
    # re-send first.
    with django_assert_max_num_queries(6 if connection.vendor == "postgresql" else 7):
        r = integration_api.post("/bookings", body(campaign_id=campaign.pk))
    assert r.status_code == 201, r.content
    data = r.json()
    # An integration is never told whether the person is a customer.
    assert data["status"] == "new" and data["marker"] is None
    assert data["contact"]["phone"] == "+15125550142"
    assert data["contact"]["email"] == "dana@example.com"
    assert data["attribution"]["gclid"] == "abc123"
    booking = Booking.objects.get()
    assert booking.integration == integration_api.integration
    assert booking.campaign == campaign
    assert booking.raw_payload["external_id"] == "angi-1001"
    told = Notification.objects.filter(kind="booking_new", url=f"/bookings/{booking.pk}/")
    assert told.count() == 2


def test_a_booking_reads_no_configuration_while_none_has_changed(
    integration_api, django_assert_max_num_queries
):
    campaign = CampaignFactory()
    first = integration_api.post("/bookings", body(campaign_id=campaign.pk, external_id="angi-1"))
    assert first.status_code == 201
    # Key (with the configuration generation), a savepoint pair (the test's transaction),
    # the INSERT and the queue told (one statement on PostgreSQL): the campaign was read by
    # the first booking and has not changed (core.generation).
    with django_assert_max_num_queries(4 if connection.vendor == "postgresql" else 5):
        r = integration_api.post("/bookings", body(campaign_id=campaign.pk, external_id="angi-2"))
    assert r.status_code == 201 and r.json()["campaign_id"] == campaign.pk


@pytest.mark.django_db(transaction=True)
def test_it_returns_the_same_booking_when_re_sent(integration_api, django_assert_max_num_queries):
    EmployeeFactory(role=Role.CSR)
    first = integration_api.post("/bookings", body())
    assert first.status_code == 201
    # Key, the write that meets the unique constraint (on SQLite in a transaction:
    # BEGIN, the INSERT, ROLLBACK), the stored booking. A new booking is written
    # without looking first; a re-send (rare) pays for the failed write instead.
    with django_assert_max_num_queries(3 if connection.vendor == "postgresql" else 5):
        again = integration_api.post("/bookings", body(summary="changed"))
    assert again.status_code == 200
    assert again.json() == {**first.json(), "summary": "Water heater leaking"}
    assert Booking.objects.count() == 1
    # Told once, about the first.
    assert Notification.objects.filter(kind="booking_new").count() == 1


def test_a_re_sent_booking_is_answered_even_when_what_it_named_changed_since(integration_api):
    """A partner retrying an old request is not refused because a campaign it
    named was switched off since: the booking was accepted, and stays."""
    campaign = CampaignFactory()
    first = integration_api.post("/bookings", body(campaign_id=campaign.pk))
    assert first.status_code == 201
    campaign.active = False
    campaign.save()
    again = integration_api.post("/bookings", body(campaign_id=campaign.pk))
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    # A new booking naming it is refused, naming the field.
    other = integration_api.post("/bookings", body(campaign_id=campaign.pk, external_id="angi-2"))
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "campaign_id"
    assert Booking.objects.count() == 1


def test_it_keeps_external_ids_apart_per_integration(integration_api):
    other = IntegrationFactory()
    _, raw = ApiKey.issue(integration=other)
    assert integration_api.post("/bookings", body()).status_code == 201
    assert ApiClient(raw, integration=other).post("/bookings", body()).status_code == 201
    assert Booking.objects.count() == 2


def test_it_names_the_bad_fields(integration_api):
    bad = body(channel="fax", contact={"name": "X", "phone": "12", "email": "nope"})
    r = integration_api.post("/bookings", bad)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"channel"}
    r = integration_api.post("/bookings", body(contact={"name": "X", "phone": "12", "email": "nope"}))
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"contact.phone", "contact.email"}
    r = integration_api.post("/bookings", body(contact={"name": "No way to reach"}))
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} == {"contact.phone", "contact.email"}
    r = integration_api.post("/bookings", body(campaign_id=999999))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "campaign_id"
    r = integration_api.post("/bookings", {"contact": {}})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "external_id"
    assert not Booking.objects.exists()


def test_it_refuses_malformed_json(integration_api):
    r = integration_api.post("/bookings", raw=b'{"external_id": ')
    assert r.status_code == 400
    assert r.json()["code"] == "malformed"
    assert not Booking.objects.exists()


def test_it_refuses_an_oversized_body(integration_api):
    r = integration_api.post("/bookings", body(junk="x" * 70_000))
    assert r.status_code == 413
    assert r.json()["code"] == "too_large"
    assert not Booking.objects.exists()


def test_it_refuses_a_body_over_the_site_limit(integration_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    r = integration_api.post("/bookings", body(summary="x" * 2000))
    assert r.status_code == 413
    assert not Booking.objects.exists()


def test_it_resolves_the_campaign_from_utm_rules(integration_api):
    integration = integration_api.integration
    facebook = CampaignRuleFactory(integration=integration, position=1, utm_source="facebook")
    google = CampaignRuleFactory(integration=integration, position=2, utm_source="Google", utm_medium="cpc")
    fallback = CampaignRuleFactory(integration=integration, position=3)
    r = integration_api.post("/bookings", body())
    assert r.json()["campaign_id"] == google.campaign_id
    r = integration_api.post("/bookings", body(external_id="2", attribution={"utm_source": "facebook"}))
    assert r.json()["campaign_id"] == facebook.campaign_id
    r = integration_api.post("/bookings", body(external_id="3", attribution={}))
    assert r.json()["campaign_id"] == fallback.campaign_id
    named = CampaignFactory()
    r = integration_api.post("/bookings", body(external_id="4", campaign_id=named.pk))
    assert r.json()["campaign_id"] == named.pk


def test_it_needs_an_integration_key_to_post(csr_api, anon_api):
    assert csr_api.post("/bookings", body()).status_code == 403
    assert anon_api.post("/bookings", body()).status_code == 401
    assert not Booking.objects.exists()


def test_it_hides_another_integrations_booking(integration_api):
    theirs = BookingFactory()
    mine = BookingFactory(integration=integration_api.integration)
    assert integration_api.get(f"/bookings/{theirs.pk}").status_code == 403
    assert integration_api.get(f"/bookings/{mine.pk}").status_code == 200
    listed = integration_api.get("/bookings").json()["items"]
    assert [b["id"] for b in listed] == [mine.pk]
    for action in ("accept", "convert", "dismiss"):
        assert integration_api.post(f"/bookings/{mine.pk}/{action}", {"reason_id": 1}).status_code == 403
    assert Booking.objects.get(pk=mine.pk).status == "new"


def test_it_lists_bookings_for_staff_with_filters(csr_api, api_as):
    old = BookingFactory(channel="email")
    new = BookingFactory()
    BookingFactory(
        status="dismissed",
        dismiss_reason=__import__("catalog.tests.factories").tests.factories.CallReasonFactory(),
    )
    r = csr_api.get("/bookings", {"status": "new"})
    assert [b["id"] for b in r.json()["items"]] == [new.pk, old.pk]
    r = csr_api.get("/bookings", {"channel": "email"})
    assert [b["id"] for b in r.json()["items"]] == [old.pk]
    r = csr_api.get("/bookings", {"status": "new", "limit": 1})
    page2 = csr_api.get("/bookings", {"status": "new", "limit": 1, "cursor": r.json()["next_cursor"]})
    assert [b["id"] for b in page2.json()["items"]] == [old.pk]
    assert api_as("technician").get("/bookings").status_code == 403


def test_it_reads_email_into_a_booking_once(integration_api):
    raw = (
        b"From: Pat Moreno <pat@example.com>\r\n"
        b"To: service@acme-hvac.test\r\n"
        b"Subject: Furnace making noise\r\n"
        b"Message-ID: <abc-123@mail.example.com>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Hi, our furnace bangs when it starts. Call me at 512-555-0199.\r\nPat\r\n"
    )
    client = integration_api.client
    headers = {"Authorization": f"Bearer {integration_api.key}"}
    r = client.post("/api/v1/inbound-email", data=raw, content_type="message/rfc822", headers=headers)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["channel"] == "email"
    assert data["contact"] == {
        **data["contact"],
        "name": "Pat Moreno",
        "email": "pat@example.com",
        "phone": "+15125550199",
    }
    assert data["summary"].startswith("Furnace making noise\n\nHi, our furnace bangs")
    again = client.post("/api/v1/inbound-email", data=raw, content_type="message/rfc822", headers=headers)
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    booking = Booking.objects.get()
    assert booking.external_id == "abc-123@mail.example.com"
    assert "Furnace making noise" in booking.raw_payload["rfc822"]


def test_it_refuses_an_empty_email(integration_api):
    r = integration_api.client.post(
        "/api/v1/inbound-email",
        data=b"",
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {integration_api.key}"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "body"
    assert not Booking.objects.exists()


def test_it_documents_the_booking_operations(anon_api):
    paths = anon_api.get("/openapi.json").json()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/bookings"])
    assert "message/rfc822" in paths["/api/v1/inbound-email"]["post"]["requestBody"]["content"]
    for action in ("accept", "convert", "dismiss"):
        assert "post" in paths[f"/api/v1/bookings/{{booking_id}}/{action}"]


def test_it_does_not_tell_an_integration_whether_a_customer_matches(integration_api, csr_api):
    from customers.tests.factories import PhoneFactory

    PhoneFactory(value="+15125550142")
    r = integration_api.post("/bookings", body(campaign_id=CampaignFactory().pk))
    assert r.status_code == 201 and r.json()["marker"] is None
    assert integration_api.get(f"/bookings/{r.json()['id']}").json()["marker"] is None
    # A CSR sees that the caller is already a customer.
    assert csr_api.get(f"/bookings/{r.json()['id']}").json()["marker"] is None
    other = integration_api.post(
        "/bookings", body(external_id="other-1", contact={"name": "New", "phone": "512-867-5309"})
    )
    assert csr_api.get(f"/bookings/{other.json()['id']}").json()["marker"] == "Lead"


@pytest.mark.django_db(transaction=True)
def test_a_new_booking_is_one_statement_on_postgresql(integration_api, django_assert_max_num_queries):
    """Outside a transaction (as a request without an Idempotency-Key is), a new
    booking and the queue's notice are written by one statement on PostgreSQL,
    with no BEGIN or COMMIT; elsewhere the two INSERTs in a transaction."""
    csrs = EmployeeFactory.create_batch(2, role=Role.CSR)
    EmployeeFactory(role=Role.CSR, active=False)
    EmployeeFactory(role=Role.TECHNICIAN)
    campaign = CampaignFactory()
    assert (
        integration_api.post("/bookings", body(campaign_id=campaign.pk, external_id="a-1")).status_code == 201
    )
    # Key (with the configuration generation) and the write (SQLite: BEGIN, the two
    # INSERTs, COMMIT). It was 6 on PostgreSQL with a re-send lookup, BEGIN, the two
    # INSERTs and COMMIT, and 3 with the lookup and one statement.
    with django_assert_max_num_queries(2 if connection.vendor == "postgresql" else 5):
        r = integration_api.post("/bookings", body(campaign_id=campaign.pk, external_id="a-2"))
    assert r.status_code == 201
    booking = Booking.objects.get(external_id="a-2")
    told = Notification.objects.filter(key=f"booking_new:{booking.pk}")
    assert sorted(told.values_list("employee_id", flat=True)) == sorted(e.pk for e in csrs)
    assert {(n.url, n.kind, n.text) for n in told} == {
        (f"/bookings/{booking.pk}/", "booking_new", "New partner booking: Dana Reyes")
    }


def test_a_posted_bookings_answer_is_the_booking_as_it_reads_back(integration_api):
    """The answer of POST /bookings is built as a plain dict (core.schemas.answer_of):
    it must say exactly what GET /bookings/{id} says of the same booking."""
    campaign = CampaignFactory()
    posted = integration_api.post("/bookings", body(campaign_id=campaign.pk))
    assert posted.status_code == 201, posted.content
    read = integration_api.get(f"/bookings/{posted.json()['id']}")
    assert read.status_code == 200
    assert posted.json() == read.json()
    assert posted.json()["attribution"]["utm_medium"] == "cpc"
    assert posted.json()["contact"]["street"] == "12 Oak St"
