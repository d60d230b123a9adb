"""The API's bearer-key authentication: every API request runs it, so it is one
indexed query, and a key's last use is written at most every few minutes."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone

from accounts.actor import Actor
from accounts.api_auth import LAST_USED_RESOLUTION_SECONDS, KeyAuth
from accounts.models import ApiKey, Role
from accounts.tests.factories import IntegrationFactory
from conftest import make_employee

pytestmark = pytest.mark.django_db


def authenticate(raw: str) -> Actor | None:
    return KeyAuth().authenticate(RequestFactory().post("/api/v1/leads"), raw)


def test_it_authenticates_an_employee_key_in_one_query(django_assert_num_queries):
    csr = make_employee(Role.CSR)
    key, raw = ApiKey.issue(employee=csr)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    with django_assert_num_queries(1):
        actor = authenticate(raw)
    assert actor == Actor(employee=csr)
    assert actor is not None and actor.role == Role.CSR


def test_it_authenticates_an_integration_key(django_assert_num_queries):
    integration = IntegrationFactory()
    key, raw = ApiKey.issue(integration=integration)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    with django_assert_num_queries(1):
        actor = authenticate(raw)
    assert actor == Actor(integration=integration)


def test_it_records_a_keys_last_use_at_most_every_few_minutes(django_assert_num_queries):
    key, raw = ApiKey.issue(employee=make_employee(Role.CSR))
    with django_assert_num_queries(2):
        authenticate(raw)
    key.refresh_from_db()
    first_use = key.last_used_at
    assert first_use is not None
    with django_assert_num_queries(1):
        authenticate(raw)
    key.refresh_from_db()
    assert key.last_used_at == first_use

    stale = timezone.now() - timedelta(seconds=LAST_USED_RESOLUTION_SECONDS + 1)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=stale)
    authenticate(raw)
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_at > stale


def test_it_refuses_unknown_and_revoked_keys_and_inactive_owners():
    assert authenticate("ll_not-a-key") is None

    revoked, raw_revoked = ApiKey.issue(employee=make_employee(Role.ADMIN))
    revoked.revoke()
    assert authenticate(raw_revoked) is None

    _, raw_gone = ApiKey.issue(employee=make_employee(Role.ADMIN, active=False))
    assert authenticate(raw_gone) is None

    _, raw_off = ApiKey.issue(integration=IntegrationFactory(active=False))
    assert authenticate(raw_off) is None
    # A refused key is not marked as used.
    assert not ApiKey.objects.filter(last_used_at__isnull=False).exists()


def test_it_answers_401_over_http_for_a_revoked_key(admin_api):
    ApiKey.objects.get(employee=admin_api.employee).revoke()
    r = admin_api.get("/business-units")
    assert r.status_code == 401
    assert r.json()["code"] == "unauthorized"
