from __future__ import annotations

from typing import Any

from django import template

from core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    """An E.164 number the way people here write it."""
    return format_phone(value or "")


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, "")
