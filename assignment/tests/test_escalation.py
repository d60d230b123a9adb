"""Escalation by the worker: a breached SLA is told once to the assignee and the
managers, never before it is due; a lead left with someone Away goes back to its rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.actor import Actor
from accounts.models import Role
from assignment.apps import start_escalation_sweep
from assignment.escalation import away_leads_reassign, sla_breaches_notify
from assignment.tasks import ensure_sweep_scheduled, sla_sweep
from assignment.tests.helpers import capture, csrs, policy, rule
from catalog.tests.factories import DismissReasonFactory
from conftest import make_employee, run_worker
from core.models import AuditEntry
from leads.models import Lead, LeadActivity
from leads.services import lead_dismiss, record_first_response
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def breach_notes(lead: Lead) -> list[Notification]:
    return list(Notification.objects.filter(kind="sla_breached", url=f"/leads/{lead.pk}/"))


def test_it_tells_the_assignee_and_the_managers_once_when_the_sla_is_breached():
    (csr,) = csrs(1)
    manager, other_manager = make_employee(Role.MANAGER), make_employee(Role.MANAGER)
    make_employee(Role.MANAGER, active=False)
    make_employee(Role.ADMIN)
    rule([csr])
    policy(minutes=10)
    lead = capture()
    due = lead.first_response_due_at
    assert lead.assignee == csr and due is not None

    assert sla_breaches_notify(now=due - timedelta(seconds=1)) == 0  # not before it is due
    assert sla_breaches_notify(now=due) == 0  # due is not late yet
    assert breach_notes(lead) == []

    assert sla_breaches_notify(now=due + timedelta(seconds=30)) == 1
    notes = breach_notes(lead)
    assert sorted(n.employee_id for n in notes) == sorted([csr.pk, manager.pk, other_manager.pk])
    assert all("First response late" in n.text and "Pat" in n.text for n in notes)
    lead.refresh_from_db()
    assert lead.sla_breach_notified_at == due + timedelta(seconds=30)

    # Later sweeps, and a sweep that forgot it had told (the key still holds), tell nobody again.
    assert sla_breaches_notify(now=due + timedelta(minutes=5)) == 0
    Lead.objects.filter(pk=lead.pk).update(sla_breach_notified_at=None)
    sla_breaches_notify(now=due + timedelta(minutes=6))
    assert len(breach_notes(lead)) == 3


def test_it_never_tells_a_lead_answered_or_closed_in_time():
    (csr,) = csrs(1)
    make_employee(Role.MANAGER)
    rule([csr])
    policy(minutes=10)
    answered, dismissed, late = capture(), capture(), capture()
    record_first_response(lead=answered, by=csr)
    lead_dismiss(actor=Actor(employee=csr), lead=dismissed, reason=DismissReasonFactory(), note="spam")
    due = late.first_response_due_at
    assert due is not None
    assert sla_breaches_notify(now=due + timedelta(hours=1)) == 1
    assert breach_notes(answered) == [] and breach_notes(dismissed) == []
    assert len(breach_notes(late)) == 2


def test_it_tells_only_the_managers_about_an_unassigned_lead_and_skips_leads_without_an_sla():
    manager = make_employee(Role.MANAGER)
    lead = capture()
    assert lead.first_response_due_at is None
    assert sla_breaches_notify(now=timezone.now() + timedelta(days=30)) == 0
    policy(minutes=5)
    unassigned = capture()
    assert unassigned.assignee is None and unassigned.first_response_due_at is not None
    assert sla_breaches_notify(now=unassigned.first_response_due_at + timedelta(minutes=1)) == 1
    assert [n.employee_id for n in breach_notes(unassigned)] == [manager.pk]
    assert "(unassigned)" in breach_notes(unassigned)[0].text


def away_since(employee, minutes: int) -> None:
    employee.available = False
    employee.available_changed_at = timezone.now() - timedelta(minutes=minutes)
    employee.save(update_fields=["available", "available_changed_at"])


def assigned_ago(lead: Lead, minutes: int) -> None:
    Lead.objects.filter(pk=lead.pk).update(assigned_at=timezone.now() - timedelta(minutes=minutes))


def test_it_offers_a_lead_left_with_someone_away_back_to_its_rule(settings):
    settings.LEADLINE_AWAY_REASSIGN_MINUTES = 30
    a, b, c = csrs(3)
    the_rule = rule([a, b, c])
    lead = capture()
    assert lead.assignee == a and lead.assigned_by == "rule"
    away_since(a, 45)
    assigned_ago(lead, 40)
    c.available = False
    c.save(update_fields=["available"])  # c is Away too (just now): the rule skips c as well

    moved = away_leads_reassign()
    assert [(m.lead_id, m.from_id, m.to_id, m.rule_id) for m in moved] == [(lead.pk, a.pk, b.pk, the_rule.pk)]
    lead.refresh_from_db()
    assert (lead.assignee, lead.assigned_by) == (b, Lead.AssignedBy.RULE)
    entry = AuditEntry.objects.filter(entity="lead", entity_id=lead.pk, action="assigned").get()
    assert entry.changes == {
        "assignee": [a.pk, b.pk],
        "assigned_by": ["rule", "rule"],
        "rule": the_rule.pk,
        "reason": "away",
    }
    assert entry.employee is None and entry.actor_label == "system"
    line = LeadActivity.objects.filter(lead=lead, kind=LeadActivity.Kind.SYSTEM).last()
    assert line is not None and "Away for 45 min" in line.text and b.name in line.text
    assert Notification.objects.filter(employee=b, kind="lead_assigned", url=f"/leads/{lead.pk}/").exists()
    assert away_leads_reassign() == []  # done once: b is Available


def test_it_leaves_leads_alone_before_the_setting_when_answered_or_when_nobody_is_available(settings):
    settings.LEADLINE_AWAY_REASSIGN_MINUTES = 30
    a, b = csrs(2)
    rule([a, b])
    recent, answered, new_with_away = capture(), capture(), capture()  # a, b, a
    assert (recent.assignee, answered.assignee, new_with_away.assignee) == (a, b, a)
    away_since(a, 20)  # Away, but not for 30 minutes yet
    assigned_ago(recent, 40)
    assert away_leads_reassign() == []
    away_since(a, 45)
    assigned_ago(new_with_away, 5)  # a has been Away long, but this lead only just reached them
    record_first_response(lead=recent, by=a)  # answered: a's pipeline, it stays
    assert away_leads_reassign() == []
    assigned_ago(new_with_away, 31)
    away_since(b, 60)  # nobody in the rule is Available: it stays where it is
    assert away_leads_reassign() == []
    settings.LEADLINE_AWAY_REASSIGN_MINUTES = 0
    b.available = True
    b.save(update_fields=["available"])
    assert away_leads_reassign() == []  # switched off
    settings.LEADLINE_AWAY_REASSIGN_MINUTES = 30
    assert [m.lead_id for m in away_leads_reassign()] == [new_with_away.pk]


def sweeps(status: str = TaskResultStatus.READY) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=sla_sweep.module_path, status=status))


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens the connection
def test_it_runs_the_sweep_in_the_worker_and_keeps_one_sweep_scheduled(settings):
    settings.LEADLINE_SLA_SWEEP_SECONDS = 0
    start_escalation_sweep(sender=None)
    assert sweeps() == []  # switched off (the test settings' default)

    settings.LEADLINE_SLA_SWEEP_SECONDS = 30
    (csr,) = csrs(1)
    rule([csr])
    policy(minutes=1)
    lead = capture()
    Lead.objects.filter(pk=lead.pk).update(first_response_due_at=timezone.now() - timedelta(seconds=5))
    start_escalation_sweep(sender=None)  # what migrate does
    assert ensure_sweep_scheduled() is False  # one is waiting already
    assert len(sweeps()) == 1

    old = DBTaskResult.objects.create(
        task_path=sla_sweep.module_path,
        status=TaskResultStatus.SUCCESSFUL,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        run_after=timezone.now() - timedelta(hours=2),
        finished_at=timezone.now() - timedelta(hours=2),
    )
    before = timezone.now()
    run_worker()
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()  # an old finished sweep is cleared away
    assert len(breach_notes(lead)) == 1
    done = sweeps(TaskResultStatus.SUCCESSFUL)
    assert len(done) == 1 and done[0].return_value == {"breaches_told": 1, "reassigned": 0}
    (waiting,) = sweeps()  # the next one, 30 s on: the batch worker leaves it for later
    assert timedelta(seconds=29) <= waiting.run_after - before <= timedelta(seconds=31)
    settings.LEADLINE_SLA_SWEEP_SECONDS = 0  # the flush after this test re-runs post_migrate
