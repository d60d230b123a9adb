"""Calls API (API.md "Calls").

Who may post ``/calls/events``: only an integration key; the call's
``provider`` is that integration. An employee's key gets a 403 there: the
Calls screen and employee scripts accept a call through
``POST /calls/{id}/accept``, which runs the same domain change as a
provider's ``accepted`` event (``call_accept`` → the shared event merge).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema
from pydantic import field_validator

from accounts.api_auth import actor
from accounts.models import Employee
from accounts.roles import Perm
from calls.models import Call
from calls.services import (
    LeadDetails,
    call_accept,
    call_back_attempt,
    call_book_job,
    call_close,
    call_event_record,
    call_excuse,
    caller_matches,
    calls_filtered,
)
from catalog.models import BusinessUnit, CallReason, Campaign, JobType, Tag
from core.api import responses
from core.errors import DomainError, FieldError, invalid, not_found
from core.pagination import keyset_page
from core.phones import normalize_phone
from core.refs import resolve, resolve_many
from core.schemas import CURSOR, DEFAULT_LIMIT, ISO_DATETIME, LIMIT, Page, PriorityName
from customers.api import ContactIn
from customers.models import Customer, Location
from leads.services import Contact

router = Router(tags=["Calls"])

ClassificationName = Literal["in_progress", "abandoned", "excused", "unbooked", "booked", "not_lead"]


class CallEventIn(Schema):
    provider_call_id: str = Field(..., min_length=1, max_length=128)
    event: Literal["ringing", "accepted", "ended"]
    at: datetime | None = None
    from_number: str = Field("", max_length=40)
    to_number: str = Field("", max_length=40)
    agent_id: int | None = None
    recording_url: str = Field("", max_length=500)

    @field_validator("recording_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value


class CallOut(Schema):
    id: int
    provider_call_id: str
    direction: str
    from_number: str
    to_number: str
    campaign_id: int | None
    unknown_tracking_number: bool
    classification: ClassificationName
    rang_at: datetime | None
    accepted_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int | None
    accepted_by_id: int | None
    call_reason_id: int | None
    customer_id: int | None
    location_id: int | None
    lead_id: int | None
    job_id: int | None
    recording_url: str = Field(
        description="A Leadline URL that plays the recording for a signed-in user allowed to see "
        "the call (empty when there is none); never the provider's URL."
    )
    last_callback_outcome: str
    closed_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_recording_url(obj: Any) -> str:
        if isinstance(obj, dict):  # already serialised once (``_detail``)
            return str(obj.get("recording_url") or "")
        return reverse("call_recording", args=[obj.pk]) if obj.recording_url else ""


class ProviderCallOut(CallOut):
    """A call as its provider is told about it: the customer we matched the
    caller to is ours, not the provider's (an integration reads nothing)."""

    customer_id: int | None = Field(None, description="Always null for the provider.")
    location_id: int | None = Field(None, description="Always null for the provider.")

    @staticmethod
    def resolve_customer_id(obj: Call) -> None:
        return None

    @staticmethod
    def resolve_location_id(obj: Call) -> None:
        return None


class CallEventOut(Schema):
    call: ProviderCallOut


class MatchCustomerOut(Schema):
    id: int
    name: str
    phones: list[str]
    location_ids: list[int]

    @staticmethod
    def resolve_location_ids(obj: Customer) -> list[int]:
        return [loc.pk for loc in obj.locations.all()]


class MatchLeadOut(Schema):
    id: int
    type: str
    name: str
    phone: str
    campaign_id: int | None
    created_at: datetime


class MatchJobOut(Schema):
    id: int
    customer_id: int
    location_id: int
    status: str
    created_at: datetime


class CallMatchesOut(Schema):
    customers: list[MatchCustomerOut]
    open_leads: list[MatchLeadOut]
    recent_jobs: list[MatchJobOut]


class CallDetailOut(CallOut):
    matches: CallMatchesOut


class CallLeadIn(Schema):
    """The lead to capture, as in ``POST /leads`` (the call and reason come from the close)."""

    type: Literal["marketing", "abandoned_call", "job_generated"] = "marketing"
    campaign_id: int | None = None
    customer_id: int | None = None
    location_id: int | None = None
    contact: ContactIn | None = None
    summary: str = Field("", max_length=5000)
    business_unit_id: int | None = None
    job_type_id: int | None = None
    priority: PriorityName | None = None
    tags: list[int] = []
    follow_up_on: date | None = None
    assignee_id: int | None = None


class CloseIn(Schema):
    call_reason_id: int
    lead: CallLeadIn | None = None
    confirm_without_location: bool = False


class CloseLeadOut(Schema):
    id: int
    type: str
    status: str
    marker: str | None
    customer_id: int | None
    location_id: int | None
    campaign_id: int | None


class CloseOut(Schema):
    call: CallOut
    lead: CloseLeadOut | None
    warnings: list[str]
    confirm_without_location: bool


class ExcuseIn(Schema):
    note: str = Field(..., max_length=2000)


class CallbackIn(Schema):
    outcome: Literal["reached", "voicemail", "no_answer"]
    note: str = Field("", max_length=2000)


class AcceptIn(Schema):
    takeover: bool = False


class BookIn(Schema):
    customer_id: int
    location_id: int
    business_unit_id: int
    job_type_id: int
    priority: PriorityName | None = None
    start: datetime | None = None
    technician_id: int | None = None
    summary: str = Field("", max_length=5000)
    # Admins only: book into a full (or closed) arrival window on purpose; audited.
    overbook: bool = False


class BookOut(Schema):
    call: CallOut
    job_id: int


def _e164(raw: str, field: str) -> str:
    return normalize_phone(raw, field=field) if raw.strip() else ""


def _call(request: HttpRequest, call_id: int) -> Call:
    actor(request).require(Perm.WORK_LEADS)
    call = Call.objects.filter(pk=call_id).first()
    if call is None:
        raise not_found(f"call {call_id}")
    return call


@router.post("/calls/events", response=responses({200: CallEventOut}))
def post_call_event(request: HttpRequest, payload: CallEventIn) -> dict[str, Any]:
    """A telephony provider's event (integration key only). Idempotent by
    provider call id and event; out-of-order events converge."""
    a = actor(request)
    at = payload.at
    if at is not None and timezone.is_naive(at):
        raise invalid("at", "needs a UTC offset, e.g. 2026-03-02T09:00:00-06:00")
    call = call_event_record(
        actor=a,
        provider_call_id=payload.provider_call_id,
        event=payload.event,
        at=at,
        from_number=_e164(payload.from_number, "from_number"),
        to_number=_e164(payload.to_number, "to_number"),
        agent_id=payload.agent_id,
        recording_url=payload.recording_url,
    )
    return {"call": call}


@router.get("/calls", response=responses({200: Page[CallOut]}))
def list_calls(
    request: HttpRequest,
    classification: ClassificationName | None = None,
    campaign_id: int | None = None,
    agent_id: int | None = None,
    min_duration: int | None = None,
    number: str | None = None,
    since: ISO_DATETIME | None = None,
    until: ISO_DATETIME | None = None,
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    actor(request).require(Perm.WORK_LEADS)
    qs = calls_filtered(
        classification=classification,
        campaign_id=campaign_id,
        agent_id=agent_id,
        min_duration=min_duration,
        number=number,
        since=since,
        until=until,
    )
    items, next_cursor = keyset_page(qs, order=("-created_at", "-id"), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


def _detail(call: Call) -> dict[str, Any]:
    matches = caller_matches(phone=call.from_number)
    out = CallOut.from_orm(call).dict()
    out["matches"] = {
        "customers": matches.customers,
        "open_leads": matches.open_leads,
        "recent_jobs": matches.recent_jobs,
    }
    return out


@router.get("/calls/{call_id}", response=responses({200: CallDetailOut}))
def get_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    return _detail(_call(request, call_id))


@router.post("/calls/{call_id}/accept", response=responses({200: CallOut}))
def accept_call(request: HttpRequest, call_id: int, payload: AcceptIn) -> Call:
    """An employee takes the call (the Calls screen's bubble); 409 ``call_taken``
    when another CSR has it, unless ``takeover`` is true."""
    return call_accept(actor=actor(request), call=_call(request, call_id), takeover=payload.takeover)


def _lead_details(payload: CallLeadIn) -> LeadDetails:
    return LeadDetails(
        type=payload.type,
        contact=Contact(**payload.contact.dict()) if payload.contact else Contact(),
        campaign=resolve(Campaign, payload.campaign_id, "lead.campaign_id"),
        customer=resolve(Customer, payload.customer_id, "lead.customer_id"),
        location=resolve(Location, payload.location_id, "lead.location_id"),
        summary=payload.summary,
        business_unit=resolve(BusinessUnit, payload.business_unit_id, "lead.business_unit_id"),
        job_type=resolve(JobType, payload.job_type_id, "lead.job_type_id"),
        priority=payload.priority,
        tags=resolve_many(Tag, payload.tags, "lead.tags"),
        follow_up_on=payload.follow_up_on,
        assignee=resolve(Employee, payload.assignee_id, "lead.assignee_id"),
    )


def _under_lead(exc: DomainError) -> DomainError:
    """The lead's field errors named where they are in this body (``lead.contact.phone``)."""
    if not exc.errors:
        return exc
    errors = [
        e if e.field in ("call_reason_id", "call_id") else FieldError(f"lead.{e.field}", e.message)
        for e in exc.errors
    ]
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return DomainError(detail, code=exc.code, errors=errors, status=exc.status)


@router.post("/calls/{call_id}/close", response=responses({200: CloseOut}))
def close_call(request: HttpRequest, call_id: int, payload: CloseIn) -> dict[str, Any]:
    """Close with a call reason; ``lead`` captures a lead (lead reasons only).
    Closing without a location is allowed and said in ``warnings``."""
    call = _call(request, call_id)
    details = _lead_details(payload.lead) if payload.lead is not None else None
    try:
        result = call_close(
            actor=actor(request),
            call=call,
            call_reason=resolve(CallReason, payload.call_reason_id, "call_reason_id", require_active=False),
            lead=details,
            confirm_without_location=payload.confirm_without_location,
        )
    except DomainError as exc:
        raise _under_lead(exc) from None
    return {
        "call": result.call,
        "lead": result.lead,
        "warnings": result.warnings,
        "confirm_without_location": payload.confirm_without_location,
    }


@router.post("/calls/{call_id}/book", response=responses({200: BookOut}))
def book_from_call(request: HttpRequest, call_id: int, payload: BookIn) -> dict[str, Any]:
    """Book a job during the call: the call becomes ``booked`` and the job keeps its campaign."""
    call = _call(request, call_id)
    job = call_book_job(
        actor=actor(request),
        call=call,
        customer=resolve(Customer, payload.customer_id, "customer_id"),
        location=resolve(Location, payload.location_id, "location_id"),
        business_unit=resolve(BusinessUnit, payload.business_unit_id, "business_unit_id"),  # type: ignore[arg-type]
        job_type=resolve(JobType, payload.job_type_id, "job_type_id"),  # type: ignore[arg-type]
        priority=payload.priority,
        start=payload.start,
        technician=resolve(Employee, payload.technician_id, "technician_id"),
        summary=payload.summary,
        overbook=payload.overbook,
    )
    return {"call": Call.objects.get(pk=call.pk), "job_id": job.pk}


@router.post("/calls/{call_id}/excuse", response=responses({200: CallOut}))
def excuse_call(request: HttpRequest, call_id: int, payload: ExcuseIn) -> Call:
    """A manager excuses a finished call (``Perm.EXCUSE_CALLS``)."""
    a = actor(request)
    a.require(Perm.EXCUSE_CALLS)
    return call_excuse(actor=a, call=_call(request, call_id), note=payload.note)


@router.post("/calls/{call_id}/callback", response=responses({200: CallOut}))
def call_back(request: HttpRequest, call_id: int, payload: CallbackIn) -> Call:
    """Log a call-back (the Leads tab's Call back) and how it went; on an open lead
    it is a follow-up with that outcome, so it counts as the first response."""
    a = actor(request)
    a.require(Perm.WORK_LEADS)
    return call_back_attempt(
        actor=a, call=_call(request, call_id), outcome=payload.outcome, note=payload.note
    )
