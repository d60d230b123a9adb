from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from accounts.actor import Actor
from accounts.api_auth import actor
from accounts.models import Employee, Integration
from accounts.roles import Perm
from bookings.email_intake import booking_receive_email
from bookings.models import Booking
from bookings.services import (
    booking_accept,
    booking_convert,
    booking_dismiss,
    booking_receive,
    bookings_mark_matches,
)
from catalog.models import CallReason, Campaign
from core.api import ErrorOut, responses
from core.errors import DomainError, forbidden, not_found
from core.pagination import keyset_page
from core.refs import resolve
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, DictSchema, Page, PriorityName, answer_of
from customers.api import ContactIn, ContactOut
from jobs.api import BookedOut, BookFromContactIn, jobs_with_details
from leads.services import Contact

router = Router(tags=["Bookings"])

# A booking is a few hundred bytes; anything near this is not one.
MAX_BOOKING_BYTES = 64 * 1024

ChannelName = Literal["online", "email", "chat", "partner", "phone"]
StatusName = Literal["new", "accepted", "converted", "dismissed"]


class AttributionIn(Schema):
    landing_page: str = Field("", max_length=1000)
    referrer: str = Field("", max_length=1000)
    utm_source: str = Field("", max_length=200)
    utm_medium: str = Field("", max_length=200)
    utm_campaign: str = Field("", max_length=200)
    utm_term: str = Field("", max_length=200)
    utm_content: str = Field("", max_length=200)
    gclid: str = Field("", max_length=255)
    fbclid: str = Field("", max_length=255)
    msclkid: str = Field("", max_length=255)


class RequestedWindowIn(Schema):
    start: datetime = Field(
        ..., description="The arrival window's start, with its UTC offset (GET /availability)"
    )
    end: datetime | None = Field(None, description="Its end; optional, checked when given")


class BookingIn(Schema):
    external_id: str = Field(..., min_length=1, max_length=255)
    channel: ChannelName = "partner"
    contact: ContactIn
    customer_type: Literal["residential", "commercial"] = "residential"
    requested_start: datetime | None = None
    requested_window: RequestedWindowIn | str = Field(
        "",
        description="An arrival window `{start, end}` of the booking's business unit (or its job "
        "type's only one), as GET /availability lists them: it must have a place left (409 "
        "`window_full` with `next_open` otherwise) and it sets `requested_start`/`requested_end`. "
        "A string is kept as a free-text note (at most 60 characters), as in v1.0.",
    )
    summary: str = Field("", max_length=10_000)
    campaign_id: int | None = None
    business_unit_id: int | None = None
    job_type_id: int | None = None
    priority: PriorityName | None = None
    attribution: AttributionIn | None = None


class AttributionOut(DictSchema):
    landing_page: str
    referrer: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    utm_term: str
    utm_content: str
    gclid: str
    fbclid: str
    msclkid: str


class BookingOut(DictSchema):
    id: int
    integration_id: int
    external_id: str
    channel: ChannelName
    status: StatusName
    marker: str | None = Field(
        None,
        description='"Lead" while no customer matches its phone or email. Always null for an '
        "integration's key: integrations are not told about customers.",
    )
    contact: ContactOut
    customer_type: str
    requested_start: datetime | None
    requested_end: datetime | None
    requested_window: str
    summary: str
    campaign_id: int | None
    business_unit_id: int | None
    job_type_id: int | None
    priority: PriorityName
    attribution: AttributionOut
    dismiss_reason_id: int | None
    dismiss_note: str
    job_id: int | None
    lead_id: int | None
    created_at: datetime

    @staticmethod
    def resolve_contact(obj: Booking) -> dict[str, str]:
        return {"name": obj.name, "phone": obj.phone, "email": obj.email, **obj.contact_address()}

    @staticmethod
    def resolve_lead_id(obj: Booking) -> int | None:
        if obj.status != Booking.Status.CONVERTED:
            # Only a converted booking has a lead: no query for the (hot) new ones.
            return None
        lead = getattr(obj, "lead", None)
        return lead.pk if lead is not None else None


class ConvertIn(Schema):
    campaign_id: int | None = None
    assignee_id: int | None = None
    follow_up_on: date | None = None


class LeadRef(Schema):
    id: int
    type: str
    status: str
    marker: str | None
    campaign_id: int | None
    booking_id: int | None
    follow_up_on: date | None


class ConvertOut(Schema):
    lead: LeadRef


class BookingDismissIn(Schema):
    reason_id: int
    note: str = Field("", max_length=2000)


def _bookings() -> QuerySet[Booking]:
    return Booking.objects.select_related("lead")


def _integration_of(a: Actor) -> Integration:
    if a.integration is None:
        raise forbidden("Bookings are posted with an integration's key.")
    return a.integration


def _booking(a: Actor, booking_id: int) -> Booking:
    if a.integration is None:
        a.require(Perm.WORK_LEADS)
    booking = _bookings().filter(pk=booking_id).first()
    if booking is None:
        raise not_found(f"booking {booking_id}")
    if a.integration is not None and booking.integration_id != a.integration.pk:
        raise forbidden("This booking belongs to another integration.")
    return _out(a, booking)


def _out(a: Actor, booking: Booking) -> Booking:
    # An integration reads nothing but its own bookings: it is not told whether
    # a phone or email belongs to a customer (and the answer costs no query).
    if a.integration is None:
        bookings_mark_matches([booking])
    return booking


def _check_size(request: HttpRequest, limit: int) -> None:
    if len(request.body) > limit:
        raise DomainError(
            f"The body is {len(request.body)} bytes; the limit is {limit}.", code="too_large", status=413
        )


@router.post("/bookings", response=responses({200: BookingOut, 201: BookingOut, 413: ErrorOut}))
def post_booking(request: HttpRequest, payload: BookingIn) -> Status:
    """A booking from a partner or web form (integration key). Re-sending an
    `external_id` returns the same booking with 200 and never makes a second."""
    integration = _integration_of(actor(request))
    _check_size(request, MAX_BOOKING_BYTES)
    received = booking_receive(
        integration=integration,
        external_id=payload.external_id,
        channel=payload.channel,
        contact=Contact(**payload.contact.dict()),
        customer_type=payload.customer_type,
        requested_start=payload.requested_start,
        requested_window=window if isinstance(window := payload.requested_window, str) else "",
        window_start=None if isinstance(window, str) else window.start,
        window_end=None if isinstance(window, str) else window.end,
        summary=payload.summary,
        campaign_id=payload.campaign_id,
        business_unit_id=payload.business_unit_id,
        job_type_id=payload.job_type_id,
        priority=payload.priority,
        attribution=payload.attribution.dict() if payload.attribution else None,
        # Kept as received, unknown fields included: what a partner sent is the evidence.
        raw_payload=json.loads(request.body),
    )
    booking = received.booking
    # Built as a plain dict (core.schemas.answer_of): the answer of every booking
    # a partner sends, the intake's hot path. An integration is never told about
    # customers (as ``_out``): ``marker`` stays null, with no query.
    answer = answer_of(
        BookingOut,
        booking,
        contact=BookingOut.resolve_contact(booking),
        lead_id=BookingOut.resolve_lead_id(booking),
    )
    return Status(201 if received.created else 200, answer)


@router.post(
    "/inbound-email",
    response=responses({200: BookingOut, 201: BookingOut, 413: ErrorOut}),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"message/rfc822": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
def post_inbound_email(request: HttpRequest) -> Status:
    """A raw RFC 822 email (integration key) becomes a booking on the email
    channel; the same Message-ID again returns the same booking with 200."""
    integration = _integration_of(actor(request))
    received = booking_receive_email(integration=integration, raw=request.body)
    return Status(201 if received.created else 200, _out(actor(request), received.booking))


@router.get("/bookings", response=responses({200: Page[BookingOut]}))
def list_bookings(
    request: HttpRequest,
    status: StatusName | None = None,
    channel: ChannelName | None = None,
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    a = actor(request)
    qs = _bookings()
    if a.integration is not None:
        qs = qs.filter(integration=a.integration)
    else:
        a.require(Perm.WORK_LEADS)
    if status is not None:
        qs = qs.filter(status=status)
    if channel is not None:
        qs = qs.filter(channel=channel)
    items, next_cursor = keyset_page(qs, order=("-created_at", "-id"), cursor=cursor, limit=limit)
    if a.integration is None:
        # An integration is not told whether a phone or email belongs to a customer.
        bookings_mark_matches(items)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/bookings/{booking_id}", response=responses({200: BookingOut}))
def get_booking(request: HttpRequest, booking_id: int) -> Booking:
    return _booking(actor(request), booking_id)


@router.post("/bookings/{booking_id}/accept", response=responses({201: BookedOut}))
def accept_booking(request: HttpRequest, booking_id: int, payload: BookFromContactIn) -> Status:
    """Book a job from the booking: the same customer and location rules as converting a lead."""
    a = actor(request)
    a.require_staff()
    booking = _booking(a, booking_id)
    job = booking_accept(actor=a, booking=booking, **payload.booking_kwargs())
    return Status(201, {"job": jobs_with_details().get(pk=job.pk)})


@router.post("/bookings/{booking_id}/convert", response=responses({201: ConvertOut}))
def convert_booking(request: HttpRequest, booking_id: int, payload: ConvertIn | None = None) -> Status:
    """Turn the booking into an open marketing lead for follow-up."""
    a = actor(request)
    a.require_staff()
    booking = _booking(a, booking_id)
    payload = payload or ConvertIn()
    lead = booking_convert(
        actor=a,
        booking=booking,
        campaign=resolve(Campaign, payload.campaign_id, "campaign_id"),
        assignee=resolve(Employee, payload.assignee_id, "assignee_id"),
        follow_up_on=payload.follow_up_on,
    ).lead
    return Status(201, {"lead": lead})


@router.post("/bookings/{booking_id}/dismiss", response=responses({200: BookingOut}))
def dismiss_booking(request: HttpRequest, booking_id: int, payload: BookingDismissIn) -> Booking:
    a = actor(request)
    a.require_staff()
    booking = _booking(a, booking_id)
    booking_dismiss(
        actor=a,
        booking=booking,
        reason=resolve(CallReason, payload.reason_id, "reason_id", require_active=False),
        note=payload.note,
    )
    return _booking(a, booking_id)
