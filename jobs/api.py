from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from accounts.actor import Actor
from accounts.api_auth import actor
from accounts.models import Employee
from accounts.roles import Perm
from catalog.models import BusinessUnit, Campaign, JobType, Tag
from core.api import responses
from core.errors import forbidden, invalid, not_found
from core.pagination import keyset_page
from core.refs import resolve, resolve_many
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page, PriorityName
from customers.models import Customer, Location
from customers.services import NewCustomer
from jobs.models import Invoice, InvoiceLine, Job
from jobs.services import invoice_add_line, invoice_set_status, job_book, job_set_status, job_update

router = Router(tags=["Jobs"])

JobStatus = Literal["scheduled", "dispatched", "working", "completed", "canceled"]


class JobIn(Schema):
    customer_id: int
    location_id: int
    business_unit_id: int
    job_type_id: int
    priority: PriorityName | None = None
    start: datetime | None = None
    technician_id: int | None = None
    campaign_id: int | None = None
    summary: str = ""
    tags: list[int] = []
    recall_for_id: int | None = None
    warranty_for_id: int | None = None
    # Admins only: book into a full (or closed) arrival window on purpose; audited.
    overbook: bool = False


class InvoiceLineOut(Schema):
    id: int
    kind: Literal["charge", "credit"]
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


class InvoiceOut(Schema):
    id: int
    number: str
    total: Decimal
    subtotal: Decimal
    status: str
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj: Invoice) -> list[InvoiceLine]:
        return list(obj.lines.all())


class JobOut(Schema):
    id: int
    number: str
    status: JobStatus
    customer_id: int
    location_id: int
    business_unit_id: int
    job_type_id: int
    priority: PriorityName
    start: datetime | None
    technician_id: int | None
    campaign_id: int | None
    summary: str
    tags: list[int]
    recall_for_id: int | None
    warranty_for_id: int | None
    lead_id: int | None
    lead_setting_employee_id: int | None
    created_at: datetime
    invoice: InvoiceOut

    @staticmethod
    def resolve_tags(obj: Job) -> list[int]:
        return sorted(t.pk for t in obj.tags.all())

    @staticmethod
    def resolve_lead_id(obj: Job) -> int | None:
        # The leads app links a converted lead to its job; until then there is none.
        lead = getattr(obj, "source_lead", None)
        return lead.pk if lead is not None else None


class NewCustomerIn(Schema):
    name: str = Field("", max_length=200)
    # Blank means the default of where the job comes from (a booking's customer type).
    type: Literal["residential", "commercial"] | None = None
    phones: list[str] = []
    emails: list[str] = []


class NewLocationIn(Schema):
    street: str = Field("", max_length=200)
    unit: str = Field("", max_length=40)
    city: str = Field("", max_length=100)
    state: str = Field("", max_length=40)
    zip: str = Field("", max_length=20)


class BookFromContactIn(Schema):
    """Booking a job from a lead or a booking (API.md: lead convert, booking accept):
    pick a customer and location by id, or describe new ones (blanks are filled from
    the lead's or booking's contact fields)."""

    customer_id: int | None = None
    customer: NewCustomerIn | None = None
    location_id: int | None = None
    location: NewLocationIn | None = None
    business_unit_id: int | None = None
    job_type_id: int | None = None
    priority: PriorityName | None = None
    start: datetime | None = None
    technician_id: int | None = None
    # Admins only: book into a full (or closed) arrival window on purpose; audited.
    overbook: bool = False

    def booking_kwargs(self) -> dict[str, Any]:
        """The references resolved (422 naming the field when unknown or inactive),
        as the keyword arguments ``lead_convert`` and ``booking_accept`` share."""
        return {
            "customer": resolve(Customer, self.customer_id, "customer_id"),
            "new_customer": NewCustomer(**self.customer.dict(exclude_none=True)) if self.customer else None,
            "location": resolve(Location, self.location_id, "location_id"),
            "new_location": self.location.dict(exclude_unset=True) if self.location else None,
            "business_unit": resolve(BusinessUnit, self.business_unit_id, "business_unit_id"),
            "job_type": resolve(JobType, self.job_type_id, "job_type_id"),
            "priority": self.priority,
            "start": self.start,
            "technician": resolve(Employee, self.technician_id, "technician_id"),
            "overbook": self.overbook,
        }


class BookedOut(Schema):
    job: JobOut


class StatusIn(Schema):
    status: JobStatus


class InvoiceLineIn(Schema):
    description: str = Field(..., min_length=1, max_length=300)
    quantity: Decimal = Field(Decimal("1"), max_digits=10, decimal_places=2)
    unit_price: Decimal = Field(..., max_digits=12, decimal_places=2)
    kind: Literal["charge", "credit"] = Field(
        "charge",
        description="`credit`: money given back (amount below zero); only a credit line may take "
        "the invoice total below zero (422 `total_below_zero` otherwise).",
    )


class JobPatch(Schema):
    """Only the fields sent change; ``technician_id: null`` unassigns the job."""

    start: datetime | None = None
    technician_id: int | None = None
    business_unit_id: int | None = None
    job_type_id: int | None = None
    priority: PriorityName | None = None
    summary: str | None = Field(None, max_length=5000)
    tags: list[int] | None = None
    # Admins only: move the job into a full arrival window on purpose; audited.
    overbook: bool = False


class InvoiceStatusIn(Schema):
    status: Literal["pending", "posted", "paid", "void"]


def jobs_with_details() -> QuerySet[Job]:
    return Job.objects.select_related("invoice").prefetch_related("tags", "invoice__lines")


def job_visible(a: Actor, job: Job) -> bool:
    if a.can(Perm.VIEW_ALL_JOBS):
        return True
    return a.can(Perm.VIEW_ASSIGNED_JOBS) and a.employee is not None and job.technician_id == a.employee.pk


def _job(request: HttpRequest, job_id: int) -> Job:
    a = actor(request)
    a.require_staff()
    job = jobs_with_details().filter(pk=job_id).first()
    if job is None or not job_visible(a, job):
        # A technician is not told that jobs assigned to others exist.
        raise not_found(f"job {job_id}")
    return job


def book_from_payload(a: Actor, payload: JobIn) -> Job:
    customer = resolve(Customer, payload.customer_id, "customer_id")
    location = Location.objects.filter(pk=payload.location_id).first()
    if location is None:
        raise invalid(
            "location_id", f"location {payload.location_id} does not exist", code="unknown_reference"
        )
    return job_book(
        actor=a,
        customer=customer,
        location=location,
        business_unit=resolve(BusinessUnit, payload.business_unit_id, "business_unit_id"),  # type: ignore[arg-type]
        job_type=resolve(JobType, payload.job_type_id, "job_type_id"),  # type: ignore[arg-type]
        priority=payload.priority,
        start=payload.start,
        technician=resolve(Employee, payload.technician_id, "technician_id"),
        campaign=resolve(Campaign, payload.campaign_id, "campaign_id"),
        summary=payload.summary,
        tags=resolve_many(Tag, payload.tags, "tags"),
        recall_for=resolve(Job, payload.recall_for_id, "recall_for_id"),
        warranty_for=resolve(Job, payload.warranty_for_id, "warranty_for_id"),
        overbook=payload.overbook,
    )


@router.post("/jobs", response=responses({201: JobOut}))
def create_job(request: HttpRequest, payload: JobIn) -> Status:
    """Book a job with its invoice. A ``start`` inside a business unit's arrival window takes
    one place there; a full (or closed) window is a 409 ``window_full`` whose body also carries
    ``window`` and ``next_open`` (the next windows with a place left). ``overbook: true`` (admins
    only, audited) books it anyway."""
    a = actor(request)
    a.require(Perm.BOOK_JOBS)
    job = book_from_payload(a, payload)
    return Status(201, jobs_with_details().get(pk=job.pk))


@router.get("/jobs", response=responses({200: Page[JobOut]}))
def list_jobs(
    request: HttpRequest,
    customer_id: int | None = None,
    technician_id: int | None = None,
    status: JobStatus | None = None,
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    a = actor(request)
    a.require_staff()
    qs = jobs_with_details()
    if not a.can(Perm.VIEW_ALL_JOBS):
        if a.employee is None:
            raise forbidden()
        qs = qs.filter(technician=a.employee)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    if technician_id is not None:
        qs = qs.filter(technician_id=technician_id)
    if status is not None:
        qs = qs.filter(status=status)
    items, next_cursor = keyset_page(qs, order=("-created_at", "-id"), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/jobs/{job_id}", response=responses({200: JobOut}))
def get_job(request: HttpRequest, job_id: int) -> Job:
    return _job(request, job_id)


@router.post("/jobs/{job_id}/status", response=responses({200: JobOut}))
def set_job_status(request: HttpRequest, job_id: int, payload: StatusIn) -> Job:
    job = _job(request, job_id)
    job_set_status(actor=actor(request), job=job, status=payload.status)
    return jobs_with_details().get(pk=job.pk)


@router.post("/jobs/{job_id}/invoice/lines", response=responses({201: InvoiceOut}))
def add_invoice_line(request: HttpRequest, job_id: int, payload: InvoiceLineIn) -> Status:
    job = _job(request, job_id)
    a = actor(request)
    a.require(Perm.MANAGE_JOBS)
    invoice_add_line(
        actor=a,
        invoice=job.invoice,
        description=payload.description,
        quantity=payload.quantity,
        unit_price=payload.unit_price,
        kind=payload.kind,
    )
    return Status(201, Invoice.objects.prefetch_related("lines").get(pk=job.invoice.pk))


@router.post("/jobs/{job_id}/invoice/status", response=responses({200: InvoiceOut}))
def set_invoice_status(request: HttpRequest, job_id: int, payload: InvoiceStatusIn) -> Invoice:
    job = _job(request, job_id)
    a = actor(request)
    a.require(Perm.MANAGE_JOBS)
    invoice_set_status(actor=a, invoice=job.invoice, status=payload.status)
    return Invoice.objects.prefetch_related("lines").get(pk=job.invoice.pk)


@router.patch("/jobs/{job_id}", response=responses({200: JobOut}))
def patch_job(request: HttpRequest, job_id: int, payload: JobPatch) -> Job:
    """Reschedule, reassign the technician, change business unit, job type,
    priority, summary or tags: office and up (not technicians), with the rules of
    booking; 409 ``job_closed`` for a completed or canceled job; a new start moves its
    arrival-window place (409 ``window_full`` when the new window is full); audited."""
    job = _job(request, job_id)
    a = actor(request)
    a.require(Perm.MANAGE_JOBS)
    given = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {}
    refs: dict[str, Any] = {
        "technician_id": Employee,
        "business_unit_id": BusinessUnit,
        "job_type_id": JobType,
    }
    for name, model in refs.items():
        if name in given:
            changes[name.removesuffix("_id")] = resolve(model, given[name], name)
    for name in ("start", "priority", "summary"):
        if name in given:
            changes[name] = given[name]
    if "summary" in changes and changes["summary"] is None:
        changes["summary"] = ""
    tags = resolve_many(Tag, given["tags"], "tags") if given.get("tags") is not None else None
    job_update(actor=a, job=job, changes=changes, tags=tags, overbook=payload.overbook)
    return jobs_with_details().get(pk=job.pk)
