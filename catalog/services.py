from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Model, QuerySet

from catalog.models import BusinessUnit, CallReason, Campaign, JobType, TrackingNumber
from core.errors import DomainError, FieldError, collect, conflict, invalid
from core.phones import normalize_phone
from core.prepared import Prepared


def ensure_unique_name(model: type[Model], name: str, *, exclude_pk: int | None = None) -> str:
    cleaned = (name or "").strip()
    if not cleaned:
        raise invalid("name", "is required")
    qs = model._default_manager.filter(name__iexact=cleaned)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise conflict(
            f"A {model._meta.verbose_name} named '{cleaned}' already exists.",
            code="duplicate_name",
            field_name="name",
        )
    return cleaned


def job_type_check(*, job_type: JobType | None, business_unit: BusinessUnit | None) -> None:
    """A job type may only be used in a business unit it belongs to."""
    if job_type is None or business_unit is None:
        return
    if not job_type.business_units.filter(pk=business_unit.pk).exists():
        raise invalid(
            "job_type_id",
            f"job type '{job_type}' does not belong to business unit '{business_unit}'",
            code="job_type_not_in_business_unit",
        )


def dismiss_reason_check(
    reason: CallReason | None, *, field: str = "reason_id", what: str = "it"
) -> CallReason:
    """A dismissal names an active reason marked as a dismiss reason (Settings →
    Call reasons): a lead reason ("Repair request") or a call-only reason
    ("Billing question") says nothing about why the work will not happen."""
    if reason is None:
        raise invalid(field, f"is required to dismiss {what}")
    if not reason.active:
        raise invalid(field, f"'{reason}' is inactive", code="inactive_reference")
    if not reason.dismisses:
        raise invalid(
            field,
            f"'{reason}' is not a dismiss reason (Settings → Call reasons marks them)",
            code="not_a_dismiss_reason",
        )
    return reason


def dismiss_reasons() -> QuerySet[CallReason]:
    """What a dismiss list offers: the active dismiss reasons."""
    return CallReason.objects.filter(active=True, dismisses=True).order_by("name")


def job_generated_campaign() -> Campaign | None:
    """The campaign chosen in Settings for technician-generated leads (active or not:
    the choice stands until an admin moves it)."""
    return Campaign.objects.filter(for_job_generated_leads=True).first()


@transaction.atomic
def campaign_choose_for_job_generated(campaign: Campaign | None) -> None:
    """Make ``campaign`` the one technician-generated leads are credited to (``None``: no campaign)."""
    others = Campaign.objects.filter(for_job_generated_leads=True)
    if campaign is not None:
        others = others.exclude(pk=campaign.pk)
    others.update(for_job_generated_leads=False)
    if campaign is not None:
        Campaign.objects.filter(pk=campaign.pk).update(for_job_generated_leads=True)
        campaign.for_job_generated_leads = True


def campaign_for_number(number: str) -> Campaign | None:
    """The campaign a dialled tracking number names, if any."""
    row = _TRACKING_NUMBER.first(number=number)
    return row.campaign if row else None


# Every new call looks its dialled number up: compiled once (core.prepared), and
# during an API request read once per change of configuration (core.generation).
_TRACKING_NUMBER = Prepared(
    lambda number: TrackingNumber.objects.select_related("campaign").filter(number=number, active=True)[:1],
    kept=True,
    number=str,
)


def tracking_numbers_check_free(
    *, numbers: Sequence[str], campaign_id: int | None, field_name: str = "tracking_numbers"
) -> None:
    """Refuse (409) a number that belongs, or once belonged, to a campaign
    other than ``campaign_id`` (``None`` while the campaign is being created),
    so calls to it keep their attribution."""
    qs = TrackingNumber.objects.filter(number__in=numbers)
    if campaign_id is not None:
        qs = qs.exclude(campaign_id=campaign_id)
    taken = qs.select_related("campaign").order_by("number").first()
    if taken is not None:
        raise conflict(
            f"Tracking number {taken.number} belongs to campaign '{taken.campaign}' and cannot be re-used.",
            code="duplicate_tracking_number",
            field_name=field_name,
        )


def tracking_number_clean(raw: str, *, campaign_id: int | None, field_name: str = "number") -> str:
    """One typed tracking number in E.164, refused when another campaign owns it."""
    e164 = normalize_phone(raw, field=field_name)
    tracking_numbers_check_free(numbers=[e164], campaign_id=campaign_id, field_name=field_name)
    return e164


@transaction.atomic
def campaign_set_tracking_numbers(*, campaign: Campaign, numbers: list[str]) -> list[str]:
    """Make ``numbers`` the campaign's active tracking numbers.

    A number that ever belonged to another campaign is refused (409), so old
    calls keep their attribution; one taken off this campaign stays reserved.
    """
    errors: list[FieldError] = []
    wanted: list[str] = []
    for i, raw in enumerate(numbers):
        try:
            e164 = normalize_phone(raw, field=f"tracking_numbers[{i}]")
        except DomainError as exc:  # collected so every bad number is named at once
            errors.extend(exc.errors)
            continue
        if e164 not in wanted:
            wanted.append(e164)
    collect(errors)
    tracking_numbers_check_free(numbers=wanted, campaign_id=campaign.pk)
    TrackingNumber.objects.filter(campaign=campaign).exclude(number__in=wanted).update(active=False)
    existing = set(
        TrackingNumber.objects.filter(campaign=campaign, number__in=wanted).values_list("number", flat=True)
    )
    TrackingNumber.objects.filter(campaign=campaign, number__in=existing).update(active=True)
    TrackingNumber.objects.bulk_create(
        [TrackingNumber(campaign=campaign, number=n) for n in wanted if n not in existing]
    )
    return wanted
