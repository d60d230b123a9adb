"""Schema pieces shared by every app's API.

Every list endpoint takes ``cursor: CURSOR = ""`` and ``limit: LIMIT =
DEFAULT_LIMIT``, so the OpenAPI document states the page size range and the
cursor's format once, and a bad one is a 422 naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from ninja import Query, Schema
from ninja.schema import DjangoGetter
from pydantic import BeforeValidator, ModelWrapValidatorHandler, ValidationInfo, model_validator

from core.pagination import DEFAULT_LIMIT, MAX_LIMIT

PriorityName = Literal["low", "normal", "high", "urgent"]

T = TypeVar("T")

__all__ = [
    "CURSOR",
    "DEFAULT_LIMIT",
    "ISO_DATETIME",
    "LIMIT",
    "MAX_LIMIT",
    "DictSchema",
    "Page",
    "PriorityName",
    "answer_of",
]

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


class DictSchema(Schema):
    """A Ninja schema that validates a plain ``dict`` as pydantic does, by its
    keys: Ninja's getter (a Python call per field, which looks for a resolver
    and converts managers, querysets and callables) is skipped, so a dict built
    by ``answer_of`` is checked against the schema at pydantic-core's speed (a
    lead's answer: 191 → 40 µs, dict building included). Anything else (a model
    instance) still goes through the getter, resolvers included, as with any
    Ninja schema."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        # Named as Ninja's own, so it replaces it (pydantic keeps one validator per name).
        if type(values) is dict:
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


@dataclass(frozen=True)
class _Fields:
    # (field name, the key and attribute it is read from: its alias, if any)
    read: tuple[tuple[str, str], ...]
    # The fields with a resolver (``resolve_<name>``).
    resolved: frozenset[str]


_FIELDS: dict[type[Schema], _Fields] = {}


def answer_of(schema: type[Schema], obj: Any, **given: Any) -> dict[str, Any]:
    """``obj`` as ``schema``'s answer: a dict of each field read straight off
    ``obj``'s attribute of that name (its alias, if it has one), ``given``
    (by field name) where given. A field with a resolver must be given:
    nothing here calls resolvers, so one left out is refused, not skipped."""
    fields = _FIELDS.get(schema)
    if fields is None:
        read = tuple((name, field.alias or name) for name, field in schema.model_fields.items())
        resolved = frozenset(name for name, _ in read if hasattr(schema, f"resolve_{name}"))
        fields = _FIELDS[schema] = _Fields(read, resolved)
    if not fields.resolved <= given.keys():
        raise TypeError(
            f"{schema.__name__}: give {sorted(fields.resolved - given.keys())}, which have resolvers"
        )
    return {key: given[name] if name in given else getattr(obj, key) for name, key in fields.read}
