"""The booking forms' arrival-window picker (an htmx partial).

Every CSR booking form (lead convert, the call panel's Book job, booking accept,
the Create Lead flyout, New job) has a container that loads this partial when
the business unit changes: the next windows of that unit, full ones greyed and
disabled, as a radio group. Picking one fills the form's start (``app.js``,
``[data-slot-start]``); the booking itself still goes through
``jobs.services.job_book``, which takes the place or answers ``window_full``.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.actor import actor_from_request
from catalog.models import BusinessUnit
from scheduling.services import upcoming_slots

SHOWN = 8


def _unit(raw: str) -> BusinessUnit | None:
    if not raw.isdigit() or len(raw) > 12:
        return None
    return BusinessUnit.objects.filter(pk=int(raw), active=True).first()


def _current_start(request: HttpRequest) -> str:
    """The start the form holds, as ``YYYY-MM-DDTHH:MM`` local (one field or date + time)."""
    raw = request.GET.get("start", "")
    if not raw and request.GET.get("start_date") and request.GET.get("start_time"):
        raw = f"{request.GET['start_date']}T{request.GET['start_time']}"
    return raw[:16]


@login_required
@require_GET
def slots_hx(request: HttpRequest) -> HttpResponse:
    # Any staff member reads availability (as GET /availability); a technician books
    # from the Create Lead flyout.
    if actor_from_request(request).role is None:
        raise PermissionDenied("Your login is not linked to an active employee.")
    unit = _unit(request.GET.get("business_unit_id") or request.GET.get("business_unit") or "")
    slots = upcoming_slots(business_unit_ids=[unit.pk], count=SHOWN) if unit is not None else []
    current = _current_start(request)
    rows = []
    for s in slots:
        local: datetime = timezone.localtime(s.start)
        value = local.strftime("%Y-%m-%dT%H:%M")
        rows.append(
            {
                "slot": s,
                "value": value,
                "date": local.strftime("%Y-%m-%d"),
                "time": local.strftime("%H:%M"),
                "checked": s.open > 0 and value == current,
            }
        )
    return render(
        request,
        "scheduling/_slots.html",
        {"unit": unit, "rows": rows, "name": f"slot-{request.GET.get('for', 'start')[:40]}"},
    )
