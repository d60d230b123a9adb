"""Issue 10 item 10: the OpenAPI document states what the API enforces: page
sizes 1–200 and the cursor's format on every list, required report dates; and
a number is not a date and time."""

from __future__ import annotations

import pytest

from config.api import api

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def document():
    return api.get_openapi_schema(path_prefix="/api/v1")


def _params(op):
    return {p["name"]: p for p in op.get("parameters", [])}


def _operations(document):
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_list_states_its_page_size_and_cursor_format(document):
    lists = [(p, m, op) for p, m, op in _operations(document) if "cursor" in _params(op)]
    assert len(lists) >= 10
    for path, method, op in lists:
        params = _params(op)
        limit = params["limit"]["schema"]
        assert (limit["minimum"], limit["maximum"]) == (1, 200), (method, path)
        assert params["cursor"]["schema"]["pattern"] == "^[A-Za-z0-9_-]*$", (method, path)


@pytest.mark.parametrize("path", ["/campaigns", "/technician-leads", "/abandoned-calls", "/csr-scorecard"])
def test_report_dates_are_required(document, path):
    params = _params(document["paths"][f"/api/v1/reports{path}"]["get"])
    assert params["from"]["required"] and params["to"]["required"]
    assert params["from"]["schema"]["format"] == "date"


@pytest.mark.parametrize("limit", ["0", "201", "x"])
def test_a_limit_outside_the_range_is_a_422_naming_it(csr_api, limit):
    r = csr_api.get("/leads", {"limit": limit})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["limit"]


def test_a_malformed_cursor_is_a_422_naming_it(csr_api):
    r = csr_api.get("/leads", {"cursor": "not a cursor!"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["cursor"]


@pytest.mark.parametrize("value", ["0.5", "1700000000", "-3"])
def test_a_number_is_not_a_moment(csr_api, value):
    r = csr_api.get("/calls", {"until": value})
    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["until"]


def test_a_moment_is_still_taken(csr_api):
    assert csr_api.get("/calls", {"until": "2026-03-02T09:00:00-06:00"}).status_code == 200


def test_a_missing_report_date_is_named(api_as):
    r = api_as("manager").get("/reports/campaigns", {"to": "2026-03-02"})
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["from"]


def test_it_gives_every_schema_of_the_document_one_meaning(monkeypatch):
    """Ninja names a component after its class and silently keeps the last of two
    classes with one name: POST /customers/{id}/merge was documented with the
    leads' ``other_lead_id`` (issue 10 item 12, found building the fuzz stage)."""
    from ninja.openapi.schema import OpenAPISchema

    seen: dict[str, object] = {}
    clashes: list[str] = []
    original = OpenAPISchema.add_schema_definitions

    def record(self, definitions):
        for name, definition in definitions.items():
            if seen.setdefault(name, definition) != definition:
                clashes.append(name)
        return original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    document = api.get_openapi_schema(path_prefix="/api/v1")
    assert clashes == []
    merge = document["paths"]["/api/v1/customers/{customer_id}/merge"]["post"]
    ref = merge["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert document["components"]["schemas"][ref]["required"] == ["other_customer_id"]
