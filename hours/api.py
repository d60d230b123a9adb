from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from accounts.api_auth import actor
from accounts.roles import Perm
from core.api import responses
from hours.services import business_hours_as_dict, business_hours_get, business_hours_set

router = Router(tags=["Business hours"])


class BusinessHoursIO(Schema):
    timezone: str
    # Checked by the service, which names the bad entry (``days.mon.0``).
    days: dict[str, Any]
    closures: list[Any] = []


@router.get("/business-hours", response=responses({200: BusinessHoursIO}))
def get_business_hours(request: HttpRequest) -> dict[str, Any]:
    """The company's hours: per weekday local intervals, closed dates and the time zone.
    Until an admin saves them this is the default week (Mon–Fri 08:00–18:00)."""
    actor(request).require_staff()
    return business_hours_as_dict(business_hours_get())


@router.put("/business-hours", response=responses({200: BusinessHoursIO}))
def put_business_hours(request: HttpRequest, payload: BusinessHoursIO) -> dict[str, Any]:
    """Replace the hours (admin). Intervals are ``["HH:MM", "HH:MM"]`` within one day
    (``24:00`` ends it); every bad entry is named, e.g. ``days.mon.0`` or ``closures.1``."""
    who = actor(request)
    who.require(Perm.SETTINGS)
    spec = business_hours_set(
        actor=who, timezone=payload.timezone, days=payload.days, closures=payload.closures
    )
    return business_hours_as_dict(spec)
