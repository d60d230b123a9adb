"""Leads over JSON (API.md "Leads" and ``POST /jobs/{id}/leads``). Handlers
parse, resolve ids, call a service in ``leads.services`` and shape the answer."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from accounts.actor import Actor
from accounts.api_auth import actor
from accounts.models import Employee
from accounts.roles import Perm
from bookings.models import Booking
from bookings.services import booking_convert
from calls.models import Call
from catalog.models import BusinessUnit, CallReason, Campaign, JobType, Tag
from core.api import responses
from core.errors import invalid, not_found
from core.pagination import keyset_page
from core.refs import resolve, resolve_many
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, DictSchema, Page, PriorityName, answer_of
from customers.api import ContactIn, ContactOut
from customers.models import Customer, Location
from jobs.api import BookedOut, BookFromContactIn, JobOut, job_visible, jobs_with_details
from jobs.models import Job
from leads.models import Lead, LeadActivity
from leads.selectors import LeadChannel, LeadFilters, LeadType, leads_filtered, leads_for, queue_order
from leads.services import (
    CaptureResult,
    Contact,
    lead_add_note,
    lead_capture,
    lead_capture_from_job,
    lead_convert,
    lead_dismiss,
    lead_follow_up,
    lead_merge,
    lead_reopen,
    lead_timeline,
    lead_update,
)

router = Router(tags=["Leads"])

Outcome = Literal["spoke", "left_message", "no_answer", "emailed", "call_back", "not_ready"]


class LeadIn(Schema):
    type: LeadType
    campaign_id: int | None = None
    call_id: int | None = None
    booking_id: int | None = None
    customer_id: int | None = None
    location_id: int | None = None
    contact: ContactIn | None = None
    summary: str = ""
    business_unit_id: int | None = None
    job_type_id: int | None = None
    priority: PriorityName | None = None
    tags: list[int] = []
    follow_up_on: date | None = None
    call_reason_id: int | None = None
    assignee_id: int | None = None
    origin_job_id: int | None = None
    lead_setting_employee_id: int | None = None
    technician_id: int | None = None
    start: datetime | None = None
    # Accepted for parity with the page's question; the API never refuses a
    # lead without a location, it warns (DESIGN.md rule 3).
    confirm_without_location: bool = False


class LeadOut(DictSchema):
    id: int
    type: LeadType
    status: str
    marker: str | None
    contact: ContactOut
    customer_id: int | None
    location_id: int | None
    campaign_id: int | None
    call_id: int | None
    booking_id: int | None
    call_reason_id: int | None
    origin_job_id: int | None
    lead_setting_employee_id: int | None
    technician_id: int | None
    start: datetime | None
    summary: str
    business_unit_id: int | None
    job_type_id: int | None
    priority: PriorityName
    tags: list[int]
    assignee_id: int | None
    assigned_by: Literal["", "person", "rule", "call"] = Field(
        "",
        description="Who chose the assignee: a person, an assignment rule, or the call it was captured on.",
    )
    channel: LeadChannel
    follow_up_on: date
    created_at: datetime
    created_by_id: int | None
    first_response_at: datetime | None
    first_response_by_id: int | None
    first_response_due_at: datetime | None
    sla_status: Literal["none", "on_time", "due_soon", "breached", "met"]
    converted_job_id: int | None
    converted_at: datetime | None
    dismiss_reason_id: int | None
    dismiss_note: str
    dismissed_at: datetime | None
    merged_into_id: int | None

    @staticmethod
    def resolve_contact(obj: Lead) -> dict[str, str]:
        return {"name": obj.name, "phone": obj.phone, "email": obj.email, **obj.contact_address()}

    @staticmethod
    def resolve_tags(obj: Lead) -> list[int]:
        return sorted(t.pk for t in obj.tags.all())


class CustomerMatchOut(DictSchema):
    id: int
    name: str
    phones: list[str]
    emails: list[str]


class LeadMatchOut(DictSchema):
    id: int
    status: str
    name: str
    phone: str
    email: str
    city: str
    created_at: datetime


class MatchesOut(DictSchema):
    customers: list[CustomerMatchOut]
    open_leads: list[LeadMatchOut]


class LeadCreatedOut(LeadOut):
    warnings: list[str]
    matches: MatchesOut


class ActivityOut(Schema):
    id: int
    lead_id: int
    kind: str
    text: str
    outcome: str
    next_follow_up_on: date | None
    pinned: bool
    at: datetime
    by_id: int | None
    by: str = Field(..., alias="by_label")


class LeadDetailOut(LeadOut):
    timeline: list[ActivityOut]

    @staticmethod
    def resolve_timeline(obj: Lead) -> list[LeadActivity]:
        return lead_timeline(obj)


class ContactPatch(Schema):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    street: str | None = None
    unit: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None


class LeadPatch(Schema):
    contact: ContactPatch | None = None
    summary: str | None = None
    campaign_id: int | None = None
    customer_id: int | None = None
    location_id: int | None = None
    business_unit_id: int | None = None
    job_type_id: int | None = None
    priority: PriorityName | None = None
    tags: list[int] | None = None
    assignee_id: int | None = None
    follow_up_on: date | None = None
    technician_id: int | None = None
    start: datetime | None = None


class FollowUpIn(Schema):
    note: str = ""
    outcome: Outcome | None = None
    next_follow_up_on: date | None = None


class NoteIn(Schema):
    text: str
    pinned: bool = False


class DismissIn(Schema):
    reason_id: int
    note: str = ""


class MergeIn(Schema):
    other_lead_id: int


class JobLeadIn(Schema):
    business_unit_id: int | None = None
    job_type_id: int | None = None
    priority: PriorityName | None = None
    start_date: date | None = None
    start_time: time | None = None
    lead_setting_employee_id: int | None = None
    technician_id: int | None = None
    summary: str = ""
    tags: list[int] = []
    book: bool = False
    # Admins only: book into a full (or closed) arrival window on purpose; audited.
    overbook: bool = False


class JobLeadOut(Schema):
    lead: LeadOut
    job: JobOut | None


def _created(captured: CaptureResult) -> dict[str, Any]:
    """A captured lead as ``LeadCreatedOut``: built as a plain dict (``answer_of``),
    which the schema checks without a Python call per field — the answer of every
    capture, the intake's hot path."""
    lead = captured.lead
    matches = captured.matches
    return answer_of(
        LeadCreatedOut,
        lead,
        contact=LeadOut.resolve_contact(lead),
        # The tags the capture set, known without a query.
        tags=captured.tag_ids,
        warnings=captured.warnings,
        matches={
            "customers": [answer_of(CustomerMatchOut, c) for c in matches.customers],
            "open_leads": [answer_of(LeadMatchOut, o) for o in matches.open_leads],
        },
    )


def _lead(a: Actor, lead_id: int) -> Lead:
    lead = leads_for(a).prefetch_related("tags").filter(pk=lead_id).first()
    if lead is None:
        raise not_found(f"lead {lead_id}")
    return lead


# Fields of POST /leads that a lead from a booking cannot carry (it is a marketing lead for follow-up).
NOT_FROM_A_BOOKING = (
    "call_id",
    "call_reason_id",
    "origin_job_id",
    "lead_setting_employee_id",
    "technician_id",
    "start",
)


def _lead_from_booking(a: Actor, payload: LeadIn) -> CaptureResult:
    """``booking_id`` given: the booking is converted (``booking_convert``), so it
    is marked converted and linked to its lead, exactly as by its Convert button."""
    # Refused before the booking is looked up, so a key that may not convert
    # bookings cannot learn which booking ids exist.
    a.require(Perm.WORK_LEADS)
    if payload.type != Lead.Type.MARKETING:
        raise invalid("type", "a lead from a booking is a marketing lead")
    for name in NOT_FROM_A_BOOKING:
        if getattr(payload, name) is not None:
            raise invalid(name, "does not apply to a lead from a booking")
    booking = resolve(Booking, payload.booking_id, "booking_id")
    assert booking is not None
    return booking_convert(
        actor=a,
        booking=booking,
        campaign=resolve(Campaign, payload.campaign_id, "campaign_id"),
        assignee=resolve(Employee, payload.assignee_id, "assignee_id"),
        follow_up_on=payload.follow_up_on,
        contact=Contact(**payload.contact.dict()) if payload.contact else None,
        summary=payload.summary,
        business_unit=resolve(BusinessUnit, payload.business_unit_id, "business_unit_id"),
        job_type=resolve(JobType, payload.job_type_id, "job_type_id"),
        priority=payload.priority,
        tags=resolve_many(Tag, payload.tags, "tags"),
        customer=resolve(Customer, payload.customer_id, "customer_id"),
        location=resolve(Location, payload.location_id, "location_id"),
        with_matches=a.integration is None,
    )


@router.post("/leads", response=responses({201: LeadCreatedOut}))
def create_lead(request: HttpRequest, payload: LeadIn) -> Status:
    """Capture a lead. With ``booking_id`` the booking is converted into this
    lead (as ``POST /bookings/{id}/convert``): 409 when it was handled already."""
    a = actor(request)
    if payload.booking_id is not None:
        converted = _lead_from_booking(a, payload)
        return Status(201, _created(converted))
    result = lead_capture(
        actor=a,
        type=payload.type,
        contact=Contact(**payload.contact.dict()) if payload.contact else Contact(),
        campaign=resolve(Campaign, payload.campaign_id, "campaign_id"),
        call=resolve(Call, payload.call_id, "call_id"),
        customer=resolve(Customer, payload.customer_id, "customer_id"),
        location=resolve(Location, payload.location_id, "location_id"),
        summary=payload.summary,
        business_unit=resolve(BusinessUnit, payload.business_unit_id, "business_unit_id"),
        job_type=resolve(JobType, payload.job_type_id, "job_type_id"),
        priority=payload.priority,
        tags=resolve_many(Tag, payload.tags, "tags"),
        follow_up_on=payload.follow_up_on,
        call_reason=resolve(CallReason, payload.call_reason_id, "call_reason_id", require_active=False),
        assignee=resolve(Employee, payload.assignee_id, "assignee_id"),
        origin_job=resolve(Job, payload.origin_job_id, "origin_job_id"),
        lead_setting_employee=resolve(Employee, payload.lead_setting_employee_id, "lead_setting_employee_id"),
        technician=resolve(Employee, payload.technician_id, "technician_id"),
        start=payload.start,
        # An integration may post leads but reads nothing: it is not shown who else matches.
        with_matches=a.integration is None,
    )
    return Status(201, _created(result))


@router.get("/leads", response=responses({200: Page[LeadOut]}))
def list_leads(
    request: HttpRequest,
    filters: Query[LeadFilters],
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    qs, order = queue_order(
        leads_filtered(leads_for(actor(request)), filters).prefetch_related("tags"), filters
    )
    items, next_cursor = keyset_page(qs, order=order, cursor=cursor, limit=limit, tag=filters.sort)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/leads/{lead_id}", response=responses({200: LeadDetailOut}))
def get_lead(request: HttpRequest, lead_id: int) -> Lead:
    return _lead(actor(request), lead_id)


@router.patch("/leads/{lead_id}", response=responses({200: LeadDetailOut}))
def patch_lead(request: HttpRequest, lead_id: int, payload: LeadPatch) -> Lead:
    a = actor(request)
    lead = _lead(a, lead_id)
    given = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = dict(given.pop("contact", None) or {})
    refs = {
        "campaign_id": Campaign,
        "customer_id": Customer,
        "location_id": Location,
        "business_unit_id": BusinessUnit,
        "job_type_id": JobType,
        "assignee_id": Employee,
        "technician_id": Employee,
    }
    for name, model in refs.items():
        if name in given:
            changes[name.removesuffix("_id")] = resolve(model, given.pop(name), name)
    tags = resolve_many(Tag, given.pop("tags"), "tags") if given.get("tags") is not None else None
    given.pop("tags", None)
    changes.update(given)
    lead_update(actor=a, lead=lead, changes=changes, tags=tags)
    return _lead(a, lead_id)


@router.post("/leads/{lead_id}/follow-ups", response=responses({201: ActivityOut}))
def add_follow_up(request: HttpRequest, lead_id: int, payload: FollowUpIn) -> Status:
    a = actor(request)
    entry = lead_follow_up(
        actor=a,
        lead=_lead(a, lead_id),
        note=payload.note,
        outcome=payload.outcome or "",
        next_follow_up_on=payload.next_follow_up_on,
    )
    return Status(201, entry)


@router.post("/leads/{lead_id}/notes", response=responses({201: ActivityOut}))
def add_note(request: HttpRequest, lead_id: int, payload: NoteIn) -> Status:
    a = actor(request)
    return Status(
        201, lead_add_note(actor=a, lead=_lead(a, lead_id), text=payload.text, pinned=payload.pinned)
    )


@router.post("/leads/{lead_id}/dismiss", response=responses({200: LeadOut}))
def dismiss_lead(request: HttpRequest, lead_id: int, payload: DismissIn) -> Lead:
    a = actor(request)
    reason = resolve(CallReason, payload.reason_id, "reason_id")
    lead_dismiss(actor=a, lead=_lead(a, lead_id), reason=reason, note=payload.note)
    return _lead(a, lead_id)


@router.post("/leads/{lead_id}/reopen", response=responses({200: LeadOut}))
def reopen_lead(request: HttpRequest, lead_id: int) -> Lead:
    a = actor(request)
    lead_reopen(actor=a, lead=_lead(a, lead_id))
    return _lead(a, lead_id)


@router.post("/leads/{lead_id}/merge", response=responses({200: LeadDetailOut}))
def merge_leads(request: HttpRequest, lead_id: int, payload: MergeIn) -> Lead:
    a = actor(request)
    lead = _lead(a, lead_id)
    other = leads_for(a).filter(pk=payload.other_lead_id).first()
    if other is None:
        raise invalid(
            "other_lead_id", f"lead {payload.other_lead_id} does not exist", code="unknown_reference"
        )
    lead_merge(actor=a, lead=lead, other=other)
    return _lead(a, lead_id)


@router.post("/leads/{lead_id}/convert", response=responses({201: BookedOut}))
def convert_lead(request: HttpRequest, lead_id: int, payload: BookFromContactIn) -> Status:
    a = actor(request)
    lead = _lead(a, lead_id)
    job = lead_convert(actor=a, lead=lead, **payload.booking_kwargs())
    return Status(201, {"job": jobs_with_details().get(pk=job.pk)})


@router.post("/jobs/{job_id}/leads", response=responses({201: JobLeadOut}))
def create_job_lead(request: HttpRequest, job_id: int, payload: JobLeadIn) -> Status:
    """The Job screen's Create Lead flyout: a job-generated lead, booked now or saved for follow-up."""
    a = actor(request)
    a.require_staff()
    job = Job.objects.select_related("customer", "location").filter(pk=job_id).first()
    if job is None or not job_visible(a, job):
        raise not_found(f"job {job_id}")
    lead, new_job = lead_capture_from_job(
        actor=a,
        job=job,
        business_unit=resolve(BusinessUnit, payload.business_unit_id, "business_unit_id"),
        job_type=resolve(JobType, payload.job_type_id, "job_type_id"),
        priority=payload.priority,
        start_date=payload.start_date,
        start_time=payload.start_time,
        lead_setting_employee=resolve(Employee, payload.lead_setting_employee_id, "lead_setting_employee_id"),
        technician=resolve(Employee, payload.technician_id, "technician_id"),
        summary=payload.summary,
        tags=resolve_many(Tag, payload.tags, "tags"),
        book=payload.book,
        overbook=payload.overbook,
    )
    return Status(
        201,
        {
            "lead": _lead(a, lead.pk),
            "job": jobs_with_details().get(pk=new_job.pk) if new_job else None,
        },
    )
