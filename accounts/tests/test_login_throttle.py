"""Password guessing is throttled per username and address (django-axes)."""

from datetime import timedelta

import pytest
from django.test import Client

from accounts.models import ApiKey, LoginLockout, Role
from conftest import make_employee

pytestmark = pytest.mark.django_db

WRONG = {"password": "not-the-password"}


def _attempt(client: Client, username: str, password: str, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


@pytest.fixture
def csr():
    return make_employee(Role.CSR, user__username="jasmine")


def test_it_locks_out_a_username_and_address_after_five_failures(csr, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        r = _attempt(client, "jasmine", "wrong")
        assert r.status_code == 200 and "correct username and password" in r.content.decode()
    r = _attempt(client, "jasmine", "wrong")
    html = r.content.decode()
    assert r.status_code == 429
    assert "Too many failed sign-ins" in html and "Try again in 15 minutes" in html
    # The login page again, with the username kept.
    assert 'name="password"' in html and 'value="jasmine"' in html
    # The right password does not get in while locked out.
    r = _attempt(client, "jasmine", "pw-for-tests")
    assert r.status_code == 429 and "_auth_user_id" not in client.session


def test_it_counts_each_username_and_address_apart(csr, settings):
    make_employee(Role.CSR, user__username="miguel")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        _attempt(attacker, "jasmine", "wrong")
    assert _attempt(attacker, "jasmine", "pw-for-tests").status_code == 429
    # Jasmine at the office (another address) still signs in...
    office = Client(REMOTE_ADDR="198.51.100.20")
    assert _attempt(office, "jasmine", "pw-for-tests").status_code == 302
    # ...and so does another user from the attacker's address.
    assert _attempt(Client(REMOTE_ADDR="203.0.113.7"), "miguel", "pw-for-tests").status_code == 302


def test_it_folds_the_case_of_the_username(csr):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for name in ["jasmine", "Jasmine", "JASMINE", "jAsmine", "jasminE"]:
        _attempt(client, name, "wrong")
    assert _attempt(client, "jasmine", "pw-for-tests").status_code == 429


def test_it_resets_the_count_on_a_successful_sign_in(csr):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        _attempt(client, "jasmine", "wrong")
    assert _attempt(client, "jasmine", "pw-for-tests").status_code == 302
    client.logout()
    for _ in range(4):
        assert _attempt(client, "jasmine", "wrong").status_code == 200


def test_it_uses_the_client_address_behind_a_trusted_proxy(csr, settings):
    settings.LEADLINE_TRUSTED_PROXIES = ["127.0.0.1"]
    proxy = Client(REMOTE_ADDR="127.0.0.1")
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for _ in range(5):
        _attempt(proxy, "jasmine", "wrong", **attacker)
    # A forged hop in front of the proxy's does not make a new bucket.
    forged = {"HTTP_X_FORWARDED_FOR": "192.0.2.99, 203.0.113.7"}
    assert _attempt(proxy, "jasmine", "pw-for-tests", **forged).status_code == 429
    # Jasmine behind the same proxy, from her own address, is not locked out.
    r = _attempt(proxy, "jasmine", "pw-for-tests", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert r.status_code == 302
    assert set(LoginLockout.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}


def test_it_unlocks_after_the_cool_off(csr):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        _attempt(client, "jasmine", "wrong")
    assert _attempt(client, "jasmine", "pw-for-tests").status_code == 429
    attempt = LoginLockout.objects.get()
    attempt.attempt_time -= timedelta(minutes=16)
    attempt.save()
    assert _attempt(client, "jasmine", "pw-for-tests").status_code == 302


def test_it_lets_an_admin_unlock_in_settings(csr):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(5):
        _attempt(client, "jasmine", "wrong")
    attempt = LoginLockout.objects.get()
    admin = make_employee(Role.ADMIN)
    settings_client = Client()
    settings_client.force_login(admin.user)
    listing = settings_client.get("/settings/accounts/loginlockout/")
    html = listing.content.decode()
    assert listing.status_code == 200 and "jasmine" in html and "203.0.113.7" in html
    assert "Unlock: clear the failed sign-ins" in html
    index = settings_client.get("/settings/").content.decode()
    assert "Login lockouts" in index
    r = settings_client.post(
        "/settings/accounts/loginlockout/",
        {"action": "unlock", "_selected_action": [attempt.pk]},
        follow=True,
    )
    assert "Unlocked 1: jasmine from 203.0.113.7." in r.content.decode()
    assert not LoginLockout.objects.exists()
    assert _attempt(client, "jasmine", "pw-for-tests").status_code == 302


def test_it_keeps_lockouts_from_anyone_but_admins(csr):
    manager = make_employee(Role.MANAGER)
    client = Client()
    client.force_login(manager.user)
    assert client.get("/settings/accounts/loginlockout/").status_code in (302, 403)


def test_it_never_throttles_api_keys(csr):
    _, raw = ApiKey.issue(employee=csr)
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(6):
        _attempt(client, "jasmine", "wrong")
    api = Client(REMOTE_ADDR="203.0.113.7")
    r = api.get("/api/v1/leads", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200
    # A bad key is still the API's own 401, not a lockout page.
    r = api.get("/api/v1/leads", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


def test_it_signs_in_a_request_without_an_address(csr):
    # force_login and WSGI servers behind a Unix socket give no REMOTE_ADDR;
    # PostgreSQL's inet column would refuse "unknown".
    client = Client(REMOTE_ADDR="")
    client.force_login(csr.user)
    assert client.get("/leads/").status_code == 200
    assert _attempt(Client(REMOTE_ADDR=""), "jasmine", "pw-for-tests").status_code == 302
