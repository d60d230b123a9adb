"""Telling people things. Callers decide who should know; this module only
writes what they are told, once where a key says so."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Role
from core.errors import not_found
from core.prepared import insert, insert_then, send, statement_cursor
from notifications.models import Notification

TEXT_MAX = Notification._meta.get_field("text").max_length or 300


# Who works the intake queues: told of new bookings and of abandoned calls nobody owns yet.
QUEUE_ROLES = (Role.CSR, Role.OFFICE)


def notify(
    *,
    employees: Iterable[Employee | int],
    kind: str,
    text: str,
    url: str = "",
    key: str = "",
    count: bool = True,
) -> int:
    """Tell each employee (inactive ones are skipped); returns how many were
    told. With ``key``, an employee already told under that key is not told
    again, whatever the concurrency (a unique constraint, not a check).
    ``count=False`` skips counting the keyed rows that were new (one statement
    the intake paths, which do not ask, need not pay) and returns how many were
    asked to be told."""
    ids = {e if isinstance(e, int) else e.pk for e in employees}
    if not ids:
        return 0
    active = list(Employee.objects.filter(pk__in=ids, active=True).values_list("pk", flat=True))
    return _write(active, kind=kind, text=text, url=url, key=key, count=count)


def _check_kind(kind: str) -> None:
    if kind not in Notification.Kind.values:
        raise ValueError(f"unknown notification kind {kind!r}")


def _write(active: list[int], *, kind: str, text: str, url: str, key: str, count: bool = True) -> int:
    _check_kind(kind)
    if not active:
        return 0
    now = timezone.now()
    rows = [
        Notification(employee_id=pk, kind=kind, text=text[:TEXT_MAX], url=url, key=key, created_at=now)
        for pk in active
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=bool(key))
    if not key or not count:
        return len(created)
    # With ignore_conflicts the rows come back without telling which were new.
    return Notification.objects.filter(employee_id__in=active, key=key, created_at=now).count()


def notify_roles(*, roles: Iterable[str], kind: str, text: str, url: str = "", key: str = "") -> int:
    """Tell every active employee with one of ``roles`` (e.g. the managers);
    returns how many were told (with ``key``: told now, not before).

    One statement, ``INSERT … SELECT`` from the employees with ``ON CONFLICT
    DO NOTHING`` for the key, rather than reading the employees and then
    inserting a row each: a new booking and an abandoned call tell the intake
    queue this way on the hot path. The count comes back with the rows, exact
    and at no cost (``notify``'s ``count`` has no use here)."""
    _check_kind(kind)
    wanted = sorted(set(roles))
    if not wanted:
        return 0
    created_at: Any = Notification._meta.get_field("created_at")
    with statement_cursor(connection) as cursor:
        send(
            cursor,
            _roles_sql(connection.vendor, len(wanted)),
            [
                text[:TEXT_MAX],
                url,
                key,
                created_at.get_db_prep_save(timezone.now(), connection),
                kind,
                *wanted,
            ],
        )
        return len(cursor.fetchall())


@lru_cache(maxsize=32)
def _roles_sql(vendor: str, roles: int, about: bool = False) -> str:
    # One text per database kind (``vendor``: the cache key; Leadline has one
    # database) and number of roles. Names from the models' meta, quoted;
    # every value is a bound parameter. ``about``: the url and the key are each
    # two values around the id of the row written beside it (``"first"``,
    # PostgreSQL only: insert_and_notify_roles).
    qn = connection.ops.quote_name
    n, e = Notification._meta, Employee._meta
    fields = ("employee", "text", "url", "key", "created_at", "kind")
    columns = ", ".join(qn(n.get_field(f).column) for f in fields)  # type: ignore[union-attr,arg-type]
    first_id = f"CAST({qn('first')}.{qn('id')} AS text)"
    values = f"%s || {first_id} || %s, %s || {first_id} || %s" if about else "%s, %s"
    return (
        f"INSERT INTO {qn(n.db_table)} ({columns}) "  # noqa: S608
        f"SELECT {qn(e.db_table)}.{qn(e.pk.column)}, %s, {values}, %s, %s FROM {qn(e.db_table)} "
        + (f"CROSS JOIN {qn('first')} " if about else "")
        + f"WHERE {qn(e.get_field('active').column)} AND {qn(e.get_field('role').column)} "
        f"IN ({', '.join(['%s'] * roles)}) "
        f"ON CONFLICT DO NOTHING RETURNING {qn(n.db_table)}.{qn(n.pk.column)}"
    )


# A stand-in id: where it appears in a notice's url or key, the statement puts the new row's id.
_STAND_IN_ID = 918_273_645_546_372_819


def insert_and_notify_roles(
    obj: Model,
    *,
    roles: Iterable[str],
    kind: str,
    text: str,
    url: Callable[[int], str],
    key: Callable[[int], str],
) -> int:
    """``insert(obj)`` (a new row) and ``notify_roles`` about it, both or
    neither; ``url`` and ``key`` are made from the new row's id. On PostgreSQL
    this is one statement (``core.prepared.insert_then``: the notice's
    ``INSERT … SELECT`` takes the id from the row's ``INSERT``), which needs no
    transaction: a new booking costs one round trip instead of four. Elsewhere
    the two run in a transaction. Returns how many were told."""
    _check_kind(kind)
    wanted = sorted(set(roles))
    made_url, made_key = url(_STAND_IN_ID), key(_STAND_IN_ID)
    split = [made.split(str(_STAND_IN_ID)) for made in (made_url, made_key)]
    if (
        wanted
        and connection.vendor == "postgresql"
        and obj._meta.pk.column == "id"  # what the notice's SQL reads from "first"
        and all(len(parts) == 2 for parts in split)
    ):
        (url_before, url_after), (key_before, key_after) = split
        created_at: Any = Notification._meta.get_field("created_at")
        told = insert_then(
            obj,
            _roles_sql(connection.vendor, len(wanted), about=True),
            [
                text[:TEXT_MAX],
                url_before,
                url_after,
                key_before,
                key_after,
                created_at.get_db_prep_save(timezone.now(), connection),
                kind,
                *wanted,
            ],
        )
        if told is not None:
            return told
    with transaction.atomic(savepoint=False):
        insert(obj)
        return notify_roles(roles=wanted, kind=kind, text=text, url=url(obj.pk), key=key(obj.pk))


def notifications_withdraw(*, url: str) -> int:
    """Take back what was told about something that no longer exists (a lead
    withdrawn because its call turned out answered); returns how many."""
    if not url:
        return 0
    deleted, _ = Notification.objects.filter(url=url).delete()
    return deleted


@transaction.atomic
def notification_mark_read(*, actor: Actor, notification_id: int) -> Notification:
    """A person marks one of their own notifications read (idempotent)."""
    employee = actor.require_employee()
    note = (
        Notification.objects.select_for_update().filter(pk=notification_id, employee=employee).first()
        if employee is not None
        else None
    )
    if note is None:
        raise not_found("Notification")
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def notifications_mark_all_read(*, actor: Actor) -> int:
    employee = actor.require_employee()
    if employee is None:
        return 0
    return Notification.objects.filter(employee=employee, read_at__isnull=True).update(read_at=timezone.now())


def unread_count(employee: Employee | None) -> int:
    if employee is None:
        return 0
    return Notification.objects.filter(employee=employee, read_at__isnull=True).count()
