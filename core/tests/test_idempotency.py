import pytest

from catalog.models import BusinessUnit
from core import idempotency
from core.models import IdempotencyRecord
from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_it_replays_a_retry_without_creating_twice(admin_api):
    headers = {"Idempotency-Key": "abc-1"}
    first = admin_api.post("/business-units", {"name": "HVAC"}, headers=headers)
    second = admin_api.post("/business-units", {"name": "HVAC"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert BusinessUnit.objects.count() == 1


def test_it_refuses_a_reused_key_with_another_body(admin_api):
    headers = {"Idempotency-Key": "abc-2"}
    admin_api.post("/business-units", {"name": "HVAC"}, headers=headers)
    r = admin_api.post("/business-units", {"name": "Plumbing"}, headers=headers)
    assert r.status_code == 409
    assert r.json()["code"] == "idempotency_key_reused"
    assert BusinessUnit.objects.count() == 1


def test_it_does_not_remember_a_failed_request(admin_api):
    headers = {"Idempotency-Key": "abc-3"}
    assert admin_api.post("/business-units", {"name": ""}, headers=headers).status_code == 422
    assert admin_api.post("/business-units", {"name": "HVAC"}, headers=headers).status_code == 201
    assert IdempotencyRecord.objects.count() == 1


def test_it_scopes_keys_to_their_sender(api_as):
    a, b = api_as("admin"), api_as("admin")
    a.post("/business-units", {"name": "HVAC"}, headers={"Idempotency-Key": "same"})
    r = b.post("/business-units", {"name": "Plumbing"}, headers={"Idempotency-Key": "same"})
    assert r.status_code == 201
    assert BusinessUnit.objects.count() == 2


def test_it_refuses_an_overlong_key(admin_api):
    r = admin_api.post("/business-units", {"name": "HVAC"}, headers={"Idempotency-Key": "x" * 300})
    assert r.status_code == 400
    assert not BusinessUnit.objects.exists()


def test_it_replays_a_retry_in_two_queries(admin_api, django_assert_num_queries):
    headers = {"Idempotency-Key": "abc-4"}
    first = admin_api.post("/business-units", {"name": "HVAC"}, headers=headers)
    # A retry is answered from the stored response: the key is checked (a
    # revoked key gets no replay), then the record is read; no view runs.
    with django_assert_num_queries(2):
        again = admin_api.post("/business-units", {"name": "HVAC"}, headers=headers)
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"


def test_it_rolls_back_the_loser_of_a_race_and_replays_the_winner(admin_api, monkeypatch):
    headers = {"Idempotency-Key": "abc-5"}
    body = {"name": "Pat Moreno", "phones": ["512-555-0199"]}
    winner = admin_api.post("/customers", body, headers=headers)
    assert winner.status_code == 201
    # A concurrent retry: its lookup ran before the winner committed, so it
    # runs the view too and meets the winner's record at the unique constraint.
    real = idempotency._recorded
    lookups = []

    def missed_once(scope: str, key: str) -> IdempotencyRecord | None:
        lookups.append(key)
        return None if len(lookups) == 1 else real(scope, key)

    monkeypatch.setattr(idempotency, "_recorded", missed_once)
    loser = admin_api.post("/customers", body, headers=headers)
    assert len(lookups) == 2
    assert loser.status_code == 201
    assert loser.content == winner.content
    assert loser["Idempotent-Replayed"] == "true"
    assert list(Customer.objects.values_list("name", flat=True)) == ["Pat Moreno"]
    assert IdempotencyRecord.objects.count() == 1
