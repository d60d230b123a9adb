from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.actor import Actor, actor_from_request
from accounts.roles import Perm
from core.errors import DomainError
from core.forms import add_domain_errors
from core.models import AuditEntry
from core.templatetags.leadline import money
from customers.models import Customer
from jobs.api import job_visible
from jobs.forms import BookJobForm, InvoiceLineForm, JobEditForm, JobFilterForm, job_types_for
from jobs.models import Invoice, InvoiceLine, Job
from jobs.services import (
    ALLOWED_STATUS_CHANGES,
    INVOICE_STATUS_CHANGES,
    JOB_SORTING,
    TECHNICIAN_JOB_SORT,
    invoice_add_line,
    invoice_set_status,
    job_book,
    job_can_change_status,
    job_set_status,
    job_update,
    jobs_search,
)

LIST_PAGE_SIZE = 50

JOB_STATUS_BUTTONS = {
    Job.Status.SCHEDULED: "Back to scheduled",
    Job.Status.DISPATCHED: "Dispatch",
    Job.Status.WORKING: "Start work",
    Job.Status.COMPLETED: "Complete",
    Job.Status.CANCELED: "Cancel job",
}
INVOICE_STATUS_BUTTONS = {
    Invoice.Status.POSTED: "Post",
    Invoice.Status.PAID: "Mark paid",
    Invoice.Status.VOID: "Void",
}


def _require(request: HttpRequest, perm: Perm) -> Actor:
    a = actor_from_request(request)
    if not a.can(perm):
        raise PermissionDenied
    return a


def jobs_visible_to(a: Actor) -> QuerySet[Job] | None:
    """The jobs a person may see: all of them for the office, a technician's
    own otherwise; ``None`` when they may see none."""
    if a.can(Perm.VIEW_ALL_JOBS):
        return Job.objects.all()
    if a.can(Perm.VIEW_ASSIGNED_JOBS) and a.employee is not None:
        return Job.objects.filter(technician=a.employee)
    return None


def _list_rows(qs: QuerySet[Job]) -> QuerySet[Job]:
    return qs.select_related("customer", "location", "job_type", "technician", "invoice")


# ---- Book a job ----------------------------------------------------------


def _int_param(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@login_required
def job_new(request: HttpRequest) -> HttpResponse:
    a = _require(request, Perm.BOOK_JOBS)
    source = request.POST if request.method == "POST" else request.GET
    customer_id = _int_param(source.get("customer_id") or request.GET.get("customer"))
    customer = Customer.objects.filter(pk=customer_id).first() if customer_id else None
    status = 200
    if request.method == "POST":
        form = BookJobForm(request.POST, customer=customer)
        if form.is_valid():
            try:
                job = job_book(actor=a, **form.book_kwargs())
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(
                    request,
                    format_html(
                        '<a href="{}">Job #{}</a> booked for {}.',
                        reverse("job_detail", args=[job.pk]),
                        job.number,
                        job.customer.name,
                    ),
                )
                return redirect("job_detail", job_id=job.pk)
        status = 422
    else:
        initial: dict[str, Any] = {"customer_id": customer.pk if customer else None}
        if location_id := _int_param(request.GET.get("location")):
            initial["location_id"] = location_id
        form = BookJobForm(initial=initial, customer=customer)
    return render(
        request, "jobs/new.html", {"nav": "jobs", "form": form, "customer": customer}, status=status
    )


@login_required
def job_type_options_hx(request: HttpRequest) -> HttpResponse:
    """The job type ``<option>``s of the picked business unit."""
    _require(request, Perm.BOOK_JOBS)
    context = {
        "job_types": job_types_for(request.GET.get("business_unit_id", "")),
        "selected": request.GET.get("job_type_id", ""),
    }
    return render(request, "jobs/_job_type_options.html", context)


# ---- One job -------------------------------------------------------------


def _job_for(request: HttpRequest, job_id: int) -> tuple[Actor, Job]:
    a = actor_from_request(request)
    job = (
        Job.objects.select_related(
            "customer",
            "location",
            "business_unit",
            "job_type",
            "technician",
            "campaign",
            "lead_setting_employee",
            "recall_for",
            "warranty_for",
            "created_by",
            "invoice",
        )
        .prefetch_related("tags", Prefetch("invoice__lines", queryset=InvoiceLine.objects.order_by("id")))
        .filter(pk=job_id)
        .first()
    )
    if job is None or not job_visible(a, job):
        # A technician is not told that other technicians' jobs exist.
        raise Http404("No such job")
    return a, job


def _describe(entry: AuditEntry) -> str:
    changes = entry.changes or {}
    what = "Invoice" if entry.entity == "invoice" else entry.entity.capitalize()
    if entry.action == "booked":
        return "Booked the job with its invoice"
    if entry.action == "status" and isinstance(changes.get("status"), list) and len(changes["status"]) == 2:
        before, after = changes["status"]
        return f"{what} status {before} → {after}"
    if entry.action == "updated":
        parts = []
        for name, value in changes.items():
            before, after = value if isinstance(value, list) and len(value) == 2 else (None, value)
            if isinstance(before, list) or isinstance(after, list):
                before, after = ", ".join(before or []) or "none", ", ".join(after or []) or "none"
            if name == "start":
                before, after = _when(before), _when(after)
            parts.append(f"{name.replace('_', ' ')} {before or '—'} → {after or '—'}")
        return "Changed " + "; ".join(parts)
    if entry.action == "line_added":
        return f"Added invoice line “{changes.get('description', '')}” ({money(changes.get('amount'))})"
    detail = ", ".join(f"{k}: {v}" for k, v in changes.items())
    return f"{what} {entry.action.replace('_', ' ')}" + (f" ({detail})" if detail else "")


def _when(iso: Any) -> str:
    if not isinstance(iso, str) or not iso:
        return ""
    moment = datetime.fromisoformat(iso)
    return timezone.localtime(moment).strftime("%b %-d, %Y %-I:%M %p") if timezone.is_aware(moment) else iso


def _history(job: Job) -> list[dict[str, Any]]:
    entries = AuditEntry.for_entity("job", job.pk) | AuditEntry.for_entity("invoice", job.invoice.pk)
    return [
        {"at": e.at, "who": e.actor_label, "entity": e.entity, "what": _describe(e)}
        for e in entries.order_by("-at", "-id")
    ]


def _detail_context(a: Actor, job: Job, line_form: InvoiceLineForm | None = None) -> dict[str, Any]:
    invoice = job.invoice
    manage = a.can(Perm.MANAGE_JOBS)
    status_order = list(Job.Status.values)
    invoice_order = list(Invoice.Status.values)
    return {
        "nav": "jobs",
        "job": job,
        "invoice": invoice,
        "lines": list(invoice.lines.all()),
        "status_buttons": [
            (s, JOB_STATUS_BUTTONS[Job.Status(s)])
            for s in sorted(ALLOWED_STATUS_CHANGES[job.status], key=status_order.index)
        ]
        if job_can_change_status(a, job)
        else [],
        "invoice_buttons": [
            (s, INVOICE_STATUS_BUTTONS[Invoice.Status(s)])
            for s in sorted(INVOICE_STATUS_CHANGES[invoice.status], key=invoice_order.index)
        ]
        if manage
        else [],
        "line_form": (line_form or InvoiceLineForm())
        if manage and invoice.status == Invoice.Status.PENDING
        else None,
        "history": _history(job),
        "may_edit": manage and job.status not in (Job.Status.COMPLETED, Job.Status.CANCELED),
    }


@login_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    a, job = _job_for(request, job_id)
    return render(request, "jobs/detail.html", _detail_context(a, job))


@login_required
@require_POST
def job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    a, job = _job_for(request, job_id)
    if not job_can_change_status(a, job):
        raise PermissionDenied
    try:
        updated = job_set_status(actor=a, job=job, status=request.POST.get("status", ""))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Job #{job.number} is now {updated.get_status_display().lower()}.")
    return redirect("job_detail", job_id=job.pk)


@login_required
@require_POST
def invoice_line_add(request: HttpRequest, job_id: int) -> HttpResponse:
    a, job = _job_for(request, job_id)
    if not a.can(Perm.MANAGE_JOBS):
        raise PermissionDenied
    form = InvoiceLineForm(request.POST)
    if form.is_valid():
        try:
            line = invoice_add_line(
                actor=a,
                invoice=job.invoice,
                description=form.cleaned_data["description"],
                quantity=form.cleaned_data["quantity"],
                unit_price=form.cleaned_data["unit_price"],
                kind=form.cleaned_data["kind"] or InvoiceLine.Kind.CHARGE,
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"Added “{line.description}” ({money(line.amount)}).")
            return redirect("job_detail", job_id=job.pk)
    if form.errors and job.invoice.status != Invoice.Status.PENDING:
        # The invoice closed meanwhile: there is no form left to fix.
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
        return redirect("job_detail", job_id=job.pk)
    context = _detail_context(a, job, line_form=form)
    return render(request, "jobs/detail.html", context, status=422)


@login_required
@require_POST
def invoice_status(request: HttpRequest, job_id: int) -> HttpResponse:
    a, job = _job_for(request, job_id)
    if not a.can(Perm.MANAGE_JOBS):
        raise PermissionDenied
    try:
        updated = invoice_set_status(actor=a, invoice=job.invoice, status=request.POST.get("status", ""))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Invoice {updated.number} is now {updated.get_status_display().lower()}.")
    return redirect("job_detail", job_id=job.pk)


@login_required
def job_edit(request: HttpRequest, job_id: int) -> HttpResponse:
    """Reschedule, reassign the technician, change the work: office and up."""
    a, job = _job_for(request, job_id)
    if not a.can(Perm.MANAGE_JOBS):
        raise PermissionDenied
    if request.method == "POST":
        form = JobEditForm(request.POST, job=job)
        if form.is_valid():
            try:
                job_update(actor=a, job=job, changes=form.changes(), tags=list(form.cleaned_data["tags"]))
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, f"Job #{job.number} saved.")
                return redirect("job_detail", job_id=job.pk)
        status = 422
    else:
        form, status = JobEditForm(job=job), 200
    return render(request, "jobs/edit.html", {"nav": "jobs", "job": job, "form": form}, status=status)


# ---- Jobs list -----------------------------------------------------------


def local_day(day: Any) -> tuple[datetime, datetime]:
    """The instants a calendar day in the office's timezone starts and ends."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    a = actor_from_request(request)
    visible = jobs_visible_to(a)
    if visible is None:
        raise PermissionDenied
    own_only = not a.can(Perm.VIEW_ALL_JOBS)
    form = JobFilterForm(request.GET or None)
    qs = _list_rows(visible)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
    if "status" in filters:
        qs = qs.filter(status=filters["status"])
    if "technician" in filters and not own_only:
        qs = qs.filter(technician=filters["technician"])
    if "date" in filters:
        start, end = local_day(filters["date"])
        qs = qs.filter(start__gte=start, start__lt=end)
    customer = None
    if "customer" in filters:
        # A technician is told a customer's name only through a job of theirs.
        customers = Customer.objects.filter(pk=filters["customer"])
        if own_only:
            customers = customers.filter(pk__in=visible.values("customer_id"))
        customer = customers.first()
        qs = qs.filter(customer_id=filters["customer"])
    q = request.GET.get("q", "").strip()
    qs = jobs_search(qs, q)
    sort = JOB_SORTING.pick(request.GET.get("sort") or (TECHNICIAN_JOB_SORT if own_only else None))
    cursor = request.GET.get("cursor") or None
    try:
        jobs, next_cursor = JOB_SORTING.page(qs, sort=sort, cursor=cursor, limit=LIST_PAGE_SIZE)
    except DomainError:
        cursor = None
        jobs, next_cursor = JOB_SORTING.page(qs, sort=sort, cursor=None, limit=LIST_PAGE_SIZE)
    kept = {k: v for k, v in request.GET.items() if k != "cursor" and v}
    return render(
        request,
        "jobs/list.html",
        {
            "nav": "jobs",
            "form": form if form.is_bound else JobFilterForm(),
            "jobs": jobs,
            "q": q,
            "sort": sort,
            "sorting": JOB_SORTING,
            "own_only": own_only,
            "customer": customer,
            "cursor": cursor,
            "first_query": urlencode(kept),
            "next_query": urlencode({**kept, "cursor": next_cursor}) if next_cursor else "",
        },
    )


TODAY_SHOWN = 50


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """Today's jobs and the quick ways into the day; a technician's home page."""
    a = actor_from_request(request)
    today = timezone.localdate()
    day_start, day_end = local_day(today)
    week_start, _ = local_day(today - timedelta(days=today.weekday()))
    context: dict[str, Any] = {"nav": "home", "today": today}
    visible = jobs_visible_to(a)
    if visible is not None:
        todays = (
            visible.filter(start__gte=day_start, start__lt=day_end)
            .select_related("customer", "location", "job_type", "technician")
            .order_by("start", "id")
        )
        rows = list(todays[: TODAY_SHOWN + 1])
        context.update(
            todays_jobs=rows[:TODAY_SHOWN],
            more_today=len(rows) > TODAY_SHOWN,
            booked_today=visible.filter(created_at__gte=day_start).count(),
            booked_week=visible.filter(created_at__gte=week_start).count(),
            own_only=not a.can(Perm.VIEW_ALL_JOBS),
        )
    return render(request, "jobs/today.html", context)
