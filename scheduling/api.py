from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from accounts.api_auth import actor
from catalog.models import BusinessUnit, JobType
from core.api import responses
from core.errors import not_found
from core.pagination import keyset_page
from core.refs import resolve
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page
from hours.services import business_hours_get
from scheduling.models import ArrivalWindow
from scheduling.services import MAX_CAPACITY, arrival_window_create, arrival_window_update, availability

router = Router(tags=["Availability"])


class ArrivalWindowIn(Schema):
    business_unit_id: int
    weekday: int = Field(..., ge=0, le=6, description="Monday 0 … Sunday 6")
    start_time: time = Field(..., description="Local time in the company's time zone, HH:MM")
    end_time: time = Field(..., description="Local time, after the start, the same day")
    capacity: int = Field(..., ge=0, le=MAX_CAPACITY, description="Jobs that may arrive in it each day")
    active: bool = True


class ArrivalWindowPatch(Schema):
    business_unit_id: int | None = None
    weekday: int | None = Field(None, ge=0, le=6)
    start_time: time | None = None
    end_time: time | None = None
    capacity: int | None = Field(None, ge=0, le=MAX_CAPACITY)
    active: bool | None = None


class ArrivalWindowOut(Schema):
    id: int
    business_unit_id: int
    weekday: int
    start_time: str
    end_time: str
    capacity: int
    active: bool

    @staticmethod
    def resolve_start_time(obj: ArrivalWindow) -> str:
        return obj.start_time.strftime("%H:%M")

    @staticmethod
    def resolve_end_time(obj: ArrivalWindow) -> str:
        return obj.end_time.strftime("%H:%M")


class AvailabilityQuery(Schema):
    business_unit_id: int | None = None
    job_type_id: int | None = None
    from_: date | None = Field(None, alias="from", description="First local date (default today)")
    to: date | None = Field(None, description="Last local date, inclusive (default a week from `from`)")


class SlotOut(Schema):
    date: date
    start: datetime
    end: datetime
    capacity: int
    booked: int
    open: int
    window_id: int
    business_unit_id: int


class AvailabilityOut(Schema):
    items: list[SlotOut]


def _window(window_id: int) -> ArrivalWindow:
    window = ArrivalWindow.objects.filter(pk=window_id).first() if window_id < 2**63 else None
    if window is None:
        raise not_found(f"arrival window {window_id}")
    return window


@router.get("/arrival-windows", response=responses({200: Page[ArrivalWindowOut]}))
def list_arrival_windows(
    request: HttpRequest,
    business_unit_id: int | None = None,
    active: bool | None = None,
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Each business unit's arrival windows per weekday (local times, the company's time zone)."""
    actor(request).require_staff()
    qs = ArrivalWindow.objects.all()
    if business_unit_id is not None:
        qs = qs.filter(business_unit_id=business_unit_id)
    if active is not None:
        qs = qs.filter(active=active)
    items, next_cursor = keyset_page(qs, order=("id",), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/arrival-windows", response=responses({201: ArrivalWindowOut}))
def create_arrival_window(request: HttpRequest, payload: ArrivalWindowIn) -> Status:
    """Add a window (admin). Windows of one business unit on one weekday may not
    overlap (422 ``window_overlap``)."""
    return Status(
        201,
        arrival_window_create(
            actor=actor(request),
            business_unit=resolve(BusinessUnit, payload.business_unit_id, "business_unit_id"),
            weekday=payload.weekday,
            start_time=payload.start_time,
            end_time=payload.end_time,
            capacity=payload.capacity,
            active=payload.active,
        ),
    )


@router.patch("/arrival-windows/{window_id}", response=responses({200: ArrivalWindowOut}))
def update_arrival_window(request: HttpRequest, window_id: int, payload: ArrivalWindowPatch) -> ArrivalWindow:
    """Change a window (admin); lowering its capacity keeps the jobs already booked in it."""
    a = actor(request)
    a.require_staff()
    window = _window(window_id)
    changes: dict[str, Any] = payload.dict(exclude_unset=True)
    if "business_unit_id" in changes:
        changes["business_unit"] = resolve(BusinessUnit, changes.pop("business_unit_id"), "business_unit_id")
    for name in ("weekday", "start_time", "end_time", "capacity", "active"):
        if name in changes and changes[name] is None:
            changes.pop(name)
    return arrival_window_update(actor=a, window=window, changes=changes)


@router.get("/availability", response=responses({200: AvailabilityOut}))
def get_availability(request: HttpRequest, query: Query[AvailabilityQuery]) -> dict[str, Any]:
    """Each window's capacity, booked and open places from ``from`` to ``to`` (local dates, at most
    62 days), in time order; business-hours closures are left out. ``job_type_id`` keeps the
    business units that offer that job type (422 when it is not offered by ``business_unit_id``)."""
    actor(request).require_staff()
    business_unit = resolve(BusinessUnit, query.business_unit_id, "business_unit_id")
    job_type = resolve(JobType, query.job_type_id, "job_type_id")
    spec = business_hours_get()
    first = query.from_ or datetime.now(spec.tz).date()
    last = query.to or first + timedelta(days=6)
    slots = availability(business_unit=business_unit, job_type=job_type, first=first, last=last, spec=spec)
    return {"items": [s.as_dict() for s in slots]}
