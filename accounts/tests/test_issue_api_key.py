"""``manage.py issue_api_key``: the key is the last line and it works."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from accounts.models import ApiKey, Employee, Integration, Role, hash_key
from conftest import make_employee

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("issue_api_key", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def api_status(raw: str) -> int:
    return Client().get("/api/v1/business-units", headers={"Authorization": f"Bearer {raw}"}).status_code


def test_it_creates_the_employee_and_prints_a_working_key():
    raw = run("--username", "dispatch-bot", "--role", "csr", "--name", "Dispatch bot")
    employee = Employee.objects.get(user__username="dispatch-bot")
    assert (employee.name, employee.role) == ("Dispatch bot", Role.CSR)
    assert employee.user is not None
    assert not employee.user.has_usable_password()
    assert ApiKey.objects.get(employee=employee).key_hash == hash_key(raw)
    assert api_status(raw) == 200


def test_it_reuses_an_existing_employee():
    employee = make_employee(Role.MANAGER)
    assert employee.user is not None
    raw = run("--username", employee.user.username, "--role", "manager")
    assert Employee.objects.count() == 1
    assert ApiKey.objects.get(key_hash=hash_key(raw)).employee == employee
    assert api_status(raw) == 200


def test_it_sets_a_password_when_given():
    run("--username", "owner", "--role", "admin", "--password", "a-long-password-1")
    assert Client().login(username="owner", password="a-long-password-1")


def test_it_creates_the_integration_and_prints_its_key():
    raw = run("--integration", "Angi Leads")
    integration = Integration.objects.get(name="Angi Leads")
    assert integration.slug == "angi-leads"
    assert ApiKey.objects.get(key_hash=hash_key(raw)).integration == integration
    # Authenticated (not 401): an integration may not read reference data.
    assert api_status(raw) == 403

    second = run("--integration", "angi leads")
    assert Integration.objects.count() == 1
    assert second != raw and ApiKey.objects.filter(integration=integration).count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "x", "--role", "boss"], "Unknown role 'boss'; use one of csr, technician"),
        (["--username", "x"], "--role is required"),
    ],
)
def test_it_refuses_a_bad_role(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Employee.objects.exists()
    assert not get_user_model().objects.exists()
    assert not ApiKey.objects.exists()


def test_it_refuses_to_change_an_existing_role():
    employee = make_employee(Role.CSR)
    assert employee.user is not None
    with pytest.raises(CommandError, match="has role csr, not admin"):
        run("--username", employee.user.username, "--role", "admin")
    employee.refresh_from_db()
    assert employee.role == Role.CSR
    assert not ApiKey.objects.exists()
