from __future__ import annotations

from typing import Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from accounts.api_auth import actor
from accounts.roles import Perm
from core.api import responses
from core.errors import not_found
from core.pagination import keyset_page
from core.refs import resolve
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, DictSchema, Page
from customers.models import ContactPoint, Customer, Location
from customers.services import (
    customer_create,
    customer_duplicates,
    customer_merge,
    customer_merged_into,
    customer_update,
    customers_search,
    duplicate_warnings,
    location_add,
    location_update,
)

router = Router(tags=["Customers"])


class ContactIn(Schema):
    """What is known of a person without (or before) a customer record: the
    contact of a lead, a booking or a caller (``customers.models.ContactInfo``)."""

    name: str = Field("", max_length=200)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    street: str = Field("", max_length=200)
    unit: str = Field("", max_length=40)
    city: str = Field("", max_length=100)
    state: str = Field("", max_length=40)
    zip: str = Field("", max_length=20)


class ContactOut(DictSchema):
    name: str
    phone: str
    email: str
    street: str
    unit: str
    city: str
    state: str
    zip: str


class LocationIn(Schema):
    street: str = Field(..., max_length=200)
    unit: str = Field("", max_length=40)
    city: str = Field(..., max_length=100)
    state: str = Field(..., max_length=40)
    zip: str = Field(..., max_length=20)


class LocationOut(Schema):
    id: int
    street: str
    unit: str
    city: str
    state: str
    zip: str
    retired: bool


class LocationPatch(Schema):
    """Only the fields sent change; the address must stay a full one.
    ``retired: true`` retires the location (no new work there), ``false`` restores it."""

    street: str | None = Field(None, max_length=200)
    unit: str | None = Field(None, max_length=40)
    city: str | None = Field(None, max_length=100)
    state: str | None = Field(None, max_length=40)
    zip: str | None = Field(None, max_length=20)
    retired: bool | None = None


class CustomerIn(Schema):
    name: str = Field(..., max_length=200)
    type: Literal["residential", "commercial"] = "residential"
    phones: list[str] = []
    emails: list[str] = []
    locations: list[LocationIn] = []


class CustomerOut(Schema):
    id: int
    name: str
    type: str
    phones: list[str]
    emails: list[str]
    locations: list[LocationOut]

    @staticmethod
    def resolve_locations(obj: Customer) -> list[Location]:
        return list(obj.locations.all())


class CustomerPatch(Schema):
    """Only the fields sent change; ``phones`` and ``emails`` replace the lists."""

    name: str | None = Field(None, max_length=200)
    type: Literal["residential", "commercial"] | None = None
    phones: list[str] | None = None
    emails: list[str] | None = None


class CustomerMatchOut(Schema):
    id: int
    name: str
    phones: list[str]
    emails: list[str]


class CustomerMatchesOut(Schema):
    customers: list[CustomerMatchOut]


class CustomerCreatedOut(CustomerOut):
    """A new customer, with the customers who already had one of its phones or emails."""

    warnings: list[str]
    matches: CustomerMatchesOut


class CustomerMergeIn(Schema):
    other_customer_id: int


def customers_with_details() -> QuerySet[Customer]:
    return Customer.objects.prefetch_related(
        Prefetch("contacts", queryset=ContactPoint.objects.order_by("id")),
        Prefetch("locations", queryset=Location.objects.order_by("id")),
    )


def _customer(customer_id: int) -> Customer:
    customer = customers_with_details().filter(pk=customer_id).first()
    if customer is None:
        raise not_found(f"customer {customer_id}")
    return customer


@router.post("/customers", response=responses({201: CustomerCreatedOut}))
def create_customer(request: HttpRequest, payload: CustomerIn) -> Status:
    """Create a customer. When one of its phones or emails already belongs to a
    customer it is still created, and ``warnings`` and ``matches`` say who (the
    page asks "use … instead?" before creating)."""
    actor(request).require(Perm.WORK_CUSTOMERS)
    matches = customer_duplicates(phones=payload.phones, emails=payload.emails)
    customer = customer_create(
        name=payload.name,
        type=payload.type,
        phones=payload.phones,
        emails=payload.emails,
        locations=[loc.dict() for loc in payload.locations],
    )
    created = _customer(customer.pk)
    created.warnings = duplicate_warnings(matches)  # type: ignore[attr-defined]
    created.matches = {"customers": matches}  # type: ignore[attr-defined]
    return Status(201, created)


@router.get("/customers", response=responses({200: Page[CustomerOut]}))
def list_customers(
    request: HttpRequest,
    q: str = "",
    phone: str = "",
    email: str = "",
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    actor(request).require(Perm.WORK_CUSTOMERS)
    qs = customers_search(q=q, phone=phone, email=email).prefetch_related("contacts", "locations")
    items, next_cursor = keyset_page(qs, order=("name", "id"), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/customers/{customer_id}", response=responses({200: CustomerOut}))
def get_customer(request: HttpRequest, customer_id: int) -> Customer:
    actor(request).require(Perm.WORK_CUSTOMERS)
    return _customer(customer_id)


@router.post("/customers/{customer_id}/locations", response=responses({201: LocationOut}))
def add_location(request: HttpRequest, customer_id: int, payload: LocationIn) -> Status:
    actor(request).require(Perm.WORK_CUSTOMERS)
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise not_found(f"customer {customer_id}")
    return Status(201, location_add(customer=customer, address=payload.dict(), prefix=""))


@router.patch("/customers/{customer_id}", response=responses({200: CustomerOut}))
def patch_customer(request: HttpRequest, customer_id: int, payload: CustomerPatch) -> Customer:
    """Edit name, type, phones or emails with the rules of creating (CSR, office and up); audited."""
    a = actor(request)
    a.require(Perm.WORK_CUSTOMERS)
    customer = _customer(customer_id)
    given = payload.dict(exclude_unset=True)
    customer_update(
        actor=a,
        customer=customer,
        name=given.get("name"),
        type=given.get("type"),
        phones=given.get("phones"),
        emails=given.get("emails"),
    )
    return _customer(customer_id)


@router.patch("/customers/{customer_id}/locations/{location_id}", response=responses({200: LocationOut}))
def patch_location(
    request: HttpRequest, customer_id: int, location_id: int, payload: LocationPatch
) -> Location:
    """Correct a service address or retire / restore it (CSR, office and up); audited."""
    a = actor(request)
    a.require(Perm.WORK_CUSTOMERS)
    location = Location.objects.filter(pk=location_id, customer_id=customer_id).first()
    if location is None:
        raise not_found(f"location {location_id} of customer {customer_id}")
    given = payload.dict(exclude_unset=True)
    retired = given.pop("retired", None)
    return location_update(actor=a, location=location, address=given or None, retired=retired)


@router.post("/customers/{customer_id}/merge", response=responses({200: CustomerOut}))
def merge_customer(request: HttpRequest, customer_id: int, payload: CustomerMergeIn) -> Customer:
    """Fold ``other_customer_id`` into this customer: its contacts, locations,
    leads, jobs and calls move here and its id then answers 404."""
    a = actor(request)
    a.require(Perm.WORK_CUSTOMERS)
    customer = _customer(customer_id)
    if customer_merged_into(payload.other_customer_id) == customer.pk:
        return customer  # a retry of a merge that happened: nothing more to move
    other = resolve(Customer, payload.other_customer_id, "other_customer_id")
    assert other is not None
    customer_merge(actor=a, customer=customer, other=other)
    return _customer(customer_id)
