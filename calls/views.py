"""The Calls screen, the call panel, the dashboard's Leads tab and the calls list.

Views parse the form, call a service from ``calls.services`` and render; a
``DomainError`` becomes form errors with what was typed kept.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from accounts.actor import Actor, actor_from_request
from accounts.models import Employee
from accounts.roles import Perm
from accounts.services import employee_set_available
from calls.models import Call
from calls.services import (
    CALL_SORTING,
    QUEUE_KINDS,
    LeadDetails,
    call_accept,
    call_back_attempt,
    call_book_job,
    call_capture_lead,
    call_close,
    call_dismiss_follow_up,
    call_excuse,
    caller_matches,
    calls_filtered,
    calls_follow_up_queue,
    calls_ringing,
    close_needs_location_confirmation,
    close_reason_check,
)
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType
from catalog.services import dismiss_reasons
from core.choices import Priority
from core.errors import DomainError, invalid
from core.forms import worded
from core.pagination import keyset_page
from core.refs import resolve
from customers.models import Location
from leads.services import Contact

CONTACT_FIELDS = ("name", "phone", "email", "street", "unit", "city", "state", "zip")
SLA_SORT_ROWS = 100


def _actor(request: HttpRequest, perm: Perm = Perm.WORK_LEADS) -> Actor:
    a = actor_from_request(request)
    if not a.can(perm):
        raise PermissionDenied(f"Your role may not do this ({perm.value.replace('_', ' ')}).")
    return a


def _errors(exc: DomainError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for e in exc.errors:
        errors.setdefault(e.field, []).append(worded(e.field, e.message))
    if not exc.errors:
        errors["form"] = [exc.detail]
    return errors


def _get_call(pk: int) -> Call:
    call = (
        Call.objects.select_related(
            "campaign", "accepted_by", "call_reason", "lead__converted_job", "customer", "location", "job"
        )
        .filter(pk=pk)
        .first()
    )
    if call is None:
        raise Http404("No such call.")
    return call


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def booking_guide_for(
    *, reason: CallReason | None, business_unit: BusinessUnit | None
) -> BookingGuide | None:
    """The script for the reason the CSR picked.

    The reason's own guide when an admin chose one in Settings; otherwise a
    lead reason shows the active ``lead`` guide of the call's business unit
    (the campaign's), else any active ``lead`` guide;
    a reason that is not a lead shows the ``general`` guide. Recall and
    warranty guides belong to booking a recall or warranty job, not to a call.
    """
    if reason is not None and reason.booking_guide_id is not None:
        chosen = BookingGuide.objects.filter(pk=reason.booking_guide_id, active=True).first()
        if chosen is not None:
            return chosen
    kind = BookingGuide.Kind.LEAD if reason is None or reason.is_lead else BookingGuide.Kind.GENERAL
    guides = BookingGuide.objects.filter(kind=kind, active=True).order_by("name")
    if business_unit is not None:
        own = guides.filter(business_unit=business_unit).first()
        if own is not None:
            return own
    return guides.filter(business_unit__isnull=True).first() or guides.first()


def _panel_context(
    request: HttpRequest,
    call: Call,
    *,
    form: QueryDict | dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    confirm_location: bool = False,
    takeover_offer: bool = False,
    book_question: tuple[str, str] | None = None,
) -> dict[str, Any]:
    a = actor_from_request(request)
    matches = caller_matches(phone=call.from_number)
    reasons = list(CallReason.objects.filter(active=True))
    values: dict[str, Any] = {"phone": call.from_number}
    if call.customer is not None:
        values["name"] = call.customer.name
    if form is not None:
        values.update({k: form.get(k, "") for k in form})
    reason = next((r for r in reasons if str(r.pk) == str(values.get("call_reason_id", ""))), None)
    business_unit = call.campaign.business_unit if call.campaign else None
    if business_unit is not None:
        values.setdefault("business_unit_id", str(business_unit.pk))
    if call.campaign_id is not None:
        values.setdefault("campaign_id", str(call.campaign_id))
    campaigns = Campaign.objects.filter(Q(active=True) | Q(pk=call.campaign_id)).order_by("name")
    locations = [loc for c in matches.customers for loc in c.locations.all()]
    return {
        "call": call,
        "matches": matches,
        "locations": locations,
        "reasons": reasons,
        "guide": booking_guide_for(reason=reason, business_unit=business_unit),
        "chosen_reason": reason,
        "campaigns": campaigns,
        "business_units": BusinessUnit.objects.filter(active=True),
        "job_types": JobType.objects.filter(active=True).prefetch_related("business_units"),
        "values": values,
        "errors": errors or {},
        "confirm_location": confirm_location,
        "takeover_offer": takeover_offer,
        "book_question": book_question,
        "priorities": Priority.choices,
        "mine": a.employee is not None and call.accepted_by_id == a.employee.pk,
    }


def _ringing_for(employee: Employee | None) -> list[Call]:
    """The bubbles that ring for this person: none while they are Away."""
    if employee is not None and not employee.available:
        return []
    return list(calls_ringing()[:20])


def _screen_context(request: HttpRequest) -> dict[str, Any]:
    a = actor_from_request(request)
    mine = (
        Call.objects.filter(accepted_by=a.employee, closed_at__isnull=True).select_related("campaign")[:10]
        if a.employee
        else []
    )
    return {
        "nav": "calls",
        "me": a.employee,
        "ringing": _ringing_for(a.employee),
        "my_calls": list(mine),
        "queue_count": calls_follow_up_queue().count(),
    }


@login_required
def calls_screen(request: HttpRequest) -> HttpResponse:
    _actor(request)
    context = _screen_context(request)
    chosen = _int(request.GET.get("call"))
    if chosen is None and context["my_calls"]:
        chosen = context["my_calls"][0].pk
    if chosen is not None:
        context.update(_panel_context(request, _get_call(chosen)))
    return render(request, "calls/screen.html", context)


@login_required
def calls_incoming_hx(request: HttpRequest) -> HttpResponse:
    a = _actor(request)
    return render(request, "calls/_bubbles.html", {"me": a.employee, "ringing": _ringing_for(a.employee)})


@login_required
@require_POST
def calls_availability_view(request: HttpRequest) -> HttpResponse:
    """The Calls screen's Available / Away switch: the signed-in employee's own.
    htmx swaps the switch and the bubble list; without JavaScript the page reloads."""
    a = _actor(request)
    if a.employee is None:
        raise PermissionDenied("Only an employee has an Available / Away switch.")
    available = request.POST.get("available") == "1"
    me = employee_set_available(actor=a, employee=a.employee, available=available)
    if request.headers.get("HX-Request") != "true":
        return redirect("calls_screen")
    context = {"me": me, "ringing": _ringing_for(me)}
    return render(request, "calls/_availability_swap.html", context)


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _actor(request)
    context = _screen_context(request)
    context.update(_panel_context(request, _get_call(pk)))
    return render(request, "calls/screen.html", context)


def _render_panel(request: HttpRequest, call: Call, status: int = 200, **kwargs: Any) -> HttpResponse:
    context = _screen_context(request)
    context.update(_panel_context(request, call, **kwargs))
    return render(request, "calls/screen.html", context, status=status)


@login_required
@require_POST
def call_accept_view(request: HttpRequest, pk: int) -> HttpResponse:
    a = _actor(request)
    call = _get_call(pk)
    try:
        call_accept(actor=a, call=call, takeover=request.POST.get("takeover") == "1")
    except DomainError as exc:
        if exc.code == "call_taken":
            return _render_panel(request, call, status=409, takeover_offer=True)
        return _render_panel(request, call, status=exc.status, errors=_errors(exc))
    return redirect(f"{reverse('calls_screen')}?call={call.pk}")


def _lead_details(post: QueryDict, call: Call) -> LeadDetails:
    location = _location(post)
    campaign_pk = _int(post.get("campaign_id"))
    # The call's own campaign stands even if it was switched off since the call came in.
    own = campaign_pk == call.campaign_id
    return LeadDetails(
        contact=Contact(**{f: post.get(f, "") for f in CONTACT_FIELDS}),
        campaign=resolve(Campaign, campaign_pk, "campaign_id", require_active=not own),
        location=location,
        customer=location.customer if location else None,
        summary=post.get("summary", ""),
    )


def _location(post: QueryDict) -> Location | None:
    pk = _int(post.get("location_id"))
    if pk is None:
        return None
    location = Location.objects.select_related("customer").filter(pk=pk).first()
    if location is None:
        raise invalid("location_id", f"location {pk} does not exist")
    return location


def _reason(post: QueryDict) -> CallReason | None:
    pk = _int(post.get("call_reason_id"))
    return CallReason.objects.filter(pk=pk).first() if pk is not None else None


@login_required
@require_POST
def call_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    a = _actor(request)
    call = _get_call(pk)
    post = request.POST
    capture = post.get("action") == "capture"
    try:
        # The reason first: one that cannot capture a lead is refused before the location question.
        close_reason_check(call_reason=_reason(post), capture=capture)
        details = _lead_details(post, call) if capture else None
        location = _location(post)
        confirmed = post.get("confirm_without_location") == "1"
        if not confirmed and close_needs_location_confirmation(call=call, details=details, location=location):
            return _render_panel(request, call, form=post, confirm_location=True)
        result = call_close(
            actor=a,
            call=call,
            call_reason=_reason(post),
            lead=details,
            location=location,
            confirm_without_location=confirmed,
        )
    except DomainError as exc:
        return _render_panel(request, call, status=exc.status, form=post, errors=_errors(exc))
    message = format_html("Call closed ({}).", result.call.get_classification_display())
    if result.lead is not None:
        message = format_html(
            '<a href="{}">Lead {}</a> captured; call closed.',
            reverse("lead_detail", args=[result.lead.pk]),
            result.lead.pk,
        )
    messages.success(request, message)
    return redirect(f"{reverse('call_detail', args=[call.pk])}")


@login_required
@require_POST
def call_capture_view(request: HttpRequest, pk: int) -> HttpResponse:
    a = _actor(request)
    call = _get_call(pk)
    try:
        lead, _ = call_capture_lead(
            actor=a, call=call, call_reason=_reason(request.POST), lead=_lead_details(request.POST, call)
        )
    except DomainError as exc:
        return _render_panel(request, call, status=exc.status, form=request.POST, errors=_errors(exc))
    messages.success(
        request,
        format_html(
            '<a href="{}">Lead {}</a> captured from the call.',
            reverse("lead_detail", args=[lead.pk]),
            lead.pk,
        ),
    )
    return redirect("call_detail", pk=call.pk)


@login_required
@require_POST
def call_book_view(request: HttpRequest, pk: int) -> HttpResponse:
    a = _actor(request, Perm.BOOK_JOBS)
    call = _get_call(pk)
    post = request.POST
    try:
        location = _location(post)
        bu_pk, jt_pk = _int(post.get("business_unit_id")), _int(post.get("job_type_id"))
        business_unit = BusinessUnit.objects.filter(pk=bu_pk).first() if bu_pk else None
        job_type = JobType.objects.filter(pk=jt_pk).first() if jt_pk else None
        if business_unit is None:
            raise invalid("business_unit_id", "choose a business unit")
        if job_type is None:
            raise invalid("job_type_id", "choose a job type")
        start = None
        if post.get("start"):
            parsed = parse_datetime(post["start"])
            if parsed is None:
                raise invalid("start", "is not a date and time")
            start = timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
        job = call_book_job(
            actor=a,
            call=call,
            customer=location.customer if location else None,
            location=location,
            business_unit=business_unit,
            job_type=job_type,
            priority=post.get("priority") or None,
            start=start,
            summary=post.get("summary", ""),
            takeover=post.get("takeover") == "1",
            confirm_customer=post.get("confirm_customer") == "1",
        )
    except DomainError as exc:
        if exc.code in ("call_taken", "confirm_customer"):
            # Asked, not refused: the same form comes back with the question and a button that confirms.
            return _render_panel(
                request, call, status=exc.status, form=post, book_question=(exc.code, exc.detail)
            )
        return _render_panel(request, call, status=exc.status, form=post, errors=_errors(exc))
    messages.success(
        request,
        format_html(
            '<a href="{}">Job {}</a> booked; the call is booked.',
            reverse("job_detail", args=[job.pk]),
            job.number,
        ),
    )
    return redirect("call_detail", pk=call.pk)


@login_required
def call_guide_hx(request: HttpRequest, pk: int) -> HttpResponse:
    _actor(request)
    call = _get_call(pk)
    reason = _reason(request.GET)
    business_unit = call.campaign.business_unit if call.campaign else None
    return render(
        request,
        "calls/_guide.html",
        {"guide": booking_guide_for(reason=reason, business_unit=business_unit), "chosen_reason": reason},
    )


# --- the dashboard's Leads tab ----------------------------------------------


def _queue_context(request: HttpRequest, errors: dict[int, str] | None = None) -> dict[str, Any]:
    kind = request.GET.get("kind", "")
    kind = kind if kind in QUEUE_KINDS else ""
    qs = calls_follow_up_queue(kind=kind or None)
    sort = "sla" if request.GET.get("sort") == "sla" else ""
    if sort:
        # The first-response clock: rows whose lead still awaits one, the latest first.
        # At most the 100 most urgent, so no page links.
        items: list[Call] = list(
            qs.filter(lead__first_response_at__isnull=True, lead__first_response_due_at__isnull=False)
            .select_related("lead__assignee")
            .order_by("lead__first_response_due_at", "id")[:SLA_SORT_ROWS]
        )
        next_cursor = None
    else:
        items, next_cursor = keyset_page(
            qs.select_related("lead__assignee"),
            order=("-follow_up_at", "-id"),
            cursor=request.GET.get("cursor") or None,
            limit=50,
        )
    return {
        "sort": sort,
        "now": timezone.now(),
        "nav": "home",
        "items": items,
        "next_cursor": next_cursor,
        "kind": kind,
        "kinds": [("", "All"), ("abandoned", "Abandoned-call leads"), ("unbooked", "Unbooked calls")],
        "shown_count": (shown := qs.count()),
        "queue_count": calls_follow_up_queue().count() if kind else shown,
        "dismiss_reasons": dismiss_reasons(),
        "row_errors": errors or {},
    }


@login_required
def dashboard_leads(request: HttpRequest) -> HttpResponse:
    _actor(request)
    try:
        context = _queue_context(request)
    except DomainError:
        return redirect("dashboard_leads")
    return render(request, "calls/queue.html", context)


def _queue_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    call = _get_call(pk)
    post = request.POST
    try:
        if action == "callback":
            call_back_attempt(
                actor=_actor(request), call=call, outcome=post.get("outcome", ""), note=post.get("note", "")
            )
            messages.success(request, f"Call-back attempt logged for {call.from_number}.")
        elif action == "dismiss":
            call_dismiss_follow_up(
                actor=_actor(request),
                call=call,
                reason=_reason_by(post, "reason_id"),
                note=post.get("note", ""),
            )
            messages.success(request, "Taken off the Leads tab.")
        else:
            call_excuse(actor=_actor(request, Perm.EXCUSE_CALLS), call=call, note=post.get("note", ""))
            messages.success(request, "Call excused.")
    except DomainError as exc:
        context = _queue_context(request, errors={call.pk: exc.detail})
        return render(request, "calls/queue.html", context, status=exc.status)
    return redirect("dashboard_leads")


def _reason_by(post: QueryDict, name: str) -> CallReason | None:
    pk = _int(post.get(name))
    return CallReason.objects.filter(pk=pk).first() if pk is not None else None


@login_required
@require_POST
def call_callback_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _queue_action(request, pk, "callback")


@login_required
@require_POST
def call_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _queue_action(request, pk, "dismiss")


@login_required
@require_POST
def call_excuse_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _queue_action(request, pk, "excuse")


# --- the calls list -------------------------------------------------------------


def _day_start(raw: str, field: str, *, next_day: bool = False) -> datetime | None:
    if not raw:
        return None
    day = parse_date(raw)
    if day is None:
        raise invalid(field, "is not a date")
    if next_day:
        day = day + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, time.min))


@login_required
def calls_list(request: HttpRequest) -> HttpResponse:
    _actor(request)
    get = request.GET
    errors: dict[str, list[str]] = {}
    items: list[Call] = []
    next_cursor = None
    try:
        min_duration = get.get("min_duration", "").strip()
        qs = calls_filtered(
            classification=get.get("classification") or None,
            campaign_id=_int(get.get("campaign_id")),
            agent_id=_int(get.get("agent_id")),
            min_duration=int(min_duration) if min_duration.isdigit() else None,
            number=get.get("number", "").strip() or None,
            since=_day_start(get.get("since", ""), "since"),
            until=_day_start(get.get("until", ""), "until", next_day=True),
        ).select_related("lead")
        items, next_cursor = CALL_SORTING.page(
            qs, sort=get.get("sort"), cursor=get.get("cursor") or None, limit=50
        )
    except DomainError as exc:
        errors = _errors(exc)
    params = get.copy()
    params.pop("cursor", None)
    return render(
        request,
        "calls/list.html",
        {
            "nav": "calls",
            "items": items,
            "next_cursor": next_cursor,
            "errors": errors,
            "values": get,
            "query": params.urlencode(),
            "sorting": CALL_SORTING,
            "sort": CALL_SORTING.pick(get.get("sort")),
            "classifications": Call.Classification.choices,
            "campaigns": Campaign.objects.all(),
            "agents": Employee.objects.filter(accepted_calls__isnull=False).distinct().order_by("name"),
        },
    )
