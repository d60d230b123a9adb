"""Who owns a new lead and how long it may wait for a first response.

Applied to every lead ``lead_capture`` makes (``leads.hooks``), so every
intake path — pages, ``POST /leads``, calls, texts, bookings, the Job
screen's flyout — gets the same owner and clock:

1. an assignee the person capturing picked stays (a person assigned it);
2. a lead captured on a call stays with the CSR who took the call;
3. else the first active rule by ``position`` whose match fits picks one of
   its employees (round robin in turn, or the fewest open leads), skipping
   inactive employees and, with ``available_only``, those marked Away. No
   rule matching, or nobody eligible, leaves the lead unassigned.

The round robin's cursor is the rule row, read ``SELECT … FOR UPDATE`` inside
the capture's transaction, so two leads captured at the same instant take
turns: the second waits for the first to commit and then sees its turn taken.

SLA: the matching active policy with the most specific match (type and
channel named beats one named beats neither), then the fewest minutes, sets
``first_response_due_at`` from the moment of capture, in business hours
(``hours.services.add_business_minutes``) when the policy says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Role
from accounts.roles import Perm, role_can
from assignment.models import AssignmentRule, SlaPolicy
from catalog.models import BusinessUnit, Campaign
from core.errors import FieldError, collect, invalid, not_found
from core.models import AuditEntry
from core.prepared import Prepared
from hours.services import BusinessHoursSpec, add_business_minutes
from leads.hooks import CaptureContext
from leads.models import Lead
from notifications.services import notify

MATCH_FIELDS = ("lead_types", "channels", "campaign_ids", "business_unit_ids", "zip_prefixes")
RULE_FIELDS = ("name", "active", "position", *MATCH_FIELDS, "strategy", "employee_ids", "available_only")
POLICY_FIELDS = ("name", "active", "lead_types", "channels", "minutes", "business_hours_only")
ZIP_PREFIX = re.compile(r"^\d{1,5}$")
MAX_SLA_MINUTES = 60 * 24 * 30


# --- matching ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadFacts:
    """What rules and policies match on."""

    type: str
    channel: str
    campaign_id: int | None = None
    business_unit_id: int | None = None
    zip: str = ""


def facts_of(lead: Lead) -> LeadFacts:
    # The service location's ZIP when there is one, else what was typed on the lead.
    location = lead.location if lead.location_id else None
    return LeadFacts(
        type=lead.type,
        channel=lead.channel,
        campaign_id=lead.campaign_id,
        business_unit_id=lead.business_unit_id,
        zip=(location.zip if location is not None else lead.zip).strip(),
    )


def rule_matches(rule: AssignmentRule, facts: LeadFacts) -> bool:
    """Each non-empty list must contain the lead's value (ZIPs by prefix)."""
    return (
        (not rule.lead_types or facts.type in rule.lead_types)
        and (not rule.channels or facts.channel in rule.channels)
        and (not rule.campaign_ids or facts.campaign_id in rule.campaign_ids)
        and (not rule.business_unit_ids or facts.business_unit_id in rule.business_unit_ids)
        and (not rule.zip_prefixes or any(facts.zip.startswith(p) for p in rule.zip_prefixes))
    )


# Read on every capture, so compiled once per process (core.prepared), and
# during an API request read once per change of configuration (core.generation).
_ACTIVE_RULES = Prepared(
    lambda: AssignmentRule.objects.filter(active=True).order_by("position", "id"), kept=True
)
_ACTIVE_POLICIES = Prepared(lambda: SlaPolicy.objects.filter(active=True).order_by("id"), kept=True)


def matching_rule(facts: LeadFacts, rules: Iterable[AssignmentRule] | None = None) -> AssignmentRule | None:
    """The first active rule by position that fits (one query without ``rules``)."""
    if rules is None:
        rules = _ACTIVE_RULES.all()
    return next((r for r in rules if r.active and rule_matches(r, facts)), None)


def _turn_order(order: Sequence[int], last: int | None) -> list[int]:
    """The rule's list rotated to start after whoever had the last turn."""
    if last is not None and last in order:
        i = list(order).index(last) + 1
        return [*order[i:], *order[:i]]
    return list(order)


def assignable_roles() -> list[str]:

    return [r.value for r in Role if role_can(r.value, Perm.WORK_LEADS)]


def pick_assignee(
    rule: AssignmentRule, *, exclude: Iterable[int] = (), require_available: bool = False
) -> int | None:
    """Lock the rule, choose whose turn it is among the eligible, move the cursor.
    Must run inside a transaction (the capture's): the lock is held until it commits.
    ``require_available`` skips Away employees even when the rule does not (the
    escalation offering an Away CSR's lead back to the rule)."""
    locked = AssignmentRule.objects.select_for_update().get(pk=rule.pk)
    eligible_qs = Employee.objects.filter(
        pk__in=locked.employee_ids, active=True, role__in=assignable_roles()
    )
    if locked.available_only or require_available:
        eligible_qs = eligible_qs.filter(available=True)
    eligible = set(eligible_qs.values_list("pk", flat=True)) - set(exclude)
    order = [pk for pk in _turn_order(locked.employee_ids, locked.last_employee_id) if pk in eligible]
    if not order:
        return None
    chosen = order[0]
    if locked.strategy == AssignmentRule.Strategy.LEAST_OPEN:
        counts = dict(
            Lead.objects.filter(status=Lead.Status.OPEN, assignee_id__in=order)
            .values_list("assignee_id")
            .annotate(n=Count("id"))
            .order_by()
        )
        fewest = min(counts.get(pk, 0) for pk in order)
        # Ties go in turn, so equal loads still rotate.
        chosen = next(pk for pk in order if counts.get(pk, 0) == fewest)
    AssignmentRule.objects.filter(pk=locked.pk).update(last_employee_id=chosen)
    return chosen


def sla_policy_for(facts: LeadFacts, policies: Iterable[SlaPolicy]) -> SlaPolicy | None:
    fitting = [
        p
        for p in policies
        if p.active
        and (not p.lead_types or facts.type in p.lead_types)
        and (not p.channels or facts.channel in p.channels)
    ]
    return min(
        fitting,
        key=lambda p: (-(bool(p.lead_types) + bool(p.channels)), p.minutes, p.pk),
        default=None,
    )


def first_response_due(start: datetime, policy: SlaPolicy, spec: BusinessHoursSpec | None = None) -> datetime:
    if policy.business_hours_only:
        return add_business_minutes(start, policy.minutes, spec)
    return start + timedelta(minutes=policy.minutes)


# --- the capture hooks ------------------------------------------------------------------------


@dataclass(frozen=True)
class _CapturePlan:
    """What applies to a new lead: decided once per capture (``lead_plan``)."""

    by_call: int | None  # the CSR who took the call the lead was captured on
    rule: AssignmentRule | None
    policy: SlaPolicy | None


def _capture_plan(lead: Lead, context: CaptureContext) -> _CapturePlan:
    plan = context.notes.get(__name__)
    if plan is None:
        facts = facts_of(lead)
        call = lead.call if lead.call_id else None
        by_call = rule = None
        if context.chosen_assignee_id is not None:
            pass  # a person assigned it
        elif call is not None and lead.type != Lead.Type.ABANDONED_CALL and call.accepted_by_id is not None:
            by_call = call.accepted_by_id
        else:
            rule = matching_rule(facts)
        plan = context.notes[__name__] = _CapturePlan(
            by_call=by_call, rule=rule, policy=sla_policy_for(facts, _ACTIVE_POLICIES.all())
        )
    return plan


def lead_plan(lead: Lead, context: CaptureContext) -> bool:
    """Whether the capture will write for assignment: a rule's turn to take
    (its cursor, and a notice to whom it chose) or an SLA clock's check to queue."""
    plan = _capture_plan(lead, context)
    return plan.rule is not None or plan.policy is not None


def lead_prepare(lead: Lead, context: CaptureContext) -> dict[str, Any]:
    """Set the new (unsaved) lead's assignee and first-response due time; say
    in the capture's audit entry who assigned it and which rule or policy applied."""
    audit: dict[str, Any] = {}
    now = timezone.now()
    plan = _capture_plan(lead, context)
    if context.chosen_assignee_id is not None:
        audit["assigned_by"] = Lead.AssignedBy.PERSON.value
    elif plan.by_call is not None:
        lead.assignee_id = plan.by_call
        lead.assigned_by, lead.assigned_at = Lead.AssignedBy.CALL, now
        audit.update(assigned_by=Lead.AssignedBy.CALL.value, assignee=plan.by_call)
    elif plan.rule is not None:
        audit["rule"] = plan.rule.pk
        chosen = pick_assignee(plan.rule)
        if chosen is not None:
            lead.assignee_id = chosen
            lead.assigned_by, lead.assigned_at = Lead.AssignedBy.RULE, now
            audit.update(assigned_by=Lead.AssignedBy.RULE.value, assignee=chosen)
    if plan.policy is not None:
        lead.first_response_due_at = first_response_due(now, plan.policy)
        audit["sla_policy"] = plan.policy.pk
    return audit


def lead_captured(lead: Lead, context: CaptureContext) -> None:
    """Tell whoever a rule gave the lead to (a person who chose tells through
    leads.services), and have the worker look at the lead when its clock runs out."""
    if lead.assigned_by == Lead.AssignedBy.RULE and lead.assignee_id is not None:
        notify_assigned(lead)
    if lead.first_response_due_at is not None:
        from assignment.tasks import sla_breach_check

        sla_breach_check.using(run_after=lead.first_response_due_at).enqueue(lead.pk)


def breach_key(lead_id: int) -> str:
    """The notification key that makes a breach notice once per lead and person."""
    return f"sla_breached:{lead_id}"


def _who(lead: Lead) -> str:
    return (
        lead.name
        or (lead.customer.name if lead.customer else "")
        or lead.phone
        or lead.email
        or f"lead {lead.pk}"
    )


def sla_breach_notify(lead_id: int, now: datetime | None = None) -> bool:
    """If the lead is still open and unanswered past its due time, tell its
    assignee and the managers, once: the conditional UPDATE is the claim, so two
    workers (a lead's own check and the sweep, or a re-run task) cannot both
    tell. Returns whether it told. The one home of the breach notice: the
    per-lead check and the escalation sweep both come here."""
    now = now or timezone.now()
    with transaction.atomic():
        claimed = Lead.objects.filter(
            pk=lead_id,
            status=Lead.Status.OPEN,
            first_response_at__isnull=True,
            first_response_due_at__lte=now,
            sla_breach_notified_at__isnull=True,
        ).update(sla_breach_notified_at=now)
        if not claimed:
            return False
        lead = Lead.objects.select_related("customer", "assignee").get(pk=lead_id)
        assert lead.first_response_due_at is not None
        minutes = int((now - lead.first_response_due_at).total_seconds() // 60)
        late = "just now" if minutes < 1 else f"{minutes} min ago"
        owner = f"{lead.assignee.name}'s" if lead.assignee else "unassigned"
        managers = Employee.objects.filter(role=Role.MANAGER, active=True).values_list("pk", flat=True)
        notify(
            employees=[*managers, *([lead.assignee_id] if lead.assignee_id else [])],
            kind="sla_breached",
            text=f"First response late ({owner}): {_who(lead)}, due {late}",
            url=reverse("lead_detail", args=[lead.pk]),
            key=breach_key(lead.pk),
        )
    return True


def notify_assigned(lead: Lead) -> None:
    notify(
        employees=[lead.assignee_id] if lead.assignee_id else [],
        kind="lead_assigned",
        text=f"New lead for you: {lead.name or lead.phone or lead.email or f'lead {lead.pk}'}",
        url=reverse("lead_detail", args=[lead.pk]),
    )


# --- rules and policies (admin) ---------------------------------------------------------------


def _str_list(value: Any, name: str, allowed: Sequence[str], errors: list[FieldError]) -> list[str]:
    if not isinstance(value, list | tuple):
        errors.append(FieldError(name, "must be a list"))
        return []
    out: list[str] = []
    for i, item in enumerate(value):
        if item not in allowed:
            errors.append(FieldError(f"{name}.{i}", f"must be one of {', '.join(allowed)}"))
        elif item not in out:
            out.append(item)
    return out


def _id_list(value: Any, name: str, known: set[int], what: str, errors: list[FieldError]) -> list[int]:
    if not isinstance(value, list | tuple):
        errors.append(FieldError(name, "must be a list of ids"))
        return []
    out: list[int] = []
    for i, item in enumerate(value):
        if not isinstance(item, int) or isinstance(item, bool):
            errors.append(FieldError(f"{name}.{i}", "must be an id"))
        elif item not in known:
            errors.append(FieldError(f"{name}.{i}", f"{what} {item} does not exist"))
        elif item not in out:
            out.append(item)
    return out


def _name(value: Any, errors: list[FieldError]) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        errors.append(FieldError("name", "is required"))
    elif len(name) > 120:
        errors.append(FieldError("name", "is at most 120 characters"))
    return name


def _bool(value: Any, name: str, errors: list[FieldError]) -> bool:
    if not isinstance(value, bool):
        errors.append(FieldError(name, "must be true or false"))
        return False
    return value


def _match_name(field_name: str) -> str:
    return f"match.{field_name}" if field_name in MATCH_FIELDS else field_name


def _clean_rule(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    out: dict[str, Any] = {
        "name": _name(data.get("name"), errors),
        "active": _bool(data.get("active", True), "active", errors),
        "available_only": _bool(data.get("available_only", False), "available_only", errors),
        "lead_types": _str_list(data.get("lead_types", []), "match.lead_types", Lead.Type.values, errors),
        "channels": _str_list(data.get("channels", []), "match.channels", Lead.Channel.values, errors),
    }
    campaign_ids = data.get("campaign_ids", [])
    bu_ids = data.get("business_unit_ids", [])
    out["campaign_ids"] = _id_list(
        campaign_ids,
        "match.campaign_ids",
        set(Campaign.objects.filter(pk__in=_ints(campaign_ids)).values_list("pk", flat=True)),
        "campaign",
        errors,
    )
    out["business_unit_ids"] = _id_list(
        bu_ids,
        "match.business_unit_ids",
        set(BusinessUnit.objects.filter(pk__in=_ints(bu_ids)).values_list("pk", flat=True)),
        "business unit",
        errors,
    )
    prefixes = data.get("zip_prefixes", [])
    out["zip_prefixes"] = []
    if not isinstance(prefixes, list | tuple):
        errors.append(FieldError("match.zip_prefixes", "must be a list"))
    else:
        for i, raw in enumerate(prefixes):
            prefix = raw.strip() if isinstance(raw, str) else ""
            if not ZIP_PREFIX.match(prefix):
                errors.append(FieldError(f"match.zip_prefixes.{i}", "must be 1 to 5 digits, e.g. 787"))
            elif prefix not in out["zip_prefixes"]:
                out["zip_prefixes"].append(prefix)
    strategy = data.get("strategy", AssignmentRule.Strategy.ROUND_ROBIN)
    if strategy not in AssignmentRule.Strategy.values:
        errors.append(FieldError("strategy", f"must be one of {', '.join(AssignmentRule.Strategy.values)}"))
    out["strategy"] = strategy
    employee_ids = data.get("employee_ids", [])
    employees = {e.pk: e for e in Employee.objects.filter(pk__in=_ints(employee_ids))}
    out["employee_ids"] = _id_list(employee_ids, "employee_ids", set(employees), "employee", errors)
    for i, pk in enumerate(out["employee_ids"]):
        who = employees[pk]
        if not who.active:
            errors.append(FieldError(f"employee_ids.{i}", f"{who} is inactive"))
        elif not role_can(who.role, Perm.WORK_LEADS):
            errors.append(FieldError(f"employee_ids.{i}", f"{who} is a {who.role} and may not work leads"))
    if not errors and not out["employee_ids"]:
        errors.append(FieldError("employee_ids", "name at least one employee to assign to"))
    position = data.get("position")
    if position is not None and (not isinstance(position, int) or isinstance(position, bool) or position < 0):
        errors.append(FieldError("position", "must be a whole number, 0 or more"))
    out["position"] = position
    collect(errors)
    return out


def _ints(value: Any) -> list[int]:
    if not isinstance(value, list | tuple):
        return []
    return [v for v in value if isinstance(v, int) and not isinstance(v, bool)]


def _audit(actor: Actor, entity: str, obj: Any, action: str, changes: dict[str, Any]) -> None:
    AuditEntry.record(actor=actor, entity=entity, entity_id=obj.pk, action=action, changes=changes)


@transaction.atomic
def assignment_rule_create(*, actor: Actor, data: Mapping[str, Any]) -> AssignmentRule:
    """A new rule; without a ``position`` it goes last."""
    actor.require(Perm.SETTINGS)
    cleaned = _clean_rule(data)
    if cleaned["position"] is None:
        last = AssignmentRule.objects.aggregate(m=Max("position"))["m"]
        cleaned["position"] = 0 if last is None else last + 1
    rule = AssignmentRule.objects.create(**cleaned)
    _audit(actor, "assignment_rule", rule, "created", {k: cleaned[k] for k in RULE_FIELDS})
    return rule


@transaction.atomic
def assignment_rule_update(*, actor: Actor, rule_id: int, changes: Mapping[str, Any]) -> AssignmentRule:
    """Change some fields; the rule as a whole is checked again."""
    actor.require(Perm.SETTINGS)
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise invalid(_match_name(sorted(unknown)[0]), "cannot be changed")
    rule = AssignmentRule.objects.select_for_update().filter(pk=rule_id).first()
    if rule is None:
        raise not_found(f"assignment rule {rule_id}")
    before = {k: getattr(rule, k) for k in RULE_FIELDS}
    cleaned = _clean_rule({**before, **changes})
    if cleaned["position"] is None:
        cleaned["position"] = rule.position
    for k, v in cleaned.items():
        setattr(rule, k, v)
    rule.save()
    diff = {k: [before[k], cleaned[k]] for k in RULE_FIELDS if before[k] != cleaned[k]}
    if diff:
        _audit(actor, "assignment_rule", rule, "updated", diff)
    return rule


def _clean_policy(data: Mapping[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    out: dict[str, Any] = {
        "name": _name(data.get("name"), errors),
        "active": _bool(data.get("active", True), "active", errors),
        "lead_types": _str_list(data.get("lead_types", []), "lead_types", Lead.Type.values, errors),
        "channels": _str_list(data.get("channels", []), "channels", Lead.Channel.values, errors),
        "business_hours_only": _bool(data.get("business_hours_only", False), "business_hours_only", errors),
    }
    minutes = data.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_SLA_MINUTES:
        errors.append(FieldError("minutes", f"must be a whole number of minutes, 1 to {MAX_SLA_MINUTES}"))
    out["minutes"] = minutes
    collect(errors)
    return out


@transaction.atomic
def sla_policy_create(*, actor: Actor, data: Mapping[str, Any]) -> SlaPolicy:
    """A first-response target. It applies to leads captured from now on."""
    actor.require(Perm.SETTINGS)
    cleaned = _clean_policy(data)
    policy = SlaPolicy.objects.create(**cleaned)
    _audit(actor, "sla_policy", policy, "created", cleaned)
    transaction.on_commit(_start_sweep)
    return policy


@transaction.atomic
def sla_policy_update(*, actor: Actor, policy_id: int, changes: Mapping[str, Any]) -> SlaPolicy:
    actor.require(Perm.SETTINGS)
    unknown = set(changes) - set(POLICY_FIELDS)
    if unknown:
        raise invalid(sorted(unknown)[0], "cannot be changed")
    policy = SlaPolicy.objects.select_for_update().filter(pk=policy_id).first()
    if policy is None:
        raise not_found(f"SLA policy {policy_id}")
    before = {k: getattr(policy, k) for k in POLICY_FIELDS}
    cleaned = _clean_policy({**before, **changes})
    for k, v in cleaned.items():
        setattr(policy, k, v)
    policy.save()
    diff = {k: [before[k], cleaned[k]] for k in POLICY_FIELDS if before[k] != cleaned[k]}
    if diff:
        _audit(actor, "sla_policy", policy, "updated", diff)
    transaction.on_commit(_start_sweep)
    return policy


def _start_sweep() -> None:
    """With a policy in place the worker's escalation sweep must run (``assignment.tasks``)."""
    from assignment.tasks import ensure_sweep_scheduled  # tasks → escalation → services

    ensure_sweep_scheduled()
