"""Display filters every screen shares: ``{% load leadline %}``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from core.phones import format_phone

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    """A stored E.164 number as people in its country write it."""
    return format_phone(value or "")


@register.filter
def tel(value: str | None, empty: str = "") -> str:
    """A phone number as a ``tel:`` link (click-to-call from any screen); ``empty``
    (e.g. ``|tel:"Unknown"``) when there is none."""
    if not value:
        return empty
    return format_html('<a class="tel" href="tel:{}">{}</a>', value, format_phone(value))


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


# --- One way to write a time across the site -------------------------------------
# A moment is "Dec 1, 2026 2:05 PM" (the year left out in the current year), a
# time of day "2:05 PM", a day "Tue, Dec 1, 2026" and how long something lasted
# "13 s", "4 min 05 s", "1 h 02 min". Every screen uses these filters.

WHEN_FORMAT = "M j, g:i A"
WHEN_YEAR_FORMAT = "M j, Y g:i A"
CLOCK_FORMAT = "g:i A"
DAY_FORMAT = "D, M j, Y"


def _local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


@register.filter
def when(value: datetime | None) -> str:
    """A moment: ``Dec 1, 2:05 PM`` this year, ``Nov 30, 2025 9:41 AM`` before."""
    if not value:
        return ""
    local = _local(value)
    fmt = WHEN_FORMAT if local.year == timezone.localdate().year else WHEN_YEAR_FORMAT
    return date_format(local, fmt)


@register.filter
def clock(value: datetime | None) -> str:
    """A time of day: ``2:05 PM``."""
    if not value:
        return ""
    return date_format(_local(value), CLOCK_FORMAT)


@register.filter
def day(value: date | datetime | None) -> str:
    """A day: ``Tue, Dec 1, 2026``."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _local(value)
    return date_format(value, DAY_FORMAT)


def duration_words(seconds: float | int | None) -> str:
    """How long: ``13 s``, ``4 min 05 s``, ``1 h 02 min`` (never ``0 minutes``)."""
    if seconds is None:
        return "—"
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@register.filter
def elapsed(value: datetime | None) -> str:
    """How long ago ``value`` was, as a duration: ``ringing {{ rang_at|elapsed }}`` → ``ringing 13 s``."""
    if not value:
        return ""
    return duration_words((timezone.now() - value).total_seconds())


@register.filter
def duration(value: int | float | None) -> str:
    """A number of seconds as a duration: ``4 min 05 s``."""
    return duration_words(value)


@register.simple_tag(takes_context=True)
def sort_th(context: template.Context, label: str, key: str, extra_class: str = "") -> str:
    """A sortable column header: a link that sorts by ``key`` (toggling the
    direction when it already does), ``aria-sort`` on the sorted one. Reads
    ``sorting`` (a ``core.pagination.Sorting``), ``sort`` and the request's query."""
    sorting = context["sorting"]
    current = sorting.pick(context.get("sort"))
    option = sorting.options[key]
    if current.lstrip("-") == key:
        descending = current.startswith("-")
        state = "descending" if descending else "ascending"
        target = key if descending else f"-{key}"
        arrow = " ▼" if descending else " ▲"
    else:
        state, arrow = "", ""
        target = f"-{key}" if option.descending_first else key
    query = context["request"].GET.copy()
    query.pop("cursor", None)
    query["sort"] = target
    next_state = "descending" if target.startswith("-") else "ascending"
    return format_html(
        '<th scope="col"{}{}><a class="sort" href="?{}" title="Sort {}">{}'
        '<span aria-hidden="true">{}</span></a></th>',
        format_html(' class="{}"', extra_class) if extra_class else "",
        format_html(' aria-sort="{}"', state) if state else "",
        query.urlencode(),
        next_state,
        label,
        arrow,
    )
