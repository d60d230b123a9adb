from __future__ import annotations

import contextlib
import uuid
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.actor import Actor, actor_from_request
from accounts.models import Employee, Integration, Role
from accounts.roles import Perm
from bookings.models import ATTRIBUTION_FIELDS, Booking
from bookings.services import (
    PublicRequest,
    booking_accept,
    booking_convert,
    booking_dismiss,
    booking_public_submit,
    bookings_mark_matches,
    public_form_throttle,
    public_windows,
)
from catalog.models import BusinessUnit, CallReason, Campaign, JobType
from core.errors import DomainError, invalid
from core.forms import worded
from core.net import client_ip
from core.pagination import keyset_page
from core.refs import resolve
from customers.models import Customer, Location
from customers.services import NewCustomer, customers_matching
from scheduling.services import WindowFull

QUEUE_PAGE = 50
MATCH_LIMIT = 5


def _worker(request: HttpRequest) -> Actor:
    a = actor_from_request(request)
    if not a.can(Perm.WORK_LEADS):
        raise PermissionDenied("Your role does not work the Bookings screen.")
    return a


def _errors(exc: DomainError) -> dict[str, str]:
    """Field errors keyed for templates ("location.street" → "location_street")."""
    return {e.field.replace(".", "_"): worded(e.field, e.message) for e in exc.errors}


# --- the Bookings screen -----------------------------------------------------


def _queue_context(request: HttpRequest) -> dict[str, Any]:
    status = request.GET.get("status", Booking.Status.NEW)
    channel = request.GET.get("channel", "")
    qs = Booking.objects.select_related("integration")
    if status in Booking.Status.values:
        qs = qs.filter(status=status)
    if channel in Booking.Channel.values:
        qs = qs.filter(channel=channel)
    try:
        items, next_cursor = keyset_page(
            qs, order=("-created_at", "-id"), cursor=request.GET.get("cursor") or None, limit=QUEUE_PAGE
        )
    except DomainError:
        items, next_cursor = keyset_page(qs, order=("-created_at", "-id"), cursor=None, limit=QUEUE_PAGE)
    bookings_mark_matches(items)
    return {
        "bookings": items,
        "next_cursor": next_cursor,
        "status": status,
        "channel": channel,
        "statuses": Booking.Status.choices,
        "channels": Booking.Channel.choices,
        "new_count": Booking.objects.filter(status=Booking.Status.NEW).count(),
        "nav": "bookings",
    }


@login_required
@require_GET
def booking_queue(request: HttpRequest) -> HttpResponse:
    _worker(request)
    return render(request, "bookings/queue.html", _queue_context(request))


@login_required
@require_GET
def booking_queue_hx(request: HttpRequest) -> HttpResponse:
    """The queue's rows, polled so new bookings appear without a reload."""
    _worker(request)
    return render(request, "bookings/_queue_rows.html", _queue_context(request))


def _booking(booking_id: int) -> Booking:
    return get_object_or_404(
        Booking.objects.select_related(
            "integration",
            "campaign",
            "business_unit",
            "job_type",
            "dismiss_reason",
            "job",
            "handled_by",
            "lead",
        ),
        pk=booking_id,
    )


def _matches(booking: Booking) -> list[Customer]:
    return list(
        customers_matching(phone=booking.phone or None, email=booking.email or None)
        .prefetch_related("contacts", Prefetch("locations", queryset=Location.objects.order_by("id")))
        .order_by("name", "id")[:MATCH_LIMIT]
    )


def _local_input(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def _detail_context(
    booking: Booking, *, form: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    matches = _matches(booking)
    booking.customer_matched = bool(matches)
    defaults = {
        "customer": str(matches[0].pk) if matches else "new",
        "location": "new",
        "customer_name": booking.name,
        **booking.contact_address(),
        "business_unit_id": str(booking.business_unit_id or ""),
        "job_type_id": str(booking.job_type_id or ""),
        "priority": booking.priority,
        "start": _local_input(booking.requested_start),
        "technician_id": "",
        "campaign_id": "",
        "reason_id": "",
        "note": "",
    }
    values = {**defaults, **(form or {})}
    chosen = next((c for c in matches if str(c.pk) == values["customer"]), None)
    if chosen is not None and values["location"] == "new" and form is None:
        first = next(iter(chosen.locations.all()), None)
        values["location"] = str(first.pk) if first else "new"
    return {
        "booking": booking,
        "matches": matches,
        "chosen_customer": chosen,
        "values": values,
        "errors": errors or {},
        "business_units": BusinessUnit.objects.filter(active=True),
        "job_types": JobType.objects.filter(active=True).prefetch_related("business_units"),
        "technicians": Employee.objects.filter(role=Role.TECHNICIAN, active=True),
        "campaigns": Campaign.objects.filter(active=True),
        "reasons": CallReason.objects.filter(active=True),
        "priorities": Booking._meta.get_field("priority").choices,
        "nav": "bookings",
    }


@login_required
@require_GET
def booking_detail(request: HttpRequest, booking_id: int) -> HttpResponse:
    _worker(request)
    return render(request, "bookings/detail.html", _detail_context(_booking(booking_id)))


@login_required
@require_GET
def booking_locations_hx(request: HttpRequest, booking_id: int) -> HttpResponse:
    """The location choices for the customer picked in the Accept form."""
    _worker(request)
    booking = _booking(booking_id)
    customer = None
    picked = request.GET.get("customer", "new")
    if picked.isdigit():
        customer = Customer.objects.prefetch_related("locations").filter(pk=int(picked)).first()
    first = next(iter(customer.locations.all()), None) if customer else None
    values = {**booking.contact_address(), "location": str(first.pk) if first else "new"}
    return render(
        request,
        "bookings/_location_choices.html",
        {"booking": booking, "chosen_customer": customer, "values": values, "errors": {}},
    )


def _pick(model: type[Any], raw: str, field: str) -> Any:
    if not raw or raw == "new":
        return None
    if not raw.isdigit():
        raise invalid(field, "is not a choice")
    return resolve(model, int(raw), field, require_active=False)


def _parse_start(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise invalid("start", "is not a date and time") from None
    # An offset is read as given; a bare date and time is the office's.
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _rerender(request: HttpRequest, booking: Booking, exc: DomainError) -> HttpResponse:
    form = {k: str(v) for k, v in request.POST.items() if k != "csrfmiddlewaretoken"}
    messages.error(request, exc.detail)
    context = _detail_context(booking, form=form, errors=_errors(exc))
    return render(request, "bookings/detail.html", context, status=exc.status)


@login_required
@require_POST
def booking_accept_post(request: HttpRequest, booking_id: int) -> HttpResponse:
    a = _worker(request)
    booking = _booking(booking_id)
    post = request.POST
    try:
        customer = _pick(Customer, post.get("customer", "new"), "customer_id")
        location = _pick(Location, post.get("location", "new"), "location_id")
        address = {name: post.get(name, "") for name in ("street", "unit", "city", "state", "zip")}
        job = booking_accept(
            actor=a,
            booking=booking,
            customer=customer,
            new_customer=NewCustomer(name=post.get("customer_name", "")) if customer is None else None,
            location=location,
            new_location=address if location is None else None,
            business_unit=_pick(BusinessUnit, post.get("business_unit_id", ""), "business_unit_id"),
            job_type=_pick(JobType, post.get("job_type_id", ""), "job_type_id"),
            priority=post.get("priority") or None,
            start=_parse_start(post.get("start", "")),
            technician=_pick(Employee, post.get("technician_id", ""), "technician_id"),
        )
    except DomainError as exc:
        return _rerender(request, booking, exc)
    messages.success(request, f"Booking accepted: job {job.number} is booked.")
    return redirect("job_detail", job_id=job.pk)


@login_required
@require_POST
def booking_convert_post(request: HttpRequest, booking_id: int) -> HttpResponse:
    a = _worker(request)
    booking = _booking(booking_id)
    try:
        lead = booking_convert(
            actor=a,
            booking=booking,
            campaign=_pick(Campaign, request.POST.get("campaign_id", ""), "campaign_id"),
        ).lead
    except DomainError as exc:
        return _rerender(request, booking, exc)
    messages.success(
        request,
        format_html(
            'Booking {} is now <a href="{}">lead {}</a> on the Follow Up queue.',
            booking.pk,
            reverse("lead_detail", args=[lead.pk]),
            lead.pk,
        ),
    )
    try:
        return redirect(reverse("lead_detail", args=[lead.pk]))
    except NoReverseMatch:
        return redirect("booking_queue")


@login_required
@require_POST
def booking_dismiss_post(request: HttpRequest, booking_id: int) -> HttpResponse:
    a = _worker(request)
    booking = _booking(booking_id)
    try:
        reason = _pick(CallReason, request.POST.get("reason_id", ""), "reason_id")
        booking_dismiss(actor=a, booking=booking, reason=reason, note=request.POST.get("note", ""))
    except DomainError as exc:
        return _rerender(request, booking, exc)
    messages.success(request, f"Booking {booking.pk} dismissed ({reason}).")
    return redirect("booking_queue")


# --- the public online booking form ------------------------------------------


def _form_integration(slug: str) -> Integration:
    return get_object_or_404(Integration, slug=slug, active=True, booking_form_enabled=True)


def _attribution_from(request: HttpRequest) -> dict[str, str]:
    """On first view: the UTM tags and click ids of the URL, where the visitor
    landed and came from. A page embedding the form passes its own
    ``landing_page`` and ``referrer`` (the iframe's would be the form itself)."""
    params = request.GET
    found = {name: params.get(name, "")[:1000] for name in ATTRIBUTION_FIELDS}
    if not found["landing_page"]:
        found["landing_page"] = request.build_absolute_uri()[:1000]
    if not found["referrer"]:
        found["referrer"] = request.headers.get("Referer", "")[:1000]
    return found


def _digits(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _public_context(integration: Integration, **extra: Any) -> dict[str, Any]:
    values = extra.get("values") or {}
    return {
        "integration": integration,
        "services": JobType.objects.filter(active=True).order_by("name"),
        "offered": public_windows(
            job_type_id=_digits(values.get("job_type_id", "")),
            business_unit_id=_digits(values.get("business_unit_id", "")),
        ),
        **extra,
    }


def _public_request(post: Any) -> PublicRequest:
    return PublicRequest(
        token=post.get("token", "")[:64] or uuid.uuid4().hex,
        job_type_id=_digits(post.get("job_type_id", "")),
        business_unit_id=_digits(post.get("business_unit_id", "")),
        description=post.get("description", "")[:4000],
        name=post.get("name", "")[:200],
        phone=post.get("phone", "")[:40],
        email=post.get("email", "")[:254],
        street=post.get("street", "")[:200],
        unit=post.get("unit", "")[:40],
        city=post.get("city", "")[:100],
        state=post.get("state", "")[:40],
        zip=post.get("zip", "")[:20],
        window=post.get("window", "")[:40],
    )


# CSRF-exempt: the form is meant to be embedded in the company's own website,
# where the CSRF cookie is a third-party cookie that browsers withhold. It acts
# for no signed-in user, so there is no session to forge a request for; abuse
# is handled by the honeypot, the per-client rate limit and the form token.
@csrf_exempt
@xframe_options_exempt
@require_http_methods(["GET", "POST"])
def booking_form(request: HttpRequest, slug: str) -> HttpResponse:
    integration = _form_integration(slug)
    if request.method == "GET":
        values = {"token": uuid.uuid4().hex, **_attribution_from(request)}
        for name in ("job_type_id", "business_unit_id"):  # a link may preselect the service
            values[name] = request.GET.get(name, "")[:12]
        return render(request, "bookings/public_form.html", _public_context(integration, values=values))

    post = request.POST
    values = {k: str(v) for k, v in post.items()}
    attribution = {name: post.get(name, "")[:1000] for name in ATTRIBUTION_FIELDS}
    if post.get("company_website"):
        # The honeypot: people never see this field, bots fill it. Look like
        # success so the bot moves on, but count it and create nothing.
        with contextlib.suppress(DomainError):
            public_form_throttle(client_ip=client_ip(request))
        return render(request, "bookings/public_done.html", _public_context(integration, values=values))
    try:
        received = booking_public_submit(
            integration=integration,
            client_ip=client_ip(request),
            request=_public_request(post),
            attribution=attribution,
        )
    except WindowFull as exc:
        # The window filled while the visitor typed: say so, keep what was typed and
        # offer the open windows as they are now (the full one is no longer among them).
        values.pop("window", None)
        context = _public_context(
            integration, values=values, errors={}, detail=exc.detail, window_full=exc.window
        )
        return render(request, "bookings/public_form.html", context, status=exc.status)
    except DomainError as exc:
        errors = {e.field.removeprefix("contact."): e.message for e in exc.errors}
        context = _public_context(integration, values=values, errors=errors, detail=exc.detail)
        return render(request, "bookings/public_form.html", context, status=exc.status)
    return render(
        request,
        "bookings/public_done.html",
        _public_context(integration, values=values, booking=received.booking),
    )


@xframe_options_exempt
@require_GET
def booking_form_windows(request: HttpRequest, slug: str) -> HttpResponse:
    """The form's "who and when" part for the service picked (htmx): the business
    units when several offer it, and the chosen one's next open windows."""
    integration = _form_integration(slug)
    values = {name: request.GET.get(name, "")[:40] for name in ("job_type_id", "business_unit_id", "window")}
    return render(
        request,
        "bookings/_public_windows.html",
        _public_context(integration, values=values, errors={}),
    )
