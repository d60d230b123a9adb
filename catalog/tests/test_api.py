import pytest

from catalog.models import BusinessUnit, CallReason, Campaign, JobType, TrackingNumber
from catalog.tests.factories import BusinessUnitFactory, CampaignFactory, JobTypeFactory

pytestmark = pytest.mark.django_db


def test_it_creates_a_business_unit_as_admin(admin_api):
    r = admin_api.post("/business-units", {"name": "HVAC Service"})
    assert r.status_code == 201, r.content
    assert r.json()["name"] == "HVAC Service"
    assert BusinessUnit.objects.filter(name="HVAC Service", active=True).exists()


def test_it_refuses_reference_writes_from_a_csr(csr_api):
    r = csr_api.post("/call-reasons", {"name": "New install", "is_lead": True})
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden"
    assert not CallReason.objects.exists()


def test_it_lets_a_csr_read_reference_data(csr_api):
    BusinessUnitFactory(name="Plumbing Service")
    r = csr_api.get("/business-units")
    assert r.status_code == 200
    assert [u["name"] for u in r.json()["items"]] == ["Plumbing Service"]


def test_it_requires_a_key(anon_api):
    r = anon_api.get("/business-units")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"


def test_it_rejects_a_revoked_key(admin_api):
    admin_api.employee.api_keys.get().revoke()
    assert admin_api.get("/business-units").status_code == 401


def test_it_refuses_an_integration_reading_reference_data(integration_api):
    r = integration_api.get("/campaigns")
    assert r.status_code == 403


def test_it_creates_a_job_type_in_business_units(admin_api):
    unit = BusinessUnitFactory()
    r = admin_api.post(
        "/job-types",
        {
            "name": "AC Repair",
            "business_unit_ids": [unit.pk],
            "default_priority": "high",
            "sold_threshold": "250.00",
        },
    )
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["business_unit_ids"] == [unit.pk]
    assert body["sold_threshold"] == "250.00"
    assert JobType.objects.get().default_priority == "high"


def test_it_names_an_unknown_business_unit(admin_api):
    r = admin_api.post("/job-types", {"name": "AC Repair", "business_unit_ids": [999]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "business_unit_ids"
    assert not JobType.objects.exists()


def test_it_names_a_bad_priority(admin_api):
    unit = BusinessUnitFactory()
    r = admin_api.post(
        "/job-types", {"name": "X", "business_unit_ids": [unit.pk], "default_priority": "asap"}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "default_priority"


def test_it_names_a_missing_field(admin_api):
    r = admin_api.post("/job-types", {"business_unit_ids": [1]})
    assert r.status_code == 422
    assert {"field": "name", "message": "is required"} in r.json()["errors"]


def test_it_answers_malformed_json_with_400(admin_api):
    r = admin_api.post("/business-units", raw=b"{not json")
    assert r.status_code == 400
    assert r.json()["code"] == "malformed"


def test_it_refuses_a_duplicate_name(admin_api):
    BusinessUnitFactory(name="HVAC")
    r = admin_api.post("/business-units", {"name": "hvac"})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "name"


def test_it_stores_tracking_numbers_in_e164(admin_api):
    r = admin_api.post(
        "/campaigns",
        {
            "name": "Google Ads",
            "category": "paid_search",
            "tracking_numbers": ["(512) 555-0142"],
            "monthly_cost": "1500",
        },
    )
    assert r.status_code == 201, r.content
    assert r.json()["tracking_numbers"] == ["+15125550142"]
    assert r.json()["monthly_cost"] == "1500.00"
    assert TrackingNumber.objects.get().number == "+15125550142"


def test_it_refuses_a_tracking_number_of_another_campaign(admin_api):
    other = CampaignFactory(name="Radio")
    TrackingNumber.objects.create(campaign=other, number="+15125550142")
    r = admin_api.post("/campaigns", {"name": "Google Ads", "tracking_numbers": ["512-555-0142"]})
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "duplicate_tracking_number"
    assert "Radio" in body["detail"]
    assert not Campaign.objects.filter(name="Google Ads").exists()


def test_it_never_reuses_a_number_taken_off_a_campaign(admin_api):
    first = admin_api.post("/campaigns", {"name": "Radio", "tracking_numbers": ["512-555-0142"]}).json()
    assert (
        admin_api.patch(f"/campaigns/{first['id']}", {"tracking_numbers": []}).json()["tracking_numbers"]
        == []
    )
    r = admin_api.post("/campaigns", {"name": "Yard signs", "tracking_numbers": ["512-555-0142"]})
    assert r.status_code == 409


def test_it_names_an_unparsable_tracking_number(admin_api):
    r = admin_api.post("/campaigns", {"name": "Radio", "tracking_numbers": ["512-555-0142", "call us"]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "tracking_numbers[1]"
    assert not Campaign.objects.exists()


def test_it_refuses_an_inactive_business_unit_on_a_campaign(admin_api):
    unit = BusinessUnitFactory(active=False)
    r = admin_api.post("/campaigns", {"name": "Radio", "business_unit_id": unit.pk})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "business_unit_id"
    assert r.json()["code"] == "inactive_reference"


def test_it_refuses_a_guide_whose_job_type_is_outside_its_unit(admin_api):
    job_type = JobTypeFactory()
    other_unit = BusinessUnitFactory()
    r = admin_api.post(
        "/booking-guides",
        {
            "kind": "lead",
            "name": "Furnace",
            "script": "Ask",
            "business_unit_id": other_unit.pk,
            "job_type_id": job_type.pk,
        },
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "job_type_id"


def test_it_patches_a_call_reason(admin_api):
    reason = admin_api.post("/call-reasons", {"name": "Wrong number"}).json()
    r = admin_api.patch(f"/call-reasons/{reason['id']}", {"active": False})
    assert r.status_code == 200
    assert r.json() == {
        "id": reason["id"],
        "name": "Wrong number",
        "is_lead": False,
        "dismisses": False,
        "active": False,
    }


def test_it_pages_with_a_cursor(admin_api):
    for i in range(5):
        BusinessUnitFactory(name=f"Unit {i}")
    first = admin_api.get("/business-units", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = admin_api.get("/business-units", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [u["name"] for u in second["items"]] == ["Unit 2", "Unit 3"]
    assert admin_api.get("/business-units", {"cursor": "garbage!"}).status_code == 422
    assert admin_api.get("/business-units", {"limit": 500}).status_code == 422


def test_it_serves_the_openapi_document(anon_api):
    r = anon_api.client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in [
        "/api/v1/business-units",
        "/api/v1/job-types",
        "/api/v1/campaigns",
        "/api/v1/call-reasons",
        "/api/v1/tags",
        "/api/v1/employees",
        "/api/v1/booking-guides",
        "/api/v1/customers",
        "/api/v1/jobs",
    ]:
        assert path in paths, path
