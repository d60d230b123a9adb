from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from accounts.api_auth import actor
from accounts.roles import Perm
from assignment.models import AssignmentRule, SlaPolicy
from assignment.services import (
    MATCH_FIELDS,
    assignment_rule_create,
    assignment_rule_update,
    sla_policy_create,
    sla_policy_update,
)
from core.api import responses
from core.pagination import keyset_page
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page

router = Router(tags=["Assignment and SLAs"])

LeadTypeName = Literal["marketing", "abandoned_call", "job_generated"]
ChannelName = Literal["call", "text", "online", "email", "chat", "partner", "phone", "job", "api", "manual"]
StrategyName = Literal["round_robin", "least_open"]


class RuleMatch(Schema):
    lead_types: list[LeadTypeName] = []
    channels: list[ChannelName] = []
    campaign_ids: list[int] = []
    business_unit_ids: list[int] = []
    zip_prefixes: list[str] = []


class RuleIn(Schema):
    name: str = Field(..., max_length=120)
    active: bool = True
    position: int | None = Field(None, ge=0, description="Order among rules (lowest first); default: last.")
    match: RuleMatch = RuleMatch()
    strategy: StrategyName = "round_robin"
    employee_ids: list[int] = Field(..., description="Who the rule assigns to, in round-robin turn order.")
    available_only: bool = False


class RulePatch(Schema):
    name: str | None = Field(None, max_length=120)
    active: bool | None = None
    position: int | None = Field(None, ge=0)
    match: RuleMatch | None = None
    strategy: StrategyName | None = None
    employee_ids: list[int] | None = None
    available_only: bool | None = None


class RuleOut(Schema):
    id: int
    name: str
    active: bool
    position: int
    match: RuleMatch
    strategy: StrategyName
    employee_ids: list[int]
    available_only: bool

    @staticmethod
    def resolve_match(obj: AssignmentRule) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in MATCH_FIELDS}


def _flat(payload: RuleIn | RulePatch, *, partial: bool) -> dict[str, Any]:
    """The service's flat fields; a partial ``match`` changes only the lists it names."""
    data = {k: v for k, v in payload.dict(exclude_unset=partial).items() if k != "match"}
    if partial:
        data = {k: v for k, v in data.items() if v is not None}
    if payload.match is not None:
        data.update(payload.match.dict(exclude_unset=partial))
    return data


@router.get("/assignment-rules", response=responses({200: Page[RuleOut]}))
def list_rules(request: HttpRequest, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT) -> dict[str, Any]:
    """The rules in the order they are tried (admin)."""
    actor(request).require(Perm.SETTINGS)
    items, next_cursor = keyset_page(
        AssignmentRule.objects.all(), order=("position", "id"), cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post("/assignment-rules", response=responses({201: RuleOut}))
def create_rule(request: HttpRequest, payload: RuleIn) -> Status:
    """A rule: the first active one by ``position`` whose match fits a new lead assigns it.
    An empty match list matches anything; the lists are ANDed."""
    return Status(201, assignment_rule_create(actor=actor(request), data=_flat(payload, partial=False)))


@router.patch("/assignment-rules/{rule_id}", response=responses({200: RuleOut}))
def update_rule(request: HttpRequest, rule_id: int, payload: RulePatch) -> AssignmentRule:
    """Change a rule (admin); a ``match`` given replaces only the lists it names."""
    return assignment_rule_update(actor=actor(request), rule_id=rule_id, changes=_flat(payload, partial=True))


class PolicyIn(Schema):
    name: str = Field(..., max_length=120)
    active: bool = True
    lead_types: list[LeadTypeName] = []
    channels: list[ChannelName] = []
    minutes: int
    business_hours_only: bool = False


class PolicyPatch(Schema):
    name: str | None = Field(None, max_length=120)
    active: bool | None = None
    lead_types: list[LeadTypeName] | None = None
    channels: list[ChannelName] | None = None
    minutes: int | None = None
    business_hours_only: bool | None = None


class PolicyOut(Schema):
    id: int
    name: str
    active: bool
    lead_types: list[LeadTypeName]
    channels: list[ChannelName]
    minutes: int
    business_hours_only: bool


@router.get("/sla-policies", response=responses({200: Page[PolicyOut]}))
def list_policies(request: HttpRequest, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT) -> dict[str, Any]:
    """First-response targets (any staff may read them; admins change them)."""
    actor(request).require_staff()
    items, next_cursor = keyset_page(SlaPolicy.objects.all(), order=("id",), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/sla-policies", response=responses({201: PolicyOut}))
def create_policy(request: HttpRequest, payload: PolicyIn) -> Status:
    """A first-response target for leads of these types and channels (empty: any), in minutes,
    counted in business hours when ``business_hours_only``. The most specific match wins."""
    return Status(201, sla_policy_create(actor=actor(request), data=payload.dict()))


@router.patch("/sla-policies/{policy_id}", response=responses({200: PolicyOut}))
def update_policy(request: HttpRequest, policy_id: int, payload: PolicyPatch) -> SlaPolicy:
    return sla_policy_update(
        actor=actor(request),
        policy_id=policy_id,
        changes={k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None},
    )
