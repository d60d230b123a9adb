import pytest

from catalog.models import JobType

pytestmark = pytest.mark.django_db

HUGE = 2**64 + 1


def test_it_answers_an_id_beyond_64_bits_with_a_422_naming_the_field(admin_api):
    r = admin_api.post("/job-types", {"name": "AC Repair", "business_unit_ids": [HUGE]})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "business_unit_ids"
    assert not JobType.objects.exists()


def test_it_answers_a_path_id_beyond_64_bits_without_a_500(admin_api):
    r = admin_api.get(f"/jobs/{HUGE}")
    assert r.status_code in (404, 422)
    assert r.json()["code"] in ("not_found", "out_of_range")


def test_it_documents_the_error_shape_on_every_operation(anon_api):
    schema = anon_api.client.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            assert "422" in op["responses"] or "400" in op["responses"], f"{method} {path}"
    assert anon_api.client.get("/api/v1/docs").status_code == 200
