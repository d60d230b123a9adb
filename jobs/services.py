from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet

from accounts.actor import Actor
from accounts.models import Employee, Role
from accounts.roles import Perm
from catalog.models import BusinessUnit, Campaign, JobType, Tag
from catalog.services import job_type_check
from core.choices import Priority
from core.errors import conflict, forbidden, invalid
from core.models import AuditEntry
from core.pagination import Sorting, SortOption
from core.phones import try_normalize_phone
from customers.models import Customer, Location
from jobs.models import Invoice, InvoiceLine, Job
from scheduling.services import place_move, place_release, place_take

ALLOWED_STATUS_CHANGES: dict[str, set[str]] = {
    Job.Status.SCHEDULED: {Job.Status.DISPATCHED, Job.Status.WORKING, Job.Status.CANCELED},
    Job.Status.DISPATCHED: {Job.Status.SCHEDULED, Job.Status.WORKING, Job.Status.CANCELED},
    Job.Status.WORKING: {Job.Status.COMPLETED, Job.Status.CANCELED},
    Job.Status.COMPLETED: set(),
    Job.Status.CANCELED: {Job.Status.SCHEDULED},
}

# An invoice moves forward (pending → posted → paid) or is voided while still
# pending; the job page offers exactly these buttons.
INVOICE_STATUS_CHANGES: dict[str, set[str]] = {
    Invoice.Status.PENDING: {Invoice.Status.POSTED, Invoice.Status.VOID},
    Invoice.Status.POSTED: {Invoice.Status.PAID},
    Invoice.Status.PAID: set(),
    Invoice.Status.VOID: set(),
}


# The jobs list's sortable columns (``core.pagination.Sorting``); each has its index (jobs migration 0003).
JOB_SORTING = Sorting(
    options={
        "number": SortOption(fields=(), descending_first=True),
        "start": SortOption(fields=("start",), descending_first=True),
        "created": SortOption(fields=("created_at",), descending_first=True),
    },
    default="-created",
)
# A technician's own jobs: by start, the latest (upcoming) first.
TECHNICIAN_JOB_SORT = "-start"


def jobs_search(qs: QuerySet[Job], q: str) -> QuerySet[Job]:
    """The Jobs search: a job number, the customer's name or phone (any format),
    the street or city, or words of the summary."""
    q = q.strip()
    if not q:
        return qs
    cond = (
        Q(customer__name__icontains=q)
        | Q(location__street__icontains=q)
        | Q(location__city__iexact=q)
        | Q(summary__icontains=q)
    )
    number = q.lstrip("#")
    if number.isdigit() and len(number) < 10:
        cond |= Q(pk=int(number))
    phone = try_normalize_phone(q) if sum(ch.isdigit() for ch in q) >= 7 else None
    if phone:
        cond |= Q(customer__contacts__kind="phone", customer__contacts__value=phone)
    return qs.filter(cond).distinct() if phone else qs.filter(cond)


def _check_technician(employee: Employee | None, field: str) -> None:
    if employee is None:
        return
    if not employee.active:
        raise invalid(field, f"employee '{employee}' is inactive", code="inactive_reference")
    if employee.role != Role.TECHNICIAN:
        raise invalid(field, f"employee '{employee}' is not a technician")


def _check_original(original: Job | None, customer: Customer, field: str) -> None:
    if original is not None and original.customer_id != customer.pk:
        raise invalid(field, f"job {original.number} belongs to another customer")


@transaction.atomic
def job_book(
    *,
    actor: Actor,
    customer: Customer | None,
    location: Location | None,
    business_unit: BusinessUnit,
    job_type: JobType,
    priority: str | None = None,
    start: datetime | None = None,
    technician: Employee | None = None,
    campaign: Campaign | None = None,
    summary: str = "",
    tags: Sequence[Tag] = (),
    recall_for: Job | None = None,
    warranty_for: Job | None = None,
    lead_setting_employee: Employee | None = None,
    overbook: bool = False,
) -> Job:
    """Book a job and its invoice together: every job has an invoice, a free
    estimate included ($0.00). Every way of booking a job comes here, so this
    is where the job takes its place in the arrival window its start falls in
    (``scheduling.services.place_take``, in this transaction): a full window
    is a 409 ``window_full`` unless an admin overbooks on purpose."""
    if customer is None:
        raise invalid("customer_id", "a job needs a customer", code="customer_required")
    if location is None:
        raise invalid("location_id", "a job needs a service location", code="location_required")
    if location.customer_id != customer.pk:
        raise invalid(
            "location_id", f"location {location.pk} is not one of customer {customer.pk}'s locations"
        )
    if location.retired:
        raise invalid("location_id", f"location {location.one_line} is retired: restore it or pick another")
    job_type_check(job_type=job_type, business_unit=business_unit)
    _check_technician(technician, "technician_id")
    if recall_for is not None and warranty_for is not None:
        raise invalid("warranty_for_id", "a job is a recall or a warranty visit, not both")
    _check_original(recall_for, customer, "recall_for_id")
    _check_original(warranty_for, customer, "warranty_for_id")

    job = Job.objects.create(
        customer=customer,
        location=location,
        business_unit=business_unit,
        job_type=job_type,
        priority=priority or job_type.default_priority,
        start=start,
        technician=technician,
        campaign=campaign,
        lead_setting_employee=lead_setting_employee,
        summary=summary.strip(),
        status=Job.Status.SCHEDULED,
        recall_for=recall_for,
        warranty_for=warranty_for,
        created_by=actor.employee,
    )
    place_take(actor=actor, job_id=job.pk, business_unit_id=business_unit.pk, start=start, overbook=overbook)
    if tags:
        job.tags.set(tags)
    invoice = Invoice.objects.create(job=job)
    AuditEntry.record(
        actor=actor,
        entity="job",
        entity_id=job.pk,
        action="booked",
        changes={"invoice": invoice.pk, "status": job.status},
    )
    return job


def job_can_change_status(actor: Actor, job: Job) -> bool:
    """The office (and above) moves any job; a technician moves their own."""
    own = actor.employee is not None and job.technician_id == actor.employee.pk
    return actor.can(Perm.MANAGE_JOBS) or own


@transaction.atomic
def job_set_status(*, actor: Actor, job: Job, status: str) -> Job:
    if not job_can_change_status(actor, job):
        raise forbidden("Only the office or the job's technician may change its status.")
    if status not in Job.Status.values:
        raise invalid("status", f"must be one of {', '.join(Job.Status.values)}")
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if status == locked.status:
        return locked
    if status not in ALLOWED_STATUS_CHANGES[locked.status]:
        raise conflict(
            f"A {locked.get_status_display().lower()} job cannot become {status}.",
            code="invalid_status_change",
            field_name="status",
        )
    before = locked.status
    if status == Job.Status.CANCELED:
        # A cancelled job gives its arrival-window place back ...
        place_release(job_id=locked.pk)
    elif before == Job.Status.CANCELED:
        # ... and takes one again when it is brought back (409 if the window filled meanwhile).
        place_take(
            actor=actor, job_id=locked.pk, business_unit_id=locked.business_unit_id, start=locked.start
        )
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    AuditEntry.record(
        actor=actor, entity="job", entity_id=locked.pk, action="status", changes={"status": [before, status]}
    )
    return locked


@transaction.atomic
def invoice_add_line(
    *,
    actor: Actor,
    invoice: Invoice,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    kind: str = InvoiceLine.Kind.CHARGE,
) -> InvoiceLine:
    """Add a charge (or a negative correction) to an invoice that is still open.

    The total never goes below zero by a correction: only a ``credit`` line, whose
    amount is below zero and which the invoice shows as a credit, may take it there."""
    actor.require(Perm.MANAGE_JOBS)
    locked = Invoice.objects.select_for_update().select_related("job").get(pk=invoice.pk)
    if locked.status != Invoice.Status.PENDING:
        raise conflict(
            f"Invoice {locked.number} is {locked.status}; its lines can no longer change.",
            code="invoice_closed",
        )
    if not description.strip():
        raise invalid("description", "is required")
    if quantity == 0:
        raise invalid("quantity", "must not be zero")
    if locked.job.bills_nothing and unit_price != 0:
        raise invalid(
            "unit_price",
            f"{locked.job.kind_label.lower()} jobs bill $0.00; this line must have a unit price of 0",
            code="no_charge_job",
        )
    if kind not in InvoiceLine.Kind.values:
        raise invalid("kind", f"must be one of {', '.join(InvoiceLine.Kind.values)}")
    amount = (quantity * unit_price).quantize(Decimal("0.01"))
    if kind == InvoiceLine.Kind.CREDIT and amount >= 0:
        raise invalid("unit_price", "a credit gives money back: its amount must be below zero")
    if kind != InvoiceLine.Kind.CREDIT and locked.total + amount < 0:
        raise invalid(
            "unit_price",
            f"this line would take the invoice total to {locked.total + amount:.2f}; "
            "only a credit line may take it below zero",
            code="total_below_zero",
        )
    line = InvoiceLine.objects.create(
        invoice=locked,
        kind=kind,
        description=description.strip(),
        quantity=quantity,
        unit_price=unit_price,
        created_by=actor.employee,
    )
    Invoice.objects.filter(pk=locked.pk).update(total=F("total") + line.amount)
    AuditEntry.record(
        actor=actor,
        entity="invoice",
        entity_id=locked.pk,
        action="line_added",
        changes={
            "line": line.pk,
            "kind": line.kind,
            "description": line.description,
            "amount": str(line.amount),
        },
    )
    return line


@transaction.atomic
def invoice_set_status(*, actor: Actor, invoice: Invoice, status: str) -> Invoice:
    actor.require(Perm.MANAGE_JOBS)
    if status not in Invoice.Status.values:
        raise invalid("status", f"must be one of {', '.join(Invoice.Status.values)}")
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    current = locked.status
    if status not in INVOICE_STATUS_CHANGES[current]:
        raise conflict(f"A {current} invoice cannot become {status}.", code="invalid_status_change")
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    AuditEntry.record(
        actor=actor,
        entity="invoice",
        entity_id=locked.pk,
        action="status",
        changes={"status": [current, status]},
    )
    return locked


# Fields the office may change on a booked job (API.md v1.1 "Editing": PATCH /jobs/{id}).
JOB_EDITABLE = ("start", "technician", "business_unit", "job_type", "priority", "summary")


def _label(value: Any) -> Any:
    """A value as the job's history shows it: a name, not an id."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value is not None and hasattr(value, "pk"):
        return str(value)
    return value


@transaction.atomic
def job_update(
    *,
    actor: Actor,
    job: Job,
    changes: Mapping[str, Any],
    tags: Sequence[Tag] | None = None,
    overbook: bool = False,
) -> Job:
    """Reschedule, reassign or reclassify a booked job, with the rules of booking it
    (the job type belongs to the business unit, the technician is an active
    technician). Office and up; a completed or canceled job is history. A new
    start or business unit moves the job's arrival-window place (409
    ``window_full`` when the new window is full, unless an admin overbooks)."""
    actor.require(Perm.MANAGE_JOBS)
    unknown = set(changes) - set(JOB_EDITABLE)
    if unknown:
        raise invalid(sorted(unknown)[0], "cannot be changed")
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status in (Job.Status.COMPLETED, Job.Status.CANCELED):
        raise conflict(
            f"Job {locked.number} is {locked.status}; only an open job can be changed.", code="job_closed"
        )
    merged = {k: getattr(locked, k) for k in JOB_EDITABLE} | dict(changes)
    if merged["priority"] is None:
        merged["priority"] = merged["job_type"].default_priority
    if merged["priority"] not in Priority.values:
        raise invalid("priority", f"must be one of {', '.join(Priority.values)}")
    if merged["business_unit"] is None:
        raise invalid("business_unit_id", "is required")
    if merged["job_type"] is None:
        raise invalid("job_type_id", "is required")
    if "technician" in changes:
        _check_technician(merged["technician"], "technician_id")
    job_type_check(job_type=merged["job_type"], business_unit=merged["business_unit"])
    merged["summary"] = (merged["summary"] or "").strip()
    diff = {
        k: [_label(getattr(locked, k)), _label(merged[k])]
        for k in JOB_EDITABLE
        if getattr(locked, k) != merged[k]
    }
    if "start" in diff or "business_unit" in diff:
        place_move(
            actor=actor,
            job_id=locked.pk,
            business_unit_id=merged["business_unit"].pk,
            start=merged["start"],
            overbook=overbook,
        )
    for k in JOB_EDITABLE:
        setattr(locked, k, merged[k])
    if tags is not None:
        old = sorted(t.name for t in locked.tags.all())
        new = sorted(t.name for t in tags)
        if old != new:
            locked.tags.set(tags)
            diff["tags"] = [old, new]
    if diff:
        locked.save()
        AuditEntry.record(actor=actor, entity="job", entity_id=locked.pk, action="updated", changes=diff)
    return locked
