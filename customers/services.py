from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from catalog.models import Tag
from core.errors import DomainError, FieldError, collect
from core.phones import normalize_email, normalize_phone, try_normalize_phone
from customers.models import ContactInfo, ContactPoint, Customer, Location

ADDRESS_REQUIRED = ("street", "city", "state", "zip")


def address_errors(data: Mapping[str, str | None], *, prefix: str) -> list[FieldError]:
    """What a full service address is missing (a location needs street, city, state and zip)."""
    return [
        FieldError(f"{prefix}.{name}" if prefix else name, "is required for a service location")
        for name in ADDRESS_REQUIRED
        if not (data.get(name) or "").strip()
    ]


def _address(data: Mapping[str, str | None]) -> dict[str, str]:
    return {name: (data.get(name) or "").strip() for name in ("street", "unit", "city", "state", "zip")}


def location_add(
    *, customer: Customer, address: Mapping[str, str | None], prefix: str = "location"
) -> Location:
    collect(address_errors(address, prefix=prefix))
    return Location.objects.create(customer=customer, **_address(address))


@transaction.atomic
def customer_create(
    *,
    name: str,
    type: str = Customer.Type.RESIDENTIAL,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    locations: Sequence[Mapping[str, str | None]] = (),
    tags: Sequence[Tag] = (),
) -> Customer:
    """Create a customer with its contact points and service locations.

    Every bad field is reported at once; nothing is written unless all are good.
    """
    errors: list[FieldError] = []
    if not name.strip():
        errors.append(FieldError("name", "is required"))
    if type not in Customer.Type.values:
        errors.append(FieldError("type", f"must be one of {', '.join(Customer.Type.values)}"))
    contacts: list[tuple[str, str]] = []
    for i, raw in enumerate(phones):
        try:
            contacts.append((ContactPoint.Kind.PHONE, normalize_phone(raw, field=f"phones[{i}]")))
        except DomainError as exc:
            errors.extend(exc.errors)
    for i, raw in enumerate(emails):
        try:
            contacts.append((ContactPoint.Kind.EMAIL, normalize_email(raw, field=f"emails[{i}]")))
        except DomainError as exc:
            errors.extend(exc.errors)
    for i, loc in enumerate(locations):
        errors.extend(address_errors(loc, prefix=f"locations[{i}]"))
    collect(errors)

    customer = Customer.objects.create(name=name.strip(), type=type)
    ContactPoint.objects.bulk_create(
        [ContactPoint(customer=customer, kind=k, value=v) for k, v in dict.fromkeys(contacts)]
    )
    Location.objects.bulk_create([Location(customer=customer, **_address(loc)) for loc in locations])
    if tags:
        customer.tags.set(tags)
    return customer


def customers_matching(*, phone: str | None = None, email: str | None = None) -> QuerySet[Customer]:
    """Customers reachable at this normalised phone or email (indexed equality)."""
    values = [v for v in (phone, email) if v]
    if not values:
        return Customer.objects.none()
    return Customer.objects.filter(contacts__value__in=values).distinct()


def customers_search(*, q: str = "", phone: str = "", email: str = "") -> QuerySet[Customer]:
    """The customer search box: name, phone in any format, email or street.

    Contact and street matches are ``pk IN (subquery)`` rather than joins, so
    no ``DISTINCT`` is needed and a page stays an ordered range scan.
    """
    qs = Customer.objects.all()
    if phone:
        qs = qs.filter(pk__in=_reachable_at(try_normalize_phone(phone) or phone.strip()))
    if email:
        qs = qs.filter(pk__in=_reachable_at(email.strip().lower()))
    text = q.strip()
    if text:
        as_phone = try_normalize_phone(text) if any(ch.isdigit() for ch in text) else None
        cond = Q(name__icontains=text) | Q(
            pk__in=Location.objects.filter(street__icontains=text).values("customer_id")
        )
        if as_phone:
            cond |= Q(pk__in=_reachable_at(as_phone))
        if "@" in text:
            cond |= Q(pk__in=_reachable_at(text.lower()))
        qs = qs.filter(cond)
    return qs


def _reachable_at(value: str) -> QuerySet[ContactPoint, Any]:
    return ContactPoint.objects.filter(value=value).values("customer_id")


# --- the customer and location a job is booked for (DESIGN.md rule 4) -----------------------------


@dataclass(frozen=True)
class NewCustomer:
    """A customer to create for a job; blanks are filled from the contact it is made from,
    and a blank ``type`` means the caller's default (a booking's ``customer_type``)."""

    name: str = ""
    type: str = ""
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()


def _prefixed(exc: DomainError, prefix: str) -> DomainError:
    errors = [FieldError(f"{prefix}.{e.field}", e.message) for e in exc.errors]
    return DomainError("; ".join(f"{e.field}: {e.message}" for e in errors), code=exc.code, errors=errors)


def customer_location_for_job(
    *,
    contact: ContactInfo,
    customer: Customer | None = None,
    new_customer: NewCustomer | None = None,
    location: Location | None = None,
    new_location: Mapping[str, str | None] | None = None,
    customer_type: str = Customer.Type.RESIDENTIAL,
    errors: Sequence[FieldError] = (),
) -> tuple[Customer, Location]:
    """The customer and location a job is booked for, from a lead or a booking.

    Each is picked (``customer`` / ``location``) or created (``new_customer`` /
    ``new_location``) from what was typed, blanks and keys not sent filled from
    ``contact``; a key sent blank stays blank, so a page's cleared field counts.
    A picked location brings its customer. Neither picked nor created is a 422
    on ``customer_id`` / ``location_id``; what a new one lacks is named
    ``customer.<field>`` / ``location.<field>``. ``errors`` are the caller's own
    findings, reported in the same 422; nothing is written unless all is well.
    Call inside the caller's transaction.
    """
    found = list(errors)
    if customer is not None and new_customer is not None:
        found.append(FieldError("customer", "pick a customer or describe a new one, not both"))
    if location is not None and new_location is not None:
        found.append(FieldError("location", "pick a location or describe a new one, not both"))
    if location is not None:
        if new_customer is not None:
            found.append(FieldError("location_id", "a new customer has no locations yet: type the address"))
        elif customer is not None and location.customer_id != customer.pk:
            found.append(FieldError("location_id", f"location {location.pk} is not one of this customer's"))
    elif customer is None and new_customer is None:
        found.append(FieldError("customer_id", "pick a customer or create one from the contact"))
    if location is None and new_location is None:
        found.append(FieldError("location_id", "pick a service location or create one"))
    name = ""
    if new_customer is not None:
        name = (new_customer.name or contact.name).strip()
        if not name:
            found.append(FieldError("customer.name", "is required for a new customer (no name is known)"))
    address: dict[str, str | None] = {}
    if new_location is not None:
        address = {**contact.contact_address(), **new_location}
        found += address_errors(address, prefix="location")
    collect(found)

    if new_customer is not None:
        try:
            customer = customer_create(
                name=name,
                type=new_customer.type or customer_type,
                phones=list(new_customer.phones) or ([contact.phone] if contact.phone else []),
                emails=list(new_customer.emails) or ([contact.email] if contact.email else []),
            )
        except DomainError as exc:
            raise _prefixed(exc, "customer") from None
    elif customer is None:
        assert location is not None
        customer = location.customer
    if location is None:
        location = location_add(customer=customer, address=address, prefix="location")
    return customer, location
