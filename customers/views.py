from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.actor import Actor, actor_from_request
from accounts.roles import Perm
from core.errors import DomainError
from core.forms import add_domain_errors
from core.pagination import keyset_page
from core.phones import try_normalize_phone
from customers.forms import CustomerForm, LocationForm
from customers.models import ContactPoint, Customer, Location
from customers.services import customer_create, customers_search, location_add

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
    try:
        customers, next_cursor = keyset_page(qs, order=("name", "id"), cursor=cursor, limit=SEARCH_PAGE_SIZE)
    except DomainError:
        # A cursor from an old link: show the first page rather than an error.
        cursor = None
        customers, next_cursor = keyset_page(qs, order=("name", "id"), cursor=None, limit=SEARCH_PAGE_SIZE)
    return {
        "q": q,
        "customers": customers,
        "cursor": cursor,
        "next_query": urlencode({"q": q, "cursor": next_cursor}) if next_cursor else "",
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
        if form.is_valid():
            try:
                customer = customer_create(**form.create_kwargs())
            except DomainError as exc:
                add_domain_errors(form, exc, CustomerForm.ALIASES)
            else:
                messages.success(request, f"Customer {customer.name} created.")
                return redirect("customer_detail", customer_id=customer.pk)
        return render(request, "customers/new.html", {"nav": "customers", "form": form}, status=422)
    # "New customer" from a search that found nothing carries what was typed.
    q = request.GET.get("q", "").strip()
    initial = {"phone": q} if q and try_normalize_phone(q) else {"name": q}
    return render(request, "customers/new.html", {"nav": "customers", "form": CustomerForm(initial=initial)})


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
    customer = _customer(customer_id)
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
