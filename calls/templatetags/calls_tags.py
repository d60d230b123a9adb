from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str) -> str:
    return format_phone(value or "")


@register.filter
def seconds(value: int | None) -> str:
    """A duration as m:ss for a dense table."""
    if value is None:
        return "—"
    return f"{value // 60}:{value % 60:02d}"


CLASS_BADGES = {
    "in_progress": "",
    "abandoned": "danger",
    "excused": "",
    "unbooked": "warn",
    "booked": "ok",
    "not_lead": "",
}


@register.filter
def class_badge(value: str) -> str:
    return CLASS_BADGES.get(value, "")


@register.filter
def errs(errors: dict[str, list[str]], name: str) -> list[str]:
    return errors.get(name, []) if errors else []


@register.filter
def seconds_since(value: datetime | None) -> int:
    """Whole seconds since ``value``: the start of a clock the page keeps ticking."""
    if not value:
        return 0
    return max(0, int((timezone.now() - value).total_seconds()))
