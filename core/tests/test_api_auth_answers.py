"""Issue 10 item 6: auth answers as API.md says: 401 for no key, a bad key or
a revoked key on a POST (never a CSRF 403), and an Idempotency-Key replay only
for a valid key of the same owner."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import ApiKey, Role
from catalog.models import BusinessUnit
from conftest import make_employee

pytestmark = pytest.mark.django_db


def _post(client: Client, headers: dict[str, str], name: str = "HVAC"):
    return client.post(
        "/api/v1/business-units",
        data=json.dumps({"name": name}),
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize("auth", [None, "Bearer ll_not_a_key", "revoked"])
def test_a_post_without_a_valid_key_is_a_401(auth):
    client = Client(enforce_csrf_checks=True)
    headers = {}
    if auth == "revoked":
        key, raw = ApiKey.issue(employee=make_employee(Role.ADMIN))
        ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
        headers["Authorization"] = f"Bearer {raw}"
    elif auth:
        headers["Authorization"] = auth
    r = _post(client, headers)
    assert r.status_code == 401, r.content
    assert r.json()["code"] == "unauthorized"
    assert not BusinessUnit.objects.exists()


def test_a_session_post_without_csrf_is_still_refused():
    admin = make_employee(Role.ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin.user)
    r = _post(client, {})
    assert r.status_code == 403
    assert not BusinessUnit.objects.exists()


def test_a_revoked_key_gets_no_replay_of_its_stored_response():
    key, raw = ApiKey.issue(employee=make_employee(Role.ADMIN))
    headers = {"Authorization": f"Bearer {raw}", "Idempotency-Key": "k-1"}
    assert _post(Client(), headers).status_code == 201
    ApiKey.objects.filter(pk=key.pk).update(revoked_at=timezone.now())
    r = _post(Client(), headers)
    assert r.status_code == 401, r.content
    assert "Idempotent-Replayed" not in r


def test_another_valid_key_of_the_same_owner_gets_the_replay_and_another_owner_does_not():
    owner = make_employee(Role.ADMIN)
    _, first = ApiKey.issue(employee=owner)
    _, second = ApiKey.issue(employee=owner)
    _, stranger = ApiKey.issue(employee=make_employee(Role.ADMIN))
    created = _post(Client(), {"Authorization": f"Bearer {first}", "Idempotency-Key": "k-2"})
    again = _post(Client(), {"Authorization": f"Bearer {second}", "Idempotency-Key": "k-2"})
    assert again["Idempotent-Replayed"] == "true" and again.content == created.content
    # Another owner's same key is its own: a different body is no reuse (409) there.
    other = _post(Client(), {"Authorization": f"Bearer {stranger}", "Idempotency-Key": "k-2"}, "Plumbing")
    assert other.status_code == 201 and "Idempotent-Replayed" not in other
    assert BusinessUnit.objects.count() == 2
