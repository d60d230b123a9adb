from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import Expression, QuerySet
from django.utils import timezone

from catalog.models import Tag
from core.errors import DomainError, FieldError, collect
from core.models import AuditActor, AuditEntry
from core.pagination import Sorting, SortOption, no_index_walks
from core.phones import normalize_email, normalize_phone, try_normalize_phone
from core.prepared import Bound, PreparedShapes
from customers.models import ContactInfo, ContactPoint, Customer, Location

# The customer list's sortable columns (indexes: name, id and -created_at, -id).
CUSTOMER_SORTING = Sorting(
    options={
        "name": SortOption(fields=("name",)),
        "created": SortOption(fields=("created_at",), descending_first=True),
    },
    default="name",
)


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


# A customer's location streets, copied onto the customer on PostgreSQL
# (customers migration 0004: a column Django does not know, kept by triggers;
# ``customers_location_streets`` in the database is its one definition), joined
# by this separator.
STREETS_COPY_COLUMN = "search_streets"
STREETS_SEPARATOR = "\n"


class _StreetsCopy(Expression):
    """The customer's copied streets, ``customers_customer.search_streets``."""

    output_field = models.TextField()

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        table = compiler.quote_name_unless_alias(compiler.query.base_table)
        return f"{table}.{connection.ops.quote_name(STREETS_COPY_COLUMN)}", []


class _CustomerSearch(QuerySet[Customer]):
    """Customers matching a name or street fragment in the customer table alone, each
    page read through bitmap scans (``core.pagination.no_index_walks``) whoever
    evaluates it — the customers page, the API, the merge and lead-conversion
    pickers — since the planner would otherwise walk the ``(name, id)`` index
    past every customer that sorts before the matches ("ced" at 300,000
    customers: 210,000 read, 246 ms, against 22 ms). Only the page's own
    statement: prefetches run after, and ``iterator()``, ``count()`` and
    ``exists()``, which no caller uses on a search, are planned as usual."""

    def _fetch_all(self) -> None:
        if self._result_cache is None:
            with no_index_walks(self.db):
                self._result_cache = list(cast("Iterable[Customer]", self._iterable_class(self)))
        super()._fetch_all()


def customers_search(*, q: str = "", phone: str = "", email: str = "") -> QuerySet[Customer]:
    """The customer search box: name, phone in any format, email or street.

    On PostgreSQL a fragment that is no phone or email is looked up in the
    customer's name and its copy of the streets: one table, two trigram
    indexes, no join. Otherwise contact and street matches are ``pk IN
    (subquery)`` rather than joins, so no ``DISTINCT`` is needed. Either way
    the same customers, which the caller orders and pages.
    """
    text = q.strip()
    as_phone = try_normalize_phone(text) if any(ch.isdigit() for ch in text) else None
    # A fragment without the separator cannot match across two copied streets,
    # so the copy finds exactly the customers with a matching location.
    one_table = (
        bool(text)
        and connection.vendor == "postgresql"
        and not as_phone
        and "@" not in text
        and STREETS_SEPARATOR not in text
    )
    qs = _CustomerSearch(Customer) if one_table else Customer.objects.all()
    if phone:
        qs = qs.filter(pk__in=_reachable_at(try_normalize_phone(phone) or phone.strip()))
    if email:
        qs = qs.filter(pk__in=_reachable_at(email.strip().lower()))
    if one_table:
        # One OR on one table: PostgreSQL combines the two trigram indexes
        # (customers migrations 0003 and 0006) in a BitmapOr.
        qs = qs.alias(search_streets=_StreetsCopy()).filter(
            models.Q(name__icontains=text) | models.Q(search_streets__icontains=text)
        )
    elif text:
        qs = qs.filter(pk__in=_union_of_matches(text, as_phone))
    return qs


def _union_of_matches(text: str, as_phone: str | None) -> QuerySet[Any, Any]:
    """The ids of the customers whose name, location street or (``as_phone``, an
    email) contact matches ``text``: the search on SQLite, and on PostgreSQL for a
    phone or an email."""
    # One UNION of indexed lookups (trigram indexes on PostgreSQL, customers
    # migration 0003) rather than an OR: PostgreSQL cannot combine an OR of
    # a column test and IN-subqueries through indexes, and would scan every
    # customer instead.
    found = Customer.objects.filter(name__icontains=text).values("pk").order_by()
    matches: list[QuerySet[Any, Any]] = [
        Location.objects.filter(street__icontains=text).values("customer_id").order_by()
    ]
    if as_phone:
        matches.append(_reachable_at(as_phone).order_by())
    if "@" in text:
        matches.append(_reachable_at(text.lower()).order_by())
    return found.union(*matches)


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


# --- editing (API.md v1.1 "Editing") --------------------------------------------------------------

CUSTOMER_ENTITY = "customer"


def _contacts_from(phones: Sequence[str], emails: Sequence[str]) -> list[tuple[str, str]]:
    """Phones and emails normalised, every bad one named at once (``phones[1]``)."""
    errors: list[FieldError] = []
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
    collect(errors)
    return list(dict.fromkeys(contacts))


@transaction.atomic
def customer_update(
    *,
    actor: AuditActor,
    customer: Customer,
    name: str | None = None,
    type: str | None = None,
    phones: Sequence[str] | None = None,
    emails: Sequence[str] | None = None,
) -> Customer:
    """Edit a customer with the rules of creating one; ``None`` leaves a field as it is.

    ``phones`` / ``emails`` replace the customer's list (a label on a number
    that stays is kept). One audit entry names every field that changed.
    """
    errors: list[FieldError] = []
    if name is not None and not name.strip():
        errors.append(FieldError("name", "is required"))
    if type is not None and type not in Customer.Type.values:
        errors.append(FieldError("type", f"must be one of {', '.join(Customer.Type.values)}"))
    wanted: list[tuple[str, str]] | None = None
    if phones is not None or emails is not None:
        current = list(customer.contacts.all())
        try:
            wanted = _contacts_from(
                phones if phones is not None else [c.value for c in current if c.kind == "phone"],
                emails if emails is not None else [c.value for c in current if c.kind == "email"],
            )
        except DomainError as exc:
            errors.extend(exc.errors)
    collect(errors)

    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    diff: dict[str, Any] = {}
    if name is not None and name.strip() != locked.name:
        diff["name"] = [locked.name, name.strip()]
        locked.name = name.strip()
    if type is not None and type != locked.type:
        diff["type"] = [locked.type, type]
        locked.type = type
    if wanted is not None:
        existing = {(c.kind, c.value): c for c in ContactPoint.objects.filter(customer=locked)}
        gone = [c.pk for key, c in existing.items() if key not in wanted]
        added = [key for key in wanted if key not in existing]
        if gone or added:
            before = {kind: [v for k, v in existing if k == kind] for kind in ("phone", "email")}
            after = {kind: [v for k, v in wanted if k == kind] for kind in ("phone", "email")}
            for kind in ("phone", "email"):
                if before[kind] != after[kind]:
                    diff[f"{kind}s"] = [before[kind], after[kind]]
            ContactPoint.objects.filter(pk__in=gone).delete()
            ContactPoint.objects.bulk_create(
                [ContactPoint(customer=locked, kind=k, value=v) for k, v in added]
            )
    if diff:
        locked.save()
        AuditEntry.record(
            actor=actor, entity=CUSTOMER_ENTITY, entity_id=locked.pk, action="updated", changes=diff
        )
    return locked


@transaction.atomic
def location_update(
    *,
    actor: AuditActor,
    location: Location,
    address: Mapping[str, str | None] | None = None,
    retired: bool | None = None,
    prefix: str = "",
) -> Location:
    """Correct a service address (still a full one) or retire / restore it.

    A retired location keeps its jobs and history and is no longer offered
    for new work; ``job_book`` refuses it.
    """
    locked = Location.objects.select_for_update().get(pk=location.pk)
    diff: dict[str, Any] = {}
    if address is not None:
        merged = {**_address(locked.__dict__), **{k: v for k, v in address.items() if v is not None}}
        collect(address_errors(merged, prefix=prefix))
        cleaned = _address(merged)
        for key, value in cleaned.items():
            if getattr(locked, key) != value:
                diff[key] = [getattr(locked, key), value]
                setattr(locked, key, value)
    if retired is not None and retired != locked.retired:
        diff["retired"] = [locked.retired, retired]
        locked.retired_at = timezone.now() if retired else None
    if diff:
        locked.save()
        AuditEntry.record(
            actor=actor,
            entity=CUSTOMER_ENTITY,
            entity_id=locked.customer_id,
            action="location_retired"
            if diff.keys() == {"retired"} and retired
            else "location_restored"
            if diff.keys() == {"retired"}
            else "location_updated",
            changes={"location": locked.pk, **diff},
        )
    return locked


def customer_history(customer: Customer) -> QuerySet[AuditEntry]:
    return AuditEntry.for_entity(CUSTOMER_ENTITY, customer.pk).order_by("-at", "-id")


# --- duplicates and merging -----------------------------------------------------------------------

DUPLICATE_LIMIT = 5


def customer_duplicates(
    *, phones: Sequence[str] = (), emails: Sequence[str] = (), exclude_pk: int | None = None
) -> list[Customer]:
    """Customers who already have one of these phones or emails (typed in any
    format; values that are not a phone or an email match nothing)."""
    values = [p for p in (try_normalize_phone(raw) for raw in phones) if p]
    values += [raw.strip().lower() for raw in emails if "@" in raw]
    if not values:
        return []
    qs = Customer.objects.filter(pk__in=ContactPoint.objects.filter(value__in=values).values("customer_id"))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return list(qs.prefetch_related("contacts").order_by("name", "id")[:DUPLICATE_LIMIT])


def duplicate_warnings(matches: Sequence[Customer]) -> list[str]:
    return [
        f"{c.name} (customer {c.pk}) already has this phone or email: use {c.name} instead?" for c in matches
    ]


@transaction.atomic
def customer_merge(*, actor: AuditActor, customer: Customer, other: Customer) -> Customer:
    """Fold ``other`` (a duplicate) into ``customer`` and delete it.

    Everything that points at the other moves: contact points (a phone or
    email both have is kept once), locations, tags, and every row of an app
    above this one that names its customer (leads, jobs, calls, bookings…),
    found through the model's reverse relations, so a new app's rows move too.
    The other's id then answers 404; its audit entry points at the kept one.
    """
    if other.pk == customer.pk:
        raise DomainError(
            "other_customer_id: a customer cannot be merged into itself",
            errors=[
                FieldError("other_customer_id", "is this customer: a customer cannot be merged into itself")
            ],
        )
    # Lock both in id order, so two people merging the same pair both ways cannot deadlock.
    rows = {
        c.pk: c
        for c in Customer.objects.select_for_update().filter(pk__in=[customer.pk, other.pk]).order_by("pk")
    }
    keep, gone = rows[customer.pk], rows[other.pk]
    have = set(ContactPoint.objects.filter(customer=keep).values_list("kind", "value"))
    ContactPoint.objects.filter(customer=gone).exclude(
        pk__in=[c.pk for c in ContactPoint.objects.filter(customer=gone) if (c.kind, c.value) in have]
    ).update(customer=keep)
    keep.tags.add(*gone.tags.all())
    moved: dict[str, int] = {}
    for rel in Customer._meta.related_objects:
        if not (rel.one_to_many or rel.one_to_one) or rel.related_model is ContactPoint:
            continue
        model = cast("type[models.Model]", rel.related_model)
        field_name = rel.field.name
        count = model._default_manager.filter(**{field_name: gone}).update(**{field_name: keep})
        if count:
            moved[str(model._meta.verbose_name_plural)] = count
    snapshot = {"name": gone.name, "type": gone.type}
    gone_pk = gone.pk
    gone.delete()
    AuditEntry.record(
        actor=actor,
        entity=CUSTOMER_ENTITY,
        entity_id=keep.pk,
        action="merged",
        changes={"other": gone_pk, "other_name": snapshot["name"], "moved": moved},
    )
    AuditEntry.record(
        actor=actor,
        entity=CUSTOMER_ENTITY,
        entity_id=gone_pk,
        action="merged_into",
        changes={"into": keep.pk, **snapshot},
    )
    keep.save(update_fields=["updated_at"])
    return keep


def customer_merged_into(customer_id: int) -> int | None:
    """The customer a merged-away id now lives on (for links and bookmarks to the old page)."""
    entry = (
        AuditEntry.objects.filter(entity=CUSTOMER_ENTITY, entity_id=customer_id, action="merged_into")
        .order_by("-at", "-id")
        .first()
    )
    into = entry.changes.get("into") if entry is not None else None
    if not isinstance(into, int):
        return None
    # The kept one may have been merged away later too.
    return into if Customer.objects.filter(pk=into).exists() else customer_merged_into(into)


# --------------------------------------------------------------------------- intake's match


REACHABLE_LIMIT = 5
_REACHABLE = PreparedShapes(
    lambda **known: customers_matching(**known)[:REACHABLE_LIMIT], phone=str, email=str
)


def customers_reachable(*, phone: str = "", email: str = "") -> list[Customer]:
    """The first ``REACHABLE_LIMIT`` of ``customers_matching`` (by name), for the
    intake paths that ask on every request (a captured lead's matches, a new
    call's caller): the same query, compiled once per shape (core.prepared)."""
    if not phone and not email:
        return []
    return customers_reachable_read(phone=phone, email=email).all()


def customers_reachable_read(*, phone: str, email: str) -> Bound[Customer]:
    """``customers_reachable``'s read (a phone or an email given), to be sent
    inside another statement (``core.prepared.insert_together``'s ``reads``)."""
    return _REACHABLE.bound(phone=phone, email=email)
