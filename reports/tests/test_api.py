import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from catalog.tests.factories import CampaignFactory
from reports.tests.factories import at, make_call, make_job, make_lead

pytestmark = pytest.mark.django_db

RANGE = {"from": "2025-03-01", "to": "2025-03-31"}


@pytest.fixture
def manager_api(api_as):
    return api_as("manager")


@pytest.fixture
def data():
    campaign = CampaignFactory(name="Google Ads", monthly_cost=Decimal("3043.75"))
    make_call(at(date(2025, 3, 3)), classification="booked", campaign=campaign, from_number="+15125550111")
    make_call(at(date(2025, 3, 3), 9), classification="abandoned", duration=75, campaign=campaign)
    make_lead(at(date(2025, 3, 3)), campaign=campaign)
    make_job(at(date(2025, 3, 4)), campaign=campaign, amount=Decimal("120.50"))
    return campaign


def test_it_serves_the_campaign_report_as_json(manager_api, data):
    response = manager_api.get("/reports/campaigns", RANGE)
    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"], body["days"]) == ("2025-03-01", "2025-03-31", 31)
    row = next(r for r in body["rows"] if r["campaign_id"] == data.pk)
    assert row["calls"] == 2 and row["leads"] == 1 and row["booked"] == 1
    assert row["leads_by_type"] == {"marketing": 1, "abandoned_call": 0, "job_generated": 0}
    assert row["revenue"] == "120.50" and row["cost"] == "3100.00"
    assert body["totals"]["campaign"] == "Total"


def test_it_serves_the_campaign_report_as_csv(manager_api, data):
    response = manager_api.get("/reports/campaigns", {**RANGE, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "campaigns_2025-03-01_2025-03-31.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "campaign_id", "campaign", "category", "calls", "leads", "leads_marketing",
        "leads_abandoned_call", "leads_job_generated", "booked", "booked_rate", "revenue", "cost",
        "cost_per_lead", "roi",
    ]  # fmt: skip
    google = next(r for r in rows if r[1] == "Google Ads")
    assert google[3:5] == ["2", "1"] and google[10:12] == ["120.50", "3100.00"]
    assert rows[-1][1] == "Total"


def test_it_serves_the_technician_report_in_both_formats(manager_api):
    response = manager_api.get("/reports/technician-leads", RANGE)
    assert response.status_code == 200
    assert response.json()["by_employee"] == [] and response.json()["totals"]["leads_set"] == 0
    response = manager_api.get("/reports/technician-leads", {**RANGE, "format": "csv"})
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header == [
        "employee_id", "employee", "business_unit_id", "business_unit", "leads_set", "booked", "open",
        "dismissed", "revenue",
    ]  # fmt: skip


def test_it_serves_the_abandoned_calls_report_in_both_formats(manager_api, data):
    body = manager_api.get("/reports/abandoned-calls", RANGE).json()
    assert body["totals"]["abandoned"] == 1 and body["totals"]["over_60"] == 1
    assert len(body["by_day"]) == 31
    assert body["heatmap"] == [{"weekday": 1, "hour": 9, "calls": 1}]
    response = manager_api.get("/reports/abandoned-calls", {**RANGE, "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["date", "abandoned", "over_60", "called_back", "recovered"]
    assert rows[3] == ["2025-03-03", "1", "1", "0", "0"]
    assert rows[-1] == ["Total", "1", "1", "0", "0"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2025-03-31"}, "from"),
        ({"from": "2025-03-31"}, "to"),
        ({"from": "03/01/2025", "to": "2025-03-31"}, "from"),
        ({"from": "2025-03-31", "to": "2025-03-01"}, "to"),
        ({"from": "2023-01-01", "to": "2025-03-01"}, "to"),
        ({**RANGE, "format": "xlsx"}, "format"),
    ],
)
@pytest.mark.parametrize(
    "path", ["/reports/campaigns", "/reports/technician-leads", "/reports/abandoned-calls"]
)
def test_it_answers_422_naming_the_bad_parameter(manager_api, path, params, field):
    response = manager_api.get(path, params)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("role", ["csr", "technician", "office"])
@pytest.mark.parametrize(
    "path", ["/reports/campaigns", "/reports/technician-leads", "/reports/abandoned-calls"]
)
def test_it_refuses_roles_without_reports(api_as, role, path):
    response = api_as(role).get(path, RANGE)
    assert response.status_code == 403


def test_it_refuses_integrations_and_anonymous_callers(integration_api, anon_api):
    assert integration_api.get("/reports/campaigns", RANGE).status_code == 403
    assert anon_api.get("/reports/campaigns", RANGE).status_code == 401


def test_it_lets_admins_read_reports(admin_api):
    assert admin_api.get("/reports/abandoned-calls", RANGE).status_code == 200


def test_it_documents_the_reports_in_openapi(admin_api):
    paths = admin_api.get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/reports/campaigns",
        "/api/v1/reports/technician-leads",
        "/api/v1/reports/abandoned-calls",
    ):
        params = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"from", "to", "format"} <= params
        assert "422" in paths[path]["get"]["responses"]
