"""Schema pieces shared by every app's API."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from ninja import Schema

PriorityName = Literal["low", "normal", "high", "urgent"]

T = TypeVar("T")


class Page(Schema, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
