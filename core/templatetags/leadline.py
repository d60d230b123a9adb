"""Display filters every screen shares: ``{% load leadline %}``."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

from core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """A stored E.164 number as people in its country write it."""
    return format_phone(value or "")


@register.filter
def money(value: Decimal | int | float | str | None) -> str:
    """``$1,234.00``; a free estimate still shows ``$0.00``, a credit ``-$12.50``."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


_STATUS_CLASSES = {
    "dispatched": "warn",
    "working": "warn",
    "completed": "ok",
    "canceled": "danger",
    "posted": "warn",
    "paid": "ok",
    "void": "danger",
}


@register.filter
def status_class(status: str | None) -> str:
    """The badge colour of a job or invoice status (``<span class="badge {{ s|status_class }}">``)."""
    return _STATUS_CLASSES.get(status or "", "")
