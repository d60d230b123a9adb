from __future__ import annotations

from typing import Any

from accounts.actor import Actor
from accounts.models import Employee, Role
from accounts.tests.factories import EmployeeFactory
from assignment.models import AssignmentRule, SlaPolicy
from assignment.services import assignment_rule_create, sla_policy_create
from catalog.models import Campaign
from catalog.tests.factories import CampaignFactory
from leads.models import Lead
from leads.services import Contact, lead_capture


def admin() -> Actor:
    return Actor(employee=EmployeeFactory(role=Role.ADMIN))


def csrs(n: int, **kwargs: Any) -> list[Employee]:
    return [EmployeeFactory(**{"role": Role.CSR, **kwargs}) for _ in range(n)]


def rule(employees: list[Employee], **data: Any) -> AssignmentRule:
    body = {"name": data.pop("name", "Everyone"), "employee_ids": [e.pk for e in employees], **data}
    return assignment_rule_create(actor=admin(), data=body)


def policy(**data: Any) -> SlaPolicy:
    return sla_policy_create(actor=admin(), data={"name": data.pop("name", "Respond"), **data})


def capture(actor: Actor | None = None, campaign: Campaign | None = None, **kwargs: Any) -> Lead:
    who = actor or Actor(employee=EmployeeFactory(role=Role.CSR))
    contact = kwargs.pop("contact", Contact(name="Pat", phone="5128675309"))
    return lead_capture(
        actor=who,
        type=kwargs.pop("type", "marketing"),
        campaign=campaign or CampaignFactory(),
        contact=contact,
        with_matches=False,
        **kwargs,
    ).lead
