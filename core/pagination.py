"""Keyset pagination: a page costs the same at row 10 as at row 1,000,000.

The cursor is the sort key of the last row shown, so the next page is an
indexed range scan instead of an OFFSET that reads and throws away rows.
"""

from __future__ import annotations

import base64
import json
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

from core.errors import invalid

M = TypeVar("M", bound=Model)

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


def _encode(values: list[Any]) -> str:
    raw = json.dumps([v.isoformat() if hasattr(v, "isoformat") else v for v in values])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, qs: QuerySet[M], fields: list[str]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != len(fields):
            raise ValueError
        model_fields = [qs.model._meta.get_field(name) for name in fields]
        return [f.to_python(v) for f, v in zip(model_fields, values, strict=True)]  # type: ignore[union-attr]
    except (ValueError, ValidationError, TypeError):
        raise invalid("cursor", "is not a cursor this list gave out") from None


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise invalid("limit", f"must be between 1 and {MAX_LIMIT}")
    return limit


def keyset_page(
    qs: QuerySet[M], *, order: tuple[str, ...], cursor: str | None, limit: int | None
) -> tuple[list[M], str | None]:
    """One page of ``qs`` sorted by ``order`` (non-null fields, the last one
    unique, e.g. ``("-created_at", "-id")``) and the cursor of the next page."""
    size = clamp_limit(limit)
    fields = [name.lstrip("-") for name in order]
    qs = qs.order_by(*order)
    if cursor:
        values = _decode(cursor, qs, fields)
        after = Q()
        for i, name in enumerate(order):
            field = fields[i]
            op = "lt" if name.startswith("-") else "gt"
            step = Q(**{f"{field}__{op}": values[i]})
            for j in range(i):
                step &= Q(**{fields[j]: values[j]})
            after |= step
        qs = qs.filter(after)
    rows = list(qs[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    last = rows[-1]
    return rows, _encode([getattr(last, f) for f in fields])
