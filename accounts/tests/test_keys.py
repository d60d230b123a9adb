"""API keys in Settings: issued once from an employee or an integration,
stored hashed, revoked for good."""

import pytest
from django.test import Client

from accounts.models import ApiKey, Integration, Role, hash_key
from accounts.services import api_key_issue, api_key_revoke
from conftest import make_employee
from core.errors import DomainError

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    client = Client()
    user = make_employee(Role.ADMIN).user
    assert user is not None
    client.force_login(user)
    return client


def new_integration(name: str = "Angi") -> Integration:
    return Integration.objects.create(name=name, slug=name.lower())


def bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def issue(client: Client, **data) -> tuple:
    r = client.post("/settings/accounts/apikey/add/", {"name": "", **data})
    return r, r.context.get("raw") if r.context else None


def test_it_issues_an_employee_key_shown_once_and_stored_hashed(admin_client_):
    csr = make_employee(Role.CSR, name="Casey Rivera")
    r, raw = issue(admin_client_, employee=csr.pk, name="Softphone")
    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    assert raw and raw.startswith("ll_") and raw in r.content.decode()
    key = ApiKey.objects.get()
    assert (key.employee, key.integration, key.name) == (csr, None, "Softphone")
    assert key.key_hash == hash_key(raw)
    assert raw not in key.key_hash and key.prefix == raw[:10]
    # Never again: not on the key's page, the list, or the owner's page.
    for path in (
        f"/settings/accounts/apikey/{key.pk}/change/",
        "/settings/accounts/apikey/",
        f"/settings/accounts/employee/{csr.pk}/change/",
    ):
        page = admin_client_.get(path)
        assert page.status_code == 200
        assert raw not in page.content.decode()
        assert key.prefix in page.content.decode()
    assert Client().get("/api/v1/business-units", headers=bearer(raw)).status_code == 200


def test_it_revokes_a_key_so_the_api_refuses_it(admin_client_):
    csr = make_employee(Role.CSR)
    _, raw = issue(admin_client_, employee=csr.pk)
    key = ApiKey.objects.get()
    assert Client().get("/api/v1/business-units", headers=bearer(raw)).status_code == 200

    assert admin_client_.get(f"/settings/accounts/apikey/{key.pk}/revoke/").status_code == 405
    r = admin_client_.post(f"/settings/accounts/apikey/{key.pk}/revoke/")
    assert r.status_code == 302
    key.refresh_from_db()
    revoked_at = key.revoked_at
    assert revoked_at is not None
    assert Client().get("/api/v1/business-units", headers=bearer(raw)).status_code == 401

    admin_client_.post(f"/settings/accounts/apikey/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at == revoked_at


def test_it_revokes_keys_from_the_list(admin_client_):
    _, raw = api_key_issue(employee=make_employee(Role.CSR))
    key = ApiKey.objects.get()
    r = admin_client_.post(
        "/settings/accounts/apikey/", {"action": "revoke_selected", "_selected_action": [str(key.pk)]}
    )
    assert r.status_code == 302
    assert ApiKey.objects.get().revoked_at is not None
    assert Client().get("/api/v1/business-units", headers=bearer(raw)).status_code == 401


def test_it_issues_an_integration_key(admin_client_):
    integration = new_integration("Angi")
    r, raw = issue(admin_client_, integration=integration.pk)
    assert r.status_code == 200
    key = ApiKey.objects.get()
    assert key.integration == integration and key.key_hash == hash_key(raw)
    # Authenticated as the integration, which may not read reference data.
    assert Client().get("/api/v1/business-units", headers=bearer(raw)).status_code == 403


def test_it_offers_to_issue_a_key_on_the_owner_page(admin_client_):
    integration = new_integration()
    r = admin_client_.get(f"/settings/accounts/integration/{integration.pk}/change/")
    assert f"/settings/accounts/apikey/add/?integration={integration.pk}" in r.content.decode()
    r = admin_client_.get(f"/settings/accounts/apikey/add/?integration={integration.pk}")
    assert r.context["form"]["integration"].value() == str(integration.pk)


@pytest.mark.parametrize("data", [{}, {"employee": "E", "integration": "I"}])
def test_it_refuses_a_key_without_exactly_one_owner(admin_client_, data):
    employee, integration = make_employee(Role.CSR), new_integration()
    data = {k: (employee.pk if v == "E" else integration.pk) for k, v in data.items()}
    r, raw = issue(admin_client_, **data)
    assert r.status_code == 200 and raw is None
    assert "Pick one employee or one integration" in r.content.decode()
    assert not ApiKey.objects.exists()


def test_it_refuses_a_key_for_an_inactive_employee(admin_client_):
    gone = make_employee(Role.CSR, active=False)
    response, raw = issue(admin_client_, employee=gone.pk)
    assert response.status_code == 200
    assert raw is None
    assert not ApiKey.objects.exists()
    with pytest.raises(DomainError) as exc:
        api_key_issue(employee=gone)
    assert exc.value.code == "inactive_owner"


def test_it_lets_no_csr_issue_or_revoke_keys():
    csr = make_employee(Role.CSR)
    client = Client()
    assert csr.user is not None
    client.force_login(csr.user)
    r = client.post("/settings/accounts/apikey/add/", {"employee": csr.pk}, follow=True)
    assert r.status_code == 403
    assert not ApiKey.objects.exists()
    key, _ = api_key_issue(employee=csr)
    client.post(f"/settings/accounts/apikey/{key.pk}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is None


def test_it_revokes_through_the_service():
    key, _ = api_key_issue(integration=new_integration())
    api_key_revoke(key=key)
    assert ApiKey.objects.get().is_active is False
