"""Keyset pagination: a page costs the same at row 10 as at row 1,000,000.

The cursor is the sort key of the last row shown, so the next page is an
indexed range scan instead of an OFFSET that reads and throws away rows.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import F, Model, Q, QuerySet

from core.errors import invalid

M = TypeVar("M", bound=Model)

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, qs: QuerySet[M], fields: list[str], tag: str = "") -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if tag:
            # A sorted list's cursor names its sort: a cursor of another sort is not this list's.
            if not isinstance(values, list) or not values or values[0] != tag:
                raise ValueError
            values = values[1:]
        if not isinstance(values, list) or len(values) != len(fields):
            raise ValueError
        model_fields = [qs.model._meta.get_field(name) for name in fields]
        return [
            None if v is None else f.to_python(v)  # type: ignore[union-attr]
            for f, v in zip(model_fields, values, strict=True)
        ]
    except (ValueError, ValidationError, TypeError):
        raise invalid("cursor", "is not a cursor this list gave out") from None


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def _nullable(qs: QuerySet[M], field: str) -> bool:
    return bool(getattr(qs.model._meta.get_field(field), "null", False))


@contextmanager
def joins_in_written_order() -> Iterator[None]:
    """A transaction in which PostgreSQL joins the tables in the order the query names them.

    A list page's query is its table outer-joined to the rows each line shows
    (``select_related``), and the written order is the only sensible one; yet
    PostgreSQL weighs every order of the eight tables of the Follow Up page
    when planning it: 13 ms of planning for 4 ms of execution at a million
    leads (EXPLAIN ANALYZE; ``join_collapse_limit = 1``: 0.7 ms, same plan).
    ``SET LOCAL`` keeps the change to this transaction (to the outermost one
    when this is nested in another).
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL join_collapse_limit = 1")
        yield


@contextmanager
def no_index_walks(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A block in which PostgreSQL finds rows through bitmap scans and sorts them, rather
    than walking an index in the page's order and filtering as it goes.

    For a page of a search whose matches the planner cannot place in the sort
    order: it expects them spread evenly and walks the sort index until it has
    a page, reading most of the table when they all sort late (the customer
    search for "ced" walked 210,000 customers past the filter, 246 ms, where
    the bitmap scans and a top-N sort take 22 ms). A bitmap plan costs what the
    matches cost, wherever they fall.

    The setting lasts for the block only: its own transaction when there is
    none, else (inside the caller's transaction) it is set back afterwards.
    """
    db = connections[using]
    if db.vendor != "postgresql":
        yield
        return
    nested = db.in_atomic_block
    with transaction.atomic(using=using, savepoint=False):
        with db.cursor() as cursor:
            if nested:
                # The OFFSET 0 subquery reads the old value before set_config changes it.
                cursor.execute(
                    "SELECT was, set_config('enable_indexscan', 'off', true) "
                    "FROM (SELECT current_setting('enable_indexscan') AS was OFFSET 0) AS old"
                )
                was = cursor.fetchone()[0]
            else:
                cursor.execute("SET LOCAL enable_indexscan = off")
        yield
        if nested:
            # Not after an error: the transaction is then rolled back, setting and all.
            with db.cursor() as cursor:
                cursor.execute("SELECT set_config('enable_indexscan', %s, true)", [was])


def keyset_page(
    qs: QuerySet[M], *, order: tuple[str, ...], cursor: str | None, limit: int | None, tag: str = ""
) -> tuple[list[M], str | None]:
    """One page of ``qs`` sorted by ``order`` (the model's own fields, the last one
    unique, e.g. ``("-created_at", "-id")``) and the cursor of the next page.

    A nullable field sorts its empty values last in either direction, and the
    cursor carries ``None`` across them. ``tag`` (a sort's name) is written into
    the cursor and checked on the way back, so a cursor only continues the sort
    that gave it out.
    """
    size = clamp_limit(limit)
    fields = [name.lstrip("-") for name in order]
    nullable = [_nullable(qs, f) for f in fields]
    qs = qs.order_by(
        *(
            (F(f).desc(nulls_last=True) if name.startswith("-") else F(f).asc(nulls_last=True))
            if null
            else name
            for name, f, null in zip(order, fields, nullable, strict=True)
        )
    )
    if cursor:
        values = _decode(cursor, qs, fields, tag)
        after = Q(pk__in=[])
        for i, name in enumerate(order):
            field, value = fields[i], values[i]
            if value is None:
                continue  # nothing sorts after an empty value but its ties (the next fields)
            op = "lt" if name.startswith("-") else "gt"
            step = Q(**{f"{field}__{op}": value})
            if nullable[i]:
                step |= Q(**{f"{field}__isnull": True})
            for j in range(i):
                step &= (
                    Q(**{f"{fields[j]}__isnull": True}) if values[j] is None else Q(**{fields[j]: values[j]})
                )
            after |= step
        qs = qs.filter(after)
    rows = list(qs[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    values = [getattr(last, f) for f in fields]
    return rows, _encode([tag, *values] if tag else values)


@dataclass(frozen=True)
class SortOption:
    """A sortable column: the model fields it orders by (the id breaks ties) and
    the direction a first click sorts in."""

    fields: tuple[str, ...]
    descending_first: bool = False


@dataclass(frozen=True)
class Sorting:
    """What a list may be sorted by: ``?sort=created`` ascending, ``?sort=-created``
    descending; anything else falls back to the default."""

    options: dict[str, SortOption]
    default: str

    def pick(self, raw: str | None) -> str:
        raw = (raw or "").strip()
        return raw if raw.lstrip("-") in self.options else self.default

    def order(self, sort: str) -> tuple[str, ...]:
        sort = self.pick(sort)
        sign = "-" if sort.startswith("-") else ""
        option = self.options[sort.lstrip("-")]
        return (*(f"{sign}{f}" for f in option.fields), f"{sign}id")

    def page(
        self, qs: QuerySet[M], *, sort: str | None, cursor: str | None, limit: int | None
    ) -> tuple[list[M], str | None]:
        """One page in the chosen sort; the cursor continues only that sort."""
        chosen = self.pick(sort)
        return keyset_page(qs, order=self.order(chosen), cursor=cursor, limit=limit, tag=chosen)
