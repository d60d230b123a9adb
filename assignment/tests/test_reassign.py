"""Issue 14 item 7: reassigning by hand (the lead's edit, PATCH /leads/{id}) and
in bulk (Follow Up) keep working, and every assignment's audit entry says who
assigned the lead before and after: a person, a rule or the call."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from assignment.escalation import away_leads_reassign
from assignment.tests.helpers import capture, csrs, rule
from conftest import make_employee
from core.models import AuditEntry
from leads.models import Lead

pytestmark = pytest.mark.django_db


def audit(lead: Lead) -> list[tuple[str, dict]]:
    return [
        (e.action, {k: e.changes.get(k) for k in ("assignee", "assigned_by")})
        for e in AuditEntry.objects.filter(entity="lead", entity_id=lead.pk).order_by("id")
    ]


def test_it_audits_rule_person_bulk_and_rule_again_through_pages_and_api(api_as, settings):
    settings.LEADLINE_AWAY_REASSIGN_MINUTES = 30
    a, b, c = csrs(3)
    rule([a, b])
    lead = capture()
    assert (lead.assignee, lead.assigned_by) == (a, "rule")

    manager = api_as(Role.MANAGER)
    r = manager.patch(f"/leads/{lead.pk}", {"assignee_id": c.pk})
    assert r.status_code == 200 and r.json()["assigned_by"] == "person" and r.json()["assignee_id"] == c.pk

    page = Client()
    page.force_login(make_employee(Role.CSR).user)
    r = page.post("/leads/bulk/", {"ids": [lead.pk], "action": "assign", "assignee": a.pk, "next": "/leads/"})
    assert r.status_code == 302
    lead.refresh_from_db()
    assert (lead.assignee, lead.assigned_by) == (a, "person")

    # a goes Away and stays Away: the rule takes the lead back and gives it to b.
    Lead.objects.filter(pk=lead.pk).update(assigned_at=timezone.now() - timedelta(minutes=40))
    a.available, a.available_changed_at = False, timezone.now() - timedelta(minutes=40)
    a.save(update_fields=["available", "available_changed_at"])
    assert [m.to_id for m in away_leads_reassign()] == [b.pk]
    lead.refresh_from_db()
    assert (lead.assignee, lead.assigned_by) == (b, "rule")

    assert audit(lead) == [
        ("captured", {"assignee": a.pk, "assigned_by": "rule"}),
        ("updated", {"assignee": [a.pk, c.pk], "assigned_by": ["rule", "person"]}),
        ("assigned", {"assignee": [c.pk, a.pk], "assigned_by": ["person", "person"]}),
        ("assigned", {"assignee": [a.pk, b.pk], "assigned_by": ["person", "rule"]}),
    ]
    detail = page.get(f"/leads/{lead.pk}/").content.decode()
    assert "by an assignment rule" in detail
