from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.actor import Actor, actor_from_request
from accounts.roles import Perm
from core.errors import DomainError
from core.forms import add_domain_errors
from core.models import AuditEntry
from core.phones import try_normalize_phone
from customers.forms import CustomerEditForm, CustomerForm, LocationEditForm, LocationForm
from customers.models import ContactPoint, Customer, Location
from customers.services import (
    CUSTOMER_SORTING,
    customer_create,
    customer_duplicates,
    customer_history,
    customer_merge,
    customer_merged_into,
    customer_update,
    customers_search,
    location_add,
    location_update,
)

SEARCH_PAGE_SIZE = 25
# A customer page shows the latest jobs; the jobs list has them all.
JOBS_SHOWN = 25


def _require(request: HttpRequest, perm: Perm) -> Actor:
    a = actor_from_request(request)
    if not a.can(perm):
        raise PermissionDenied
    return a


def _search_rows(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    # A correlated count runs only for the rows on the page, where a JOIN +
    # GROUP BY would count every matching customer's jobs first.
    # Jobs stand a floor above customers, so their model is reached through
    # the reverse relation rather than imported.
    job_count = (
        apps.get_model("jobs", "Job")
        ._default_manager.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(job_count=Coalesce(Subquery(job_count), Value(0))).prefetch_related(
        Prefetch(
            "contacts",
            queryset=ContactPoint.objects.filter(kind=ContactPoint.Kind.PHONE).order_by("id"),
            to_attr="phone_contacts",
        ),
        Prefetch("locations", queryset=Location.objects.order_by("id"), to_attr="location_list"),
    )


def _search_context(request: HttpRequest) -> dict[str, Any]:
    q = request.GET.get("q", "").strip()
    cursor = request.GET.get("cursor") or None
    qs = _search_rows(customers_search(q=q))
    sort = CUSTOMER_SORTING.pick(request.GET.get("sort"))
    try:
        customers, next_cursor = CUSTOMER_SORTING.page(qs, sort=sort, cursor=cursor, limit=SEARCH_PAGE_SIZE)
    except DomainError:
        # A cursor from an old link: show the first page rather than an error.
        cursor = None
        customers, next_cursor = CUSTOMER_SORTING.page(qs, sort=sort, cursor=None, limit=SEARCH_PAGE_SIZE)
    return {
        "q": q,
        "customers": customers,
        "cursor": cursor,
        "sort": sort,
        "sorting": CUSTOMER_SORTING,
        "next_query": urlencode({"q": q, "sort": sort, "cursor": next_cursor}) if next_cursor else "",
    }


@login_required
def customer_search(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.WORK_CUSTOMERS)
    return render(request, "customers/search.html", {"nav": "customers", **_search_context(request)})


@login_required
def customer_search_hx(request: HttpRequest) -> HttpResponse:
    """The results table alone, for live search as the CSR types."""
    _require(request, Perm.WORK_CUSTOMERS)
    context = _search_context(request)
    response = render(request, "customers/_results.html", context)
    # The address bar follows the search, so Back and reload show the same results.
    params = {k: v for k, v in (("q", context["q"]), ("cursor", context["cursor"])) if v}
    response["HX-Replace-Url"] = reverse("customer_search") + (f"?{urlencode(params)}" if params else "")
    return response


@login_required
def customer_new(request: HttpRequest) -> HttpResponse:
    _require(request, Perm.WORK_CUSTOMERS)
    if request.method == "POST":
        form = CustomerForm(request.POST)
        duplicates: list[Customer] = []
        if form.is_valid():
            kwargs = form.create_kwargs()
            # The same phone or email on file: ask "use them instead?" before creating another.
            if request.POST.get("confirm_duplicate") != "1":
                duplicates = customer_duplicates(phones=kwargs["phones"], emails=kwargs["emails"])
            if not duplicates:
                try:
                    customer = customer_create(**kwargs)
                except DomainError as exc:
                    add_domain_errors(form, exc, CustomerForm.ALIASES)
                else:
                    messages.success(request, f"Customer {customer.name} created.")
                    return redirect("customer_detail", customer_id=customer.pk)
        context = {"nav": "customers", "form": form, "duplicates": duplicates}
        return render(request, "customers/new.html", context, status=200 if duplicates else 422)
    # "New customer" from a search that found nothing carries what was typed.
    q = request.GET.get("q", "").strip()
    initial = {"phone": q} if q and try_normalize_phone(q) else {"name": q}
    return render(request, "customers/new.html", {"nav": "customers", "form": CustomerForm(initial=initial)})


def _describe(entry: AuditEntry) -> str:
    """One line of a customer's history, in words."""
    changes = dict(entry.changes or {})
    if entry.action == "merged":
        moved = ", ".join(f"{n} {what}" for what, n in (changes.get("moved") or {}).items())
        return (
            f"Merged {changes.get('other_name', 'a customer')} (customer {changes.get('other')})"
            " into this one" + (f": moved {moved}" if moved else "")
        )
    location = changes.pop("location", None)
    parts = []
    for name, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            before, after = value
            if isinstance(before, list):
                before, after = ", ".join(before) or "none", ", ".join(after) or "none"
            parts.append(f"{name.replace('_', ' ')} {before or '—'} → {after or '—'}")
    what = {
        "updated": "Changed",
        "location_updated": f"Changed location {location}:",
        "location_retired": f"Retired location {location}",
        "location_restored": f"Restored location {location}",
    }.get(entry.action, entry.action.replace("_", " ").capitalize())
    if entry.action in ("location_retired", "location_restored"):
        return what
    return f"{what} {'; '.join(parts)}".strip()


def _detail_context(customer: Customer, location_form: LocationForm) -> dict[str, Any]:
    jobs = (
        customer.jobs.all()
        .select_related("job_type", "technician", "invoice", "location")
        .order_by("-created_at", "-id")
    )
    shown = list(jobs[: JOBS_SHOWN + 1])
    return {
        "nav": "customers",
        "customer": customer,
        "jobs": shown[:JOBS_SHOWN],
        "more_jobs": len(shown) > JOBS_SHOWN,
        "location_form": location_form,
        "history": [
            {"at": e.at, "who": e.actor_label, "what": _describe(e)} for e in customer_history(customer)[:50]
        ],
    }


def _customer(customer_id: int) -> Customer:
    return get_object_or_404(
        Customer.objects.prefetch_related(
            "tags",
            Prefetch("contacts", queryset=ContactPoint.objects.order_by("kind", "id")),
            Prefetch("locations", queryset=Location.objects.order_by("id")),
        ),
        pk=customer_id,
    )


@login_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    _require(request, Perm.WORK_CUSTOMERS)
    try:
        customer = _customer(customer_id)
    except Http404:
        into = customer_merged_into(customer_id)
        if into is None:
            raise
        # An old link or bookmark to a merged-away customer lands on the one kept.
        messages.info(request, f"Customer {customer_id} was merged into this one.")
        return redirect("customer_detail", customer_id=into)
    return render(request, "customers/detail.html", _detail_context(customer, LocationForm()))


@login_required
@require_POST
def customer_location_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    _require(request, Perm.WORK_CUSTOMERS)
    customer = _customer(customer_id)
    form = LocationForm(request.POST)
    if form.is_valid():
        try:
            location = location_add(customer=customer, address=form.address(), prefix="")
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, f"Location {location.one_line} added.")
            return redirect(reverse("customer_detail", args=[customer.pk]) + "#locations")
    return render(request, "customers/detail.html", _detail_context(customer, form), status=422)


def _editable(customer_id: int) -> Customer:
    return _customer(customer_id)


@login_required
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    a = _require(request, Perm.WORK_CUSTOMERS)
    customer = _editable(customer_id)
    if request.method == "POST":
        form = CustomerEditForm(request.POST)
        if form.is_valid():
            try:
                customer_update(actor=a, customer=customer, **form.update_kwargs())
            except DomainError as exc:
                add_domain_errors(form, exc, CustomerEditForm.ALIASES)
            else:
                messages.success(request, f"Customer {form.cleaned_data['name'].strip()} saved.")
                return redirect("customer_detail", customer_id=customer.pk)
        status = 422
    else:
        form, status = CustomerEditForm.for_customer(customer), 200
    return render(
        request,
        "customers/edit.html",
        {"nav": "customers", "customer": customer, "form": form},
        status=status,
    )


def _location_of(customer: Customer, location_id: int) -> Location:
    location = next((loc for loc in customer.locations.all() if loc.pk == location_id), None)
    if location is None:
        raise Http404("No such location for this customer.")
    return location


@login_required
def customer_location_edit(request: HttpRequest, customer_id: int, location_id: int) -> HttpResponse:
    a = _require(request, Perm.WORK_CUSTOMERS)
    customer = _editable(customer_id)
    location = _location_of(customer, location_id)
    if request.method == "POST":
        form = LocationEditForm(request.POST)
        if form.is_valid():
            try:
                location_update(actor=a, location=location, address=form.address())
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, "Location saved.")
                return redirect(reverse("customer_detail", args=[customer.pk]) + "#locations")
        status = 422
    else:
        initial = {k: getattr(location, k) for k in ("street", "unit", "city", "state", "zip")}
        form, status = LocationEditForm(initial=initial), 200
    context = {"nav": "customers", "customer": customer, "location": location, "form": form}
    return render(request, "customers/location_edit.html", context, status=status)


@login_required
@require_POST
def customer_location_retire(request: HttpRequest, customer_id: int, location_id: int) -> HttpResponse:
    a = _require(request, Perm.WORK_CUSTOMERS)
    customer = _editable(customer_id)
    location = _location_of(customer, location_id)
    retire = request.POST.get("retired") == "1"
    location_update(actor=a, location=location, retired=retire)
    verb = "retired: it is no longer offered for new jobs" if retire else "restored"
    messages.success(request, f"Location {location.one_line} {verb}.")
    return redirect(reverse("customer_detail", args=[customer.pk]) + "#locations")


def _merge_summary(customer: Customer) -> dict[str, int]:
    return {
        "jobs": customer.jobs.count(),
        "leads": customer.leads.count(),
        "calls": customer.calls.count(),
        "locations": customer.locations.count(),
        "phones and emails": customer.contacts.count(),
    }


@login_required
def customer_merge_page(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Find the duplicate, see what moves, then merge it into this customer."""
    a = _require(request, Perm.WORK_CUSTOMERS)
    customer = _editable(customer_id)
    source = request.POST if request.method == "POST" else request.GET
    raw = source.get("other", "")
    other = (
        Customer.objects.prefetch_related("contacts", "locations").filter(pk=int(raw)).first()
        if raw.isdigit() and len(raw) < 19
        else None
    )
    error = ""
    if other is not None and other.pk == customer.pk:
        other, error = None, "That is this customer: pick the duplicate to merge into it."
    elif raw and other is None:
        error = "That customer no longer exists (it may have been merged already)."
    if request.method == "POST" and other is not None:
        name = other.name
        try:
            customer_merge(actor=a, customer=customer, other=other)
        except DomainError as exc:
            error = exc.detail
        else:
            messages.success(
                request,
                f"{name} merged into {customer.name}: their jobs, leads, calls and locations are here now.",
            )
            return redirect("customer_detail", customer_id=customer.pk)
    q = source.get("q", "").strip()
    suggested = customer_duplicates(phones=customer.phones, emails=customer.emails, exclude_pk=customer.pk)
    results = (
        list(_search_rows(customers_search(q=q).exclude(pk=customer.pk))[:SEARCH_PAGE_SIZE]) if q else []
    )
    context = {
        "nav": "customers",
        "customer": customer,
        "other": other,
        "error": error,
        "q": q,
        "suggested": suggested,
        "results": results,
        "moves": _merge_summary(other) if other is not None else {},
    }
    return render(request, "customers/merge.html", context, status=422 if error else 200)
