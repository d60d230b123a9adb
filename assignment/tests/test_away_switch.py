"""The Calls screen's Away switch feeds the rules that skip Away CSRs."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from assignment.tests.helpers import capture, rule
from conftest import make_employee

pytestmark = pytest.mark.django_db


def test_it_passes_an_away_csr_over_for_available_only_rules_after_the_switch():
    a, b = make_employee(Role.CSR), make_employee(Role.CSR)
    rule([a, b], available_only=True)
    client = Client()
    client.force_login(a.user)
    client.post("/calls/availability/", {"available": "0"})
    assert {capture().assignee for _ in range(3)} == {b}
    client.post("/calls/availability/", {"available": "1"})
    assert {capture().assignee for _ in range(2)} == {a, b}
