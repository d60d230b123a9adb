from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from django.db import transaction
from django.db.models import Model, Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from accounts.api_auth import actor
from accounts.roles import Perm
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, Tag, TrackingNumber
from catalog.services import (
    campaign_choose_for_job_generated,
    campaign_set_tracking_numbers,
    ensure_unique_name,
    job_type_check,
)
from core.api import responses
from core.errors import invalid, not_found
from core.pagination import keyset_page
from core.refs import resolve, resolve_many
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page, PriorityName

router = Router(tags=["Reference data"])

Money = Decimal


def _read(request: HttpRequest) -> None:
    # Every employee reads reference data (a technician picks job types too);
    # an integration reads nothing.
    actor(request).require_staff()


def _write(request: HttpRequest) -> None:
    actor(request).require(Perm.SETTINGS)


def _get(model: type[Model], pk: int) -> Any:
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None:
        raise not_found(f"{model._meta.verbose_name} {pk}")
    return obj


def _page(qs: QuerySet[Any], cursor: str | None, limit: int | None) -> dict[str, Any]:
    items, next_cursor = keyset_page(qs, order=("id",), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


def _apply(obj: Model, data: dict[str, Any]) -> None:
    for name, value in data.items():
        setattr(obj, name, value)


# Business units ---------------------------------------------------------------


class BusinessUnitIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    active: bool = True


class BusinessUnitPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    active: bool | None = None


class BusinessUnitOut(Schema):
    id: int
    name: str
    active: bool


@router.get("/business-units", response=responses({200: Page[BusinessUnitOut]}))
def list_business_units(
    request: HttpRequest, active: bool | None = None, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT
) -> dict[str, Any]:
    _read(request)
    qs = BusinessUnit.objects.all()
    if active is not None:
        qs = qs.filter(active=active)
    return _page(qs, cursor, limit)


@router.post("/business-units", response=responses({201: BusinessUnitOut}))
def create_business_unit(request: HttpRequest, payload: BusinessUnitIn) -> Status:
    _write(request)
    name = ensure_unique_name(BusinessUnit, payload.name)
    return Status(201, BusinessUnit.objects.create(name=name, active=payload.active))


@router.patch("/business-units/{unit_id}", response=responses({200: BusinessUnitOut}))
def update_business_unit(request: HttpRequest, unit_id: int, payload: BusinessUnitPatch) -> BusinessUnit:
    _write(request)
    unit: BusinessUnit = _get(BusinessUnit, unit_id)
    data = payload.dict(exclude_unset=True, exclude_none=True)
    if "name" in data:
        data["name"] = ensure_unique_name(BusinessUnit, data["name"], exclude_pk=unit.pk)
    _apply(unit, data)
    unit.save()
    return unit


# Job types --------------------------------------------------------------------


class JobTypeIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    business_unit_ids: list[int] = Field(..., min_length=1)
    default_priority: PriorityName = "normal"
    sold_threshold: Money = Field(Decimal("0.00"), ge=0, max_digits=10, decimal_places=2)
    active: bool = True


class JobTypePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    business_unit_ids: list[int] | None = Field(None, min_length=1)
    default_priority: PriorityName | None = None
    sold_threshold: Money | None = Field(None, ge=0, max_digits=10, decimal_places=2)
    active: bool | None = None


class JobTypeOut(Schema):
    id: int
    name: str
    business_unit_ids: list[int]
    default_priority: PriorityName
    sold_threshold: Money
    active: bool

    @staticmethod
    def resolve_business_unit_ids(obj: JobType) -> list[int]:
        return sorted(bu.pk for bu in obj.business_units.all())


@router.get("/job-types", response=responses({200: Page[JobTypeOut]}))
def list_job_types(
    request: HttpRequest,
    business_unit_id: int | None = None,
    active: bool | None = None,
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    _read(request)
    qs = JobType.objects.prefetch_related("business_units")
    if business_unit_id is not None:
        qs = qs.filter(business_units=business_unit_id)
    if active is not None:
        qs = qs.filter(active=active)
    return _page(qs, cursor, limit)


@router.post("/job-types", response=responses({201: JobTypeOut}))
def create_job_type(request: HttpRequest, payload: JobTypeIn) -> Status:
    _write(request)
    name = ensure_unique_name(JobType, payload.name)
    units = resolve_many(BusinessUnit, payload.business_unit_ids, "business_unit_ids")
    with transaction.atomic():
        job_type = JobType.objects.create(
            name=name,
            default_priority=payload.default_priority,
            sold_threshold=payload.sold_threshold,
            active=payload.active,
        )
        job_type.business_units.set(units)
    return Status(201, job_type)


@router.patch("/job-types/{job_type_id}", response=responses({200: JobTypeOut}))
def update_job_type(request: HttpRequest, job_type_id: int, payload: JobTypePatch) -> JobType:
    _write(request)
    job_type: JobType = _get(JobType, job_type_id)
    data = payload.dict(exclude_unset=True, exclude_none=True)
    unit_ids = data.pop("business_unit_ids", None)
    units = resolve_many(BusinessUnit, unit_ids, "business_unit_ids") if unit_ids is not None else None
    if "name" in data:
        data["name"] = ensure_unique_name(JobType, data["name"], exclude_pk=job_type.pk)
    with transaction.atomic():
        _apply(job_type, data)
        job_type.save()
        if units is not None:
            job_type.business_units.set(units)
    return job_type


# Campaigns --------------------------------------------------------------------

CampaignCategory = Literal[
    "paid_search",
    "local_services",
    "social",
    "direct_mail",
    "radio_tv",
    "vehicle",
    "partner",
    "website",
    "referral",
    "repeat",
    "other",
]


class CampaignIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    category: CampaignCategory = "other"
    business_unit_id: int | None = None
    tracking_numbers: list[str] = []
    monthly_cost: Money = Field(Decimal("0.00"), ge=0, max_digits=12, decimal_places=2)
    active: bool = True
    for_job_generated_leads: bool | None = Field(
        None,
        description="True makes this the campaign technician-generated leads are credited to "
        "(the previous one stops being it); false leaves none chosen.",
    )


class CampaignPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    category: CampaignCategory | None = None
    business_unit_id: int | None = None
    tracking_numbers: list[str] | None = None
    monthly_cost: Money | None = Field(None, ge=0, max_digits=12, decimal_places=2)
    active: bool | None = None
    for_job_generated_leads: bool | None = Field(
        None,
        description="True makes this the campaign technician-generated leads are credited to "
        "(the previous one stops being it); false leaves none chosen.",
    )


class CampaignOut(Schema):
    id: int
    name: str
    category: str
    business_unit_id: int | None
    tracking_numbers: list[str]
    monthly_cost: Money
    active: bool
    for_job_generated_leads: bool

    @staticmethod
    def resolve_tracking_numbers(obj: Campaign) -> list[str]:
        return [t.number for t in obj.tracking_numbers.all() if t.active]


def _campaigns() -> QuerySet[Campaign]:
    return Campaign.objects.prefetch_related(
        Prefetch("tracking_numbers", queryset=TrackingNumber.objects.order_by("number"))
    )


@router.get("/campaigns", response=responses({200: Page[CampaignOut]}))
def list_campaigns(
    request: HttpRequest, active: bool | None = None, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT
) -> dict[str, Any]:
    _read(request)
    qs = _campaigns()
    if active is not None:
        qs = qs.filter(active=active)
    return _page(qs, cursor, limit)


@router.post("/campaigns", response=responses({201: CampaignOut}))
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    _write(request)
    name = ensure_unique_name(Campaign, payload.name)
    unit = resolve(BusinessUnit, payload.business_unit_id, "business_unit_id")
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=name,
            category=payload.category,
            business_unit=unit,
            monthly_cost=payload.monthly_cost,
            active=payload.active,
        )
        campaign_set_tracking_numbers(campaign=campaign, numbers=payload.tracking_numbers)
        if payload.for_job_generated_leads:
            campaign_choose_for_job_generated(campaign)
    return Status(201, _campaigns().get(pk=campaign.pk))


@router.patch("/campaigns/{campaign_id}", response=responses({200: CampaignOut}))
def update_campaign(request: HttpRequest, campaign_id: int, payload: CampaignPatch) -> Campaign:
    _write(request)
    campaign: Campaign = _get(Campaign, campaign_id)
    data = payload.dict(exclude_unset=True)
    numbers = data.pop("tracking_numbers", None)
    chosen = data.pop("for_job_generated_leads", None)
    if "name" in data:
        data["name"] = ensure_unique_name(Campaign, data["name"], exclude_pk=campaign.pk)
    if "business_unit_id" in data:
        data["business_unit"] = resolve(BusinessUnit, data.pop("business_unit_id"), "business_unit_id")
    with transaction.atomic():
        _apply(campaign, {k: v for k, v in data.items() if v is not None or k == "business_unit"})
        campaign.save()
        if numbers is not None:
            campaign_set_tracking_numbers(campaign=campaign, numbers=numbers)
        if chosen:
            campaign_choose_for_job_generated(campaign)
        elif chosen is False and campaign.for_job_generated_leads:
            campaign_choose_for_job_generated(None)
    return _campaigns().get(pk=campaign.pk)


# Call reasons -----------------------------------------------------------------


class CallReasonIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    is_lead: bool = False
    dismisses: bool = Field(
        False, description="Offered when dismissing a lead, a booking or a Leads-tab row."
    )
    active: bool = True


class CallReasonPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    is_lead: bool | None = None
    dismisses: bool | None = None
    active: bool | None = None


class CallReasonOut(Schema):
    id: int
    name: str
    is_lead: bool
    dismisses: bool
    active: bool


@router.get("/call-reasons", response=responses({200: Page[CallReasonOut]}))
def list_call_reasons(
    request: HttpRequest,
    is_lead: bool | None = None,
    dismisses: bool | None = None,
    active: bool | None = None,
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    _read(request)
    qs = CallReason.objects.all()
    if is_lead is not None:
        qs = qs.filter(is_lead=is_lead)
    if dismisses is not None:
        qs = qs.filter(dismisses=dismisses)
    if active is not None:
        qs = qs.filter(active=active)
    return _page(qs, cursor, limit)


@router.post("/call-reasons", response=responses({201: CallReasonOut}))
def create_call_reason(request: HttpRequest, payload: CallReasonIn) -> Status:
    _write(request)
    name = ensure_unique_name(CallReason, payload.name)
    _lead_or_dismiss(payload.is_lead, payload.dismisses)
    return Status(
        201,
        CallReason.objects.create(
            name=name, is_lead=payload.is_lead, dismisses=payload.dismisses, active=payload.active
        ),
    )


def _lead_or_dismiss(is_lead: bool, dismisses: bool) -> None:
    if is_lead and dismisses:
        raise invalid("dismisses", "a lead reason cannot also dismiss leads")


@router.patch("/call-reasons/{reason_id}", response=responses({200: CallReasonOut}))
def update_call_reason(request: HttpRequest, reason_id: int, payload: CallReasonPatch) -> CallReason:
    _write(request)
    reason: CallReason = _get(CallReason, reason_id)
    data = payload.dict(exclude_unset=True, exclude_none=True)
    if "name" in data:
        data["name"] = ensure_unique_name(CallReason, data["name"], exclude_pk=reason.pk)
    _lead_or_dismiss(data.get("is_lead", reason.is_lead), data.get("dismisses", reason.dismisses))
    _apply(reason, data)
    reason.save()
    return reason


# Tags -------------------------------------------------------------------------


class TagIn(Schema):
    name: str = Field(..., min_length=1, max_length=60)


class TagOut(Schema):
    id: int
    name: str


@router.get("/tags", response=responses({200: Page[TagOut]}))
def list_tags(request: HttpRequest, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT) -> dict[str, Any]:
    _read(request)
    return _page(Tag.objects.all(), cursor, limit)


@router.post("/tags", response=responses({201: TagOut}))
def create_tag(request: HttpRequest, payload: TagIn) -> Status:
    _write(request)
    return Status(201, Tag.objects.create(name=ensure_unique_name(Tag, payload.name)))


@router.patch("/tags/{tag_id}", response=responses({200: TagOut}))
def update_tag(request: HttpRequest, tag_id: int, payload: TagIn) -> Tag:
    _write(request)
    tag: Tag = _get(Tag, tag_id)
    tag.name = ensure_unique_name(Tag, payload.name, exclude_pk=tag.pk)
    tag.save()
    return tag


# Booking guides ---------------------------------------------------------------

GuideKind = Literal["lead", "recall", "warranty", "general"]


class BookingGuideIn(Schema):
    kind: GuideKind
    name: str = Field(..., min_length=1, max_length=120)
    script: str = Field(..., min_length=1)
    business_unit_id: int | None = None
    job_type_id: int | None = None
    active: bool = True


class BookingGuidePatch(Schema):
    kind: GuideKind | None = None
    name: str | None = Field(None, min_length=1, max_length=120)
    script: str | None = Field(None, min_length=1)
    business_unit_id: int | None = None
    job_type_id: int | None = None
    active: bool | None = None


class BookingGuideOut(Schema):
    id: int
    kind: GuideKind
    name: str
    script: str
    business_unit_id: int | None
    job_type_id: int | None
    active: bool


def _guide_refs(guide: BookingGuide, data: dict[str, Any]) -> None:
    if "business_unit_id" in data:
        guide.business_unit = resolve(BusinessUnit, data.pop("business_unit_id"), "business_unit_id")
    if "job_type_id" in data:
        guide.job_type = resolve(JobType, data.pop("job_type_id"), "job_type_id")
    job_type_check(job_type=guide.job_type, business_unit=guide.business_unit)


@router.get("/booking-guides", response=responses({200: Page[BookingGuideOut]}))
def list_booking_guides(
    request: HttpRequest, kind: GuideKind | None = None, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT
) -> dict[str, Any]:
    _read(request)
    qs = BookingGuide.objects.all()
    if kind is not None:
        qs = qs.filter(kind=kind)
    return _page(qs, cursor, limit)


@router.post("/booking-guides", response=responses({201: BookingGuideOut}))
def create_booking_guide(request: HttpRequest, payload: BookingGuideIn) -> Status:
    _write(request)
    data = payload.dict()
    guide = BookingGuide(
        kind=data.pop("kind"),
        name=ensure_unique_name(BookingGuide, data.pop("name")),
        script=data.pop("script"),
        active=data.pop("active"),
    )
    _guide_refs(guide, data)
    guide.save()
    return Status(201, guide)


@router.patch("/booking-guides/{guide_id}", response=responses({200: BookingGuideOut}))
def update_booking_guide(request: HttpRequest, guide_id: int, payload: BookingGuidePatch) -> BookingGuide:
    _write(request)
    guide: BookingGuide = _get(BookingGuide, guide_id)
    data = payload.dict(exclude_unset=True)
    if data.get("name") is not None:
        data["name"] = ensure_unique_name(BookingGuide, data["name"], exclude_pk=guide.pk)
    _guide_refs(guide, data)
    _apply(guide, {k: v for k, v in data.items() if v is not None})
    guide.save()
    return guide
