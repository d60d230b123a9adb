"""Small display filters for the report screens."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

register = template.Library()


@register.filter
def percent(value: Decimal | float | None) -> str:
    """0.4567 → "45.7 %"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.1f} %"


@register.filter
def minutes(value: float | None) -> str:
    """Minutes as a person reads them: "12 min", "3 h 05 min"."""
    if value is None:
        return "—"
    total = round(float(value))
    if total < 60:
        return f"{value:g} min" if total < 10 else f"{total} min"
    return f"{total // 60} h {total % 60:02d} min"


@register.filter
def seconds(value: int | None) -> str:
    """A duration in seconds as a person reads it: "45 s", "4 min 05 s", "2 h 10 min"."""
    if value is None:
        return "—"
    total = int(value)
    if total < 60:
        return f"{total} s"
    if total < 3600:
        return f"{total // 60} min {total % 60:02d} s"
    return f"{total // 3600} h {total % 3600 // 60:02d} min"


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
