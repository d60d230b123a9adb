from __future__ import annotations

from typing import Any, Literal

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema

from accounts.api_auth import actor
from accounts.roles import Perm
from core.api import responses
from core.errors import not_found
from core.pagination import keyset_page
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page
from customers.models import ContactPoint, Customer, Location
from customers.services import customer_create, customers_search, location_add

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


class ContactOut(Schema):
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


@router.post("/customers", response=responses({201: CustomerOut}))
def create_customer(request: HttpRequest, payload: CustomerIn) -> tuple[int, Customer]:
    actor(request).require(Perm.WORK_CUSTOMERS)
    customer = customer_create(
        name=payload.name,
        type=payload.type,
        phones=payload.phones,
        emails=payload.emails,
        locations=[loc.dict() for loc in payload.locations],
    )
    return 201, _customer(customer.pk)


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
def add_location(request: HttpRequest, customer_id: int, payload: LocationIn) -> tuple[int, Location]:
    actor(request).require(Perm.WORK_CUSTOMERS)
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise not_found(f"customer {customer_id}")
    return 201, location_add(customer=customer, address=payload.dict(), prefix="")
