"""Schema pieces shared by every app's API.

Every list endpoint takes ``cursor: CURSOR = ""`` and ``limit: LIMIT =
DEFAULT_LIMIT``, so the OpenAPI document states the page size range and the
cursor's format once, and a bad one is a 422 naming the field.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from ninja import Query, Schema
from pydantic import BeforeValidator

from core.pagination import DEFAULT_LIMIT, MAX_LIMIT

PriorityName = Literal["low", "normal", "high", "urgent"]

T = TypeVar("T")

__all__ = ["CURSOR", "DEFAULT_LIMIT", "ISO_DATETIME", "LIMIT", "MAX_LIMIT", "Page", "PriorityName"]

LIMIT = Annotated[
    int,
    Query(
        DEFAULT_LIMIT,
        ge=1,
        le=MAX_LIMIT,
        description=f"Items per page, 1–{MAX_LIMIT} (default {DEFAULT_LIMIT}).",
    ),
]
CURSOR = Annotated[
    str,
    Query(
        "",
        pattern=r"^[A-Za-z0-9_-]*$",
        max_length=1000,
        description="Opaque (base64url): the `next_cursor` of the previous page; empty for the first page.",
    ),
]

_NUMBER = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*")


def _iso_only(value: Any) -> Any:
    # pydantic reads a bare number as seconds since 1970: `until=0.5` is a typo, not a moment.
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("must be an ISO 8601 date and time, e.g. 2026-03-02T09:00:00-06:00")
    return value


ISO_DATETIME = Annotated[datetime, BeforeValidator(_iso_only)]


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
