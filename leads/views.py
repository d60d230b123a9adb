"""Lead screens: capture, the lead page, convert, the Follow Up queue and the
Job screen's Create Lead flyout. Views parse, call leads.services, render."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from pydantic import ValidationError

from accounts.actor import Actor, actor_from_request
from accounts.roles import Perm
from bookings.models import Booking
from calls.models import Call
from catalog.models import BusinessUnit, CallReason, Campaign, JobType
from catalog.services import dismiss_reasons
from core.choices import Priority
from core.csvfile import csv_streaming_response
from core.errors import DomainError
from core.forms import add_domain_errors, safe_next, worded
from core.pagination import joins_in_written_order, keyset_page
from core.phones import format_phone, try_normalize_phone
from customers.models import ContactPoint, Customer, Location
from customers.services import NewCustomer, customers_search
from jobs.api import job_visible
from jobs.models import Job
from leads.forms import (
    CaptureForm,
    ConvertForm,
    DismissForm,
    FollowUpForm,
    JobLeadForm,
    LeadEditForm,
    NoteForm,
    office_staff,
)
from leads.models import Lead, LeadActivity
from leads.saved import saved_filter_delete, saved_filter_get, saved_filter_save, saved_filters_for
from leads.selectors import LEAD_SORTING, LeadFilters, leads_filtered, leads_for, queue_order, queue_rows
from leads.services import (
    LOCATION_UNCONFIRMED,
    Contact,
    Matches,
    can_set_lead_on_job,
    lead_add_note,
    lead_capture,
    lead_capture_from_job,
    lead_convert,
    lead_dismiss,
    lead_follow_up,
    lead_matches,
    lead_merge,
    lead_pin_note,
    lead_reopen,
    lead_timeline,
    lead_update,
    lead_visible,
    leads_bulk_assign,
    leads_bulk_dismiss,
)


def _actor(request: HttpRequest, perm: Perm | None = Perm.WORK_LEADS) -> Actor:
    a = actor_from_request(request)
    if perm is not None and not a.can(perm):
        raise PermissionDenied
    return a


def _readable(a: Actor) -> QuerySet[Lead]:
    try:
        return leads_for(a)
    except DomainError:
        raise PermissionDenied from None


def _lead(a: Actor, lead_id: int) -> Lead:
    lead = (
        _readable(a)
        .select_related(
            "campaign",
            "business_unit",
            "job_type",
            "assignee",
            "customer",
            "location",
            "technician",
            "lead_setting_employee",
            "origin_job",
            "converted_job",
            "created_by",
            "dismiss_reason",
            "call_reason",
            "merged_into",
        )
        .prefetch_related("tags", "customer__contacts")
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        raise Http404(f"lead {lead_id} not found")
    return lead


def _int(raw: str | None) -> int:
    """An id from a form or query string; 0 (no row) when it is not one."""
    return int(raw) if raw and raw.isdigit() else 0


# --- Follow Up screen ------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> tuple[LeadFilters, list[str]]:
    """The queue's filters from the query string; a bad value is reported and ignored."""
    given = {k: v for k, v in request.GET.items() if v != "" and k in LeadFilters.model_fields}
    try:
        return LeadFilters.model_validate(given), []
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors()}
        problems = [
            f"Ignored the {name.replace('_', ' ')} filter: not a valid value." for name in sorted(bad)
        ]
        return LeadFilters.model_validate({k: v for k, v in given.items() if k not in bad}), problems


@login_required
def follow_up(request: HttpRequest) -> HttpResponse:
    a = _actor(request)
    filters, problems = _filters(request)
    qs, order = queue_order(queue_rows(leads_filtered(_readable(a), filters)), filters)
    with joins_in_written_order():
        try:
            rows, next_cursor = keyset_page(
                qs, order=order, cursor=request.GET.get("cursor"), limit=50, tag=filters.sort
            )
        except DomainError:
            rows, next_cursor = keyset_page(qs, order=order, cursor=None, limit=50, tag=filters.sort)
            problems.append("That page link has expired; showing the first page.")
    query = {k: v for k, v in request.GET.items() if v != "" and k != "cursor"}
    context = {
        "nav": "follow_up",
        "rows": rows,
        "filters": filters,
        "problems": problems,
        "today": _today(),
        "next_url": f"?{urlencode({**query, 'cursor': next_cursor})}" if next_cursor else None,
        "first_url": f"?{urlencode(query)}" if request.GET.get("cursor") else None,
        "export_url": f"{reverse('follow_up_export')}?{urlencode(query)}",
        "here": request.get_full_path(),
        "filtered": bool({k for k in query if k != "sort"}),
        "sort_sla_url": f"?{urlencode({**query, 'sort': 'sla'})}",
        "sorting": LEAD_SORTING,
        "sort": filters.sort,
        "saved_filters": list(saved_filters_for(a)),
        "current_query": urlencode(query),
        "my_leads_url": f"?{urlencode({'assignee_id': a.employee.pk})}" if a.employee else "",
        "my_leads": a.employee is not None and filters.assignee_id == a.employee.pk,
        "sort_follow_up_url": f"?{urlencode({k: v for k, v in query.items() if k != 'sort'})}",
        "now": timezone.now(),
        **_choices(),
    }
    return render(request, "leads/follow_up.html", context)


@login_required
@require_POST
def follow_up_view_save(request: HttpRequest) -> HttpResponse:
    """Save the Follow Up view the employee is looking at under a name."""
    a = _actor(request)
    try:
        saved = saved_filter_save(
            actor=a, name=request.POST.get("name", ""), query=request.POST.get("query", "")
        )
    except DomainError as exc:
        messages.error(request, " ".join(worded(e.field, e.message) for e in exc.errors) or exc.detail)
        return redirect(f"{reverse('follow_up')}?{request.POST.get('query', '')}")
    messages.success(request, f"Saved the view “{saved.name}”.")
    return redirect(f"{reverse('follow_up')}?{saved.query}")


@login_required
def follow_up_view_apply(request: HttpRequest, view_id: int) -> HttpResponse:
    a = _actor(request)
    try:
        saved = saved_filter_get(actor=a, pk=view_id)
    except DomainError:
        raise Http404("No such saved view.") from None
    return redirect(f"{reverse('follow_up')}?{saved.query}")


@login_required
@require_POST
def follow_up_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    a = _actor(request)
    try:
        saved_filter_delete(actor=a, pk=view_id)
    except DomainError:
        raise Http404("No such saved view.") from None
    messages.success(request, "Saved view deleted.")
    return redirect("follow_up")


def _today() -> date:
    return timezone.localdate()


def _choices() -> dict[str, Any]:
    return {
        "types": Lead.Type.choices,
        "statuses": [*Lead.Status.choices, ("any", "Any status")],
        "priorities": Priority.choices,
        "campaigns": Campaign.objects.all(),
        "business_units": BusinessUnit.objects.filter(active=True),
        "job_types": JobType.objects.filter(active=True),
        "assignees": office_staff(),
        "reasons": dismiss_reasons(),
    }


CSV_COLUMNS = [
    "id",
    "type",
    "status",
    "marker",
    "name",
    "phone",
    "email",
    "street",
    "unit",
    "city",
    "state",
    "zip",
    "customer_id",
    "campaign",
    "business_unit",
    "job_type",
    "priority",
    "assignee",
    "follow_up_on",
    "created_at",
    "summary",
    "channel",
    "first_response_due_at",
    "first_response_at",
    "sla_status",
]


def _csv_rows(qs: QuerySet[Lead]) -> Iterator[list[Any]]:
    for lead in qs.iterator(chunk_size=2000):
        yield [
            lead.pk,
            lead.type,
            lead.status,
            lead.marker or "",
            lead.name,
            lead.phone,
            lead.email,
            lead.street,
            lead.unit,
            lead.city,
            lead.state,
            lead.zip,
            lead.customer_id or "",
            lead.campaign.name if lead.campaign else "",
            lead.business_unit.name if lead.business_unit else "",
            lead.job_type.name if lead.job_type else "",
            lead.priority,
            lead.assignee.name if lead.assignee else "",
            lead.follow_up_on.isoformat(),
            lead.created_at.isoformat(),
            lead.summary,
            lead.channel,
            lead.first_response_due_at.isoformat() if lead.first_response_due_at else "",
            lead.first_response_at.isoformat() if lead.first_response_at else "",
            lead.sla_status,
        ]


@login_required
def follow_up_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered queue as CSV, streamed so a large export never sits in memory."""
    a = _actor(request)
    filters, _ = _filters(request)
    qs, order = queue_order(leads_filtered(_readable(a), filters), filters)
    qs = qs.select_related("campaign", "business_unit", "job_type", "assignee").order_by(*order)
    return csv_streaming_response(filename="leads.csv", columns=CSV_COLUMNS, rows=_csv_rows(qs))


@login_required
@require_POST
def follow_up_bulk(request: HttpRequest) -> HttpResponse:
    a = _actor(request)
    back = safe_next(request, request.POST.get("next"), default=reverse("follow_up"))
    if not back.startswith("/"):
        back = reverse("follow_up")
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    leads = list(_readable(a).filter(pk__in=ids))
    if not leads:
        messages.warning(request, "Select at least one lead first.")
        return redirect(back)
    try:
        if request.POST.get("action") == "assign":
            assignee = office_staff().filter(pk=_int(request.POST.get("assignee"))).first()
            done = leads_bulk_assign(actor=a, leads=leads, assignee=assignee)
            messages.success(request, f"Assigned {done} lead(s) to {assignee or 'nobody'}.")
        elif request.POST.get("action") == "dismiss":
            reason = CallReason.objects.filter(pk=_int(request.POST.get("reason"))).first()
            done = leads_bulk_dismiss(actor=a, leads=leads, reason=reason, note=request.POST.get("note", ""))
            messages.success(request, f"Dismissed {done} lead(s).")
        else:
            messages.error(request, "Choose Assign or Dismiss.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(back)


# --- capture ---------------------------------------------------------------------------------------


def _capture_context(request: HttpRequest) -> dict[str, Any]:
    """What the page was opened from: a call, a booking or a customer."""
    call = Call.objects.select_related("campaign").filter(pk=_int(request.GET.get("call"))).first()
    booking = Booking.objects.filter(pk=_int(request.GET.get("booking"))).first()
    customer = (
        Customer.objects.prefetch_related("contacts", "locations")
        .filter(pk=_int(request.GET.get("customer")))
        .first()
    )
    return {"call": call, "booking": booking, "customer": customer}


def _capture_initial(ctx: dict[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {"follow_up_on": _today()}
    call, booking, customer = ctx["call"], ctx["booking"], ctx["customer"]
    if call is not None:
        initial.update(phone=format_phone(call.from_number), campaign=call.campaign)
    if booking is not None:
        initial.update(
            {k: getattr(booking, k) for k in ("name", "email", "street", "unit", "city", "state", "zip")},
            phone=format_phone(booking.phone),
            summary=booking.summary,
            campaign=booking.campaign,
            business_unit=booking.business_unit,
            job_type=booking.job_type,
            priority=booking.priority,
        )
    if customer is not None:
        phones, emails = customer.phones, customer.emails
        initial.update(
            name=customer.name,
            phone=format_phone(phones[0]) if phones else "",
            email=emails[0] if emails else "",
        )
        locations = list(customer.locations.all())
        if len(locations) == 1:
            initial["location"] = locations[0]
    return initial


@login_required
def lead_new(request: HttpRequest) -> HttpResponse:
    a = _actor(request)
    ctx = _capture_context(request)
    ask_location = False
    if request.method == "POST":
        form = CaptureForm(request.POST, customer=ctx["customer"])
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = lead_capture(
                    actor=a,
                    type=d["type"],
                    contact=Contact(
                        **{
                            k: d[k]
                            for k in ("name", "phone", "email", "street", "unit", "city", "state", "zip")
                        }
                    ),
                    campaign=d["campaign"],
                    call=ctx["call"],
                    booking=ctx["booking"],
                    customer=ctx["customer"],
                    location=d["location"],
                    summary=d["summary"],
                    business_unit=d["business_unit"],
                    job_type=d["job_type"],
                    priority=d["priority"] or None,
                    tags=list(d["tags"]),
                    follow_up_on=d["follow_up_on"],
                    call_reason=d["call_reason"],
                    assignee=d["assignee"],
                    confirm_without_location=d["confirm_without_location"],
                )
            except DomainError as exc:
                if exc.code == LOCATION_UNCONFIRMED:
                    ask_location = True
                else:
                    add_domain_errors(form, exc)
            else:
                for warning in result.warnings:
                    messages.warning(request, warning)
                messages.success(request, f"Lead {result.lead.pk} captured.")
                return redirect("lead_detail", lead_id=result.lead.pk)
    else:
        form = CaptureForm(initial=_capture_initial(ctx), customer=ctx["customer"])
    return render(
        request,
        "leads/new.html",
        {
            "nav": "follow_up",
            "form": form,
            "ask_location": ask_location,
            "query": request.GET.urlencode(),
            "matches": _typed_matches(form) if form.is_bound else None,
            **ctx,
        },
    )


def _typed_matches(form: CaptureForm) -> Matches:
    """Who the typed phone or email already belongs to, shown beside the form."""
    phone = try_normalize_phone(form.data.get("phone", "")) or ""
    email = form.data.get("email", "").strip().lower()
    return lead_matches(phone=phone, email=email if "@" in email else "")


@login_required
def capture_matches_hx(request: HttpRequest) -> HttpResponse:
    """Who this might already be, while the CSR is still typing."""
    _actor(request)
    return render(
        request, "leads/_matches.html", {"matches": _typed_matches(CaptureForm(request.GET)), "lead": None}
    )


@login_required
def job_type_options_hx(request: HttpRequest) -> HttpResponse:
    _actor(request, perm=None)
    unit = _int(request.GET.get("business_unit"))
    job_types = JobType.objects.filter(active=True)
    if unit:
        job_types = job_types.filter(business_units=unit)
    # The job type already picked stays picked when the new unit offers it too
    # (a CSR who picks it before the list refreshes does not lose it).
    chosen = _int(request.GET.get("job_type"))
    return render(request, "leads/_job_type_options.html", {"job_types": job_types, "chosen": chosen})


# --- the lead page ---------------------------------------------------------------------------------


def _detail(request: HttpRequest, a: Actor, lead: Lead, **forms: Any) -> HttpResponse:
    timeline = lead_timeline(lead)
    may_work = a.can(Perm.WORK_LEADS)
    # A technician sees the leads they set, not who else the caller might be.
    matches = lead_matches(phone=lead.phone, email=lead.email, exclude_pk=lead.pk) if may_work else Matches()
    match_customers = (
        Customer.objects.filter(pk__in=[c.pk for c in matches.customers]).prefetch_related(
            "contacts", Prefetch("locations", queryset=Location.objects.order_by("id"))
        )
        if lead.customer_id is None
        else []
    )
    context = {
        "nav": "follow_up",
        "lead": lead,
        "timeline": timeline,
        "matches": matches,
        "match_customers": match_customers,
        "follow_up_form": forms.get("follow_up_form") or FollowUpForm(),
        "note_form": forms.get("note_form") or NoteForm(),
        "dismiss_form": forms.get("dismiss_form") or DismissForm(),
        "may_work": may_work,
        "today": _today(),
    }
    return render(request, "leads/detail.html", context, status=400 if forms else 200)


@login_required
def lead_detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    a = _actor(request, perm=None)
    return _detail(request, a, _lead(a, lead_id))


@login_required
@require_POST
def lead_follow_up_post(request: HttpRequest, lead_id: int) -> HttpResponse:
    a = _actor(request)
    lead = _lead(a, lead_id)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            lead_follow_up(
                actor=a,
                lead=lead,
                note=d["note"],
                outcome=d["outcome"],
                next_follow_up_on=d["next_follow_up_on"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, "Follow-up recorded.")
            return redirect("lead_detail", lead_id=lead.pk)
    return _detail(request, a, lead, follow_up_form=form)


@login_required
@require_POST
def lead_note_post(request: HttpRequest, lead_id: int) -> HttpResponse:
    a = _actor(request)
    lead = _lead(a, lead_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            lead_add_note(
                actor=a, lead=lead, text=form.cleaned_data["text"], pinned=form.cleaned_data["pinned"]
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            return redirect("lead_detail", lead_id=lead.pk)
    return _detail(request, a, lead, note_form=form)


@login_required
@require_POST
def lead_note_pin_post(request: HttpRequest, lead_id: int, activity_id: int) -> HttpResponse:
    a = _actor(request)
    lead = _lead(a, lead_id)
    note = get_object_or_404(
        LeadActivity, pk=activity_id, lead__in=[lead.pk, *lead.merged_leads.values_list("pk", flat=True)]
    )
    try:
        lead_pin_note(actor=a, note=note, pinned=request.POST.get("pinned") == "1")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("lead_detail", lead_id=lead.pk)


@login_required
@require_POST
def lead_dismiss_post(request: HttpRequest, lead_id: int) -> HttpResponse:
    a = _actor(request)
    lead = _lead(a, lead_id)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            lead_dismiss(
                actor=a, lead=lead, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"]
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, "Lead dismissed.")
            return redirect("lead_detail", lead_id=lead.pk)
    return _detail(request, a, lead, dismiss_form=form)


def _post_and_back(request: HttpRequest, lead: Lead, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return redirect("lead_detail", lead_id=lead.pk)


@login_required
def lead_edit(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Correct an open lead: contact, summary, classification, assignee, follow-up date."""
    a = _actor(request)
    lead = _lead(a, lead_id)
    if lead.status != Lead.Status.OPEN:
        messages.error(request, f"Lead {lead.pk} is {lead.status}; only an open lead can be changed.")
        return redirect("lead_detail", lead_id=lead.pk)
    if request.method == "POST":
        form = LeadEditForm(request.POST, lead=lead)
        if form.is_valid():
            try:
                lead_update(actor=a, lead=lead, changes=form.changes(), tags=list(form.cleaned_data["tags"]))
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, f"Lead {lead.pk} saved.")
                return redirect("lead_detail", lead_id=lead.pk)
        status = 422
    else:
        form, status = LeadEditForm(lead=lead), 200
    return render(request, "leads/edit.html", {"nav": "follow_up", "lead": lead, "form": form}, status=status)


@login_required
@require_POST
def lead_reopen_post(request: HttpRequest, lead_id: int) -> HttpResponse:
    a = _actor(request)
    lead = _lead(a, lead_id)
    return _post_and_back(request, lead, lambda: lead_reopen(actor=a, lead=lead), "Lead reopened.")


@login_required
@require_POST
def lead_merge_post(request: HttpRequest, lead_id: int) -> HttpResponse:
    a = _actor(request)
    lead = _lead(a, lead_id)
    other = _readable(a).filter(pk=_int(request.POST.get("other"))).first()
    if other is None:
        messages.error(request, "That lead no longer exists.")
        return redirect("lead_detail", lead_id=lead.pk)
    return _post_and_back(
        request,
        lead,
        lambda: lead_merge(actor=a, lead=lead, other=other),
        f"Lead {other.pk} merged into this one.",
    )


@login_required
@require_POST
def lead_link_post(request: HttpRequest, lead_id: int) -> HttpResponse:
    """Link the lead to a matched customer (and one of its locations)."""
    a = _actor(request)
    lead = _lead(a, lead_id)
    customer = Customer.objects.filter(pk=_int(request.POST.get("customer"))).first()
    location = Location.objects.filter(pk=_int(request.POST.get("location"))).first()
    return _post_and_back(
        request,
        lead,
        lambda: lead_update(actor=a, lead=lead, changes={"customer": customer, "location": location}),
        f"Linked to {customer}.",
    )


# --- convert ---------------------------------------------------------------------------------------


@login_required
def lead_convert_page(request: HttpRequest, lead_id: int) -> HttpResponse:
    a = _actor(request)
    a.require(Perm.BOOK_JOBS)
    lead = _lead(a, lead_id)
    if lead.status != Lead.Status.OPEN:
        messages.error(request, f"Lead {lead.pk} is {lead.status}; only an open lead can be converted.")
        return redirect("lead_detail", lead_id=lead.pk)
    if request.method == "POST":
        form = ConvertForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            new = d["customer_mode"] == "new"
            address = {k: d[k] for k in ("street", "unit", "city", "state", "zip")}
            try:
                job = lead_convert(
                    actor=a,
                    lead=lead,
                    customer=None if new else d["customer"],
                    location=None if new else d["location"],
                    new_customer=NewCustomer(
                        name=d["new_name"],
                        type=d["new_type"],
                        phones=[d["new_phone"]] if d["new_phone"] else [],
                        emails=[d["new_email"]] if d["new_email"] else [],
                    )
                    if new
                    else None,
                    new_location=address
                    if new or (d["customer"] and not d["location"] and any(address.values()))
                    else None,
                    business_unit=d["business_unit"],
                    job_type=d["job_type"],
                    priority=d["priority"],
                    start=d["start"],
                    technician=d["technician"],
                )
            except DomainError as exc:
                add_domain_errors(form, exc, ConvertForm.ALIASES)
            else:
                messages.success(
                    request,
                    format_html(
                        'Booked job {} from <a href="{}">lead {}</a>.',
                        job.number,
                        reverse("lead_detail", args=[lead.pk]),
                        lead.pk,
                    ),
                )
                # After converting, the CSR works the job.
                return redirect("job_detail", job_id=job.pk)
    else:
        customer = lead.customer
        form = ConvertForm(
            initial={
                "customer_mode": "existing" if customer else "new",
                "customer": customer,
                "location": lead.location,
                "new_name": lead.name,
                "new_phone": format_phone(lead.phone),
                "new_email": lead.email,
                **lead.contact_address(),
                "business_unit": lead.business_unit,
                "job_type": lead.job_type,
                "priority": lead.priority,
                "start": lead.start,
                "technician": lead.technician,
            }
        )
    picked = form["customer"].value()
    customer = (
        Customer.objects.prefetch_related("contacts", "locations").filter(pk=_int(str(picked or ""))).first()
    )
    return render(
        request,
        "leads/convert.html",
        {"nav": "follow_up", "lead": lead, "form": form, "picked": customer, "results": _search(lead, "")},
    )


def _search(lead: Lead, q: str) -> list[Customer]:
    if q.strip():
        qs = customers_search(q=q)
    else:
        qs = Customer.objects.filter(
            pk__in=ContactPoint.objects.filter(value__in=[v for v in (lead.phone, lead.email) if v]).values(
                "customer"
            )
        )
    return list(qs.prefetch_related("contacts", "locations").order_by("name", "id")[:10])


@login_required
def convert_customers_hx(request: HttpRequest, lead_id: int) -> HttpResponse:
    a = _actor(request)
    lead = _lead(a, lead_id)
    return render(
        request,
        "leads/_customer_results.html",
        {"results": _search(lead, request.GET.get("q", "")), "lead": lead},
    )


# --- the Job screen's Create Lead flyout ----------------------------------------------------------


def _job_for_lead(a: Actor, job_id: int) -> Job:
    job = Job.objects.select_related("customer", "location", "technician").filter(pk=job_id).first()
    if job is None or not can_set_lead_on_job(a, job):
        # A technician is not told about jobs that are not theirs.
        raise Http404(f"job {job_id} not found")
    return job


def _job_lead(request: HttpRequest, job_id: int, *, partial: bool) -> HttpResponse:
    a = _actor(request, perm=None)
    if a.role is None:
        raise PermissionDenied
    job = _job_for_lead(a, job_id)
    if request.method == "POST":
        form = JobLeadForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                lead, new_job = lead_capture_from_job(
                    actor=a,
                    job=job,
                    business_unit=d["business_unit"],
                    job_type=d["job_type"],
                    priority=d["priority"] or None,
                    start_date=d["start_date"],
                    start_time=d["start_time"],
                    lead_setting_employee=d["lead_setting_employee"],
                    technician=d["technician"],
                    summary=d["summary"],
                    tags=list(d["tags"]),
                    book=request.POST.get("action") == "book",
                )
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                # A technician who books for someone else (or credits someone else) may not
                # open the new job or lead: they stay on the job they are on.
                target = reverse("job_detail", args=[job.pk])
                if new_job is not None:
                    to = f", assigned to {new_job.technician.name}" if new_job.technician else ""
                    if job_visible(a, new_job):
                        target = reverse("job_detail", args=[new_job.pk])
                        booked = format_html(
                            '<a href="{}">Job {}</a> booked from this job\'s lead {}{}.',
                            target,
                            new_job.number,
                            lead.pk,
                            to,
                        )
                    else:
                        booked = format_html(
                            "Booked job {} from this job's lead {}{}.", new_job.number, lead.pk, to
                        )
                    messages.success(request, booked)
                else:
                    saved = format_html("Lead {} saved for follow-up.", lead.pk)
                    if lead_visible(a, lead):
                        target = reverse("lead_detail", args=[lead.pk])
                        saved = format_html('<a href="{}">Lead {}</a> saved for follow-up.', target, lead.pk)
                    messages.success(request, saved)
                if partial:
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = target
                    return response
                return HttpResponseRedirect(target)
    else:
        form = JobLeadForm(
            initial={
                # A technician sets their own leads; the office usually enters one for the job's technician.
                "lead_setting_employee": a.employee
                if a.employee is None or a.employee.role == "technician"
                else job.technician or a.employee,
                "business_unit": job.business_unit_id,
                "technician": a.employee if a.employee and a.employee.role == "technician" else None,
            }
        )
    template = "leads/_job_lead_flyout.html" if partial else "leads/job_lead.html"
    # htmx swaps only 2xx answers, so the flyout shows its errors with a 200.
    status = 400 if form.errors and not partial else 200
    return render(request, template, {"job": job, "form": form, "nav": "jobs"}, status=status)


@login_required
def job_lead(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_lead(request, job_id, partial=False)


@login_required
def job_lead_hx(request: HttpRequest, job_id: int) -> HttpResponse:
    return _job_lead(request, job_id, partial=True)
