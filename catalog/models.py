from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models

from core.choices import Priority


class BusinessUnit(models.Model):
    name = models.CharField(max_length=120, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobType(models.Model):
    name = models.CharField(max_length=120, unique=True)
    business_units = models.ManyToManyField(BusinessUnit, related_name="job_types")
    default_priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    sold_threshold = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="A job of this type whose invoice reaches this total counts as sold.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_priority__in=[p.value for p in Priority]),
                name="jobtype_priority_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(sold_threshold__gte=0), name="jobtype_threshold_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(models.Model):
    class Category(models.TextChoices):
        PAID_SEARCH = "paid_search", "Paid search"
        LOCAL_SERVICES = "local_services", "Local services ads"
        SOCIAL = "social", "Social"
        DIRECT_MAIL = "direct_mail", "Direct mail"
        RADIO_TV = "radio_tv", "Radio / TV"
        VEHICLE = "vehicle", "Vehicle wrap / yard signs"
        PARTNER = "partner", "Lead partner"
        WEBSITE = "website", "Website"
        REFERRAL = "referral", "Referral / word of mouth"
        REPEAT = "repeat", "Repeat business"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120, unique=True)
    category = models.CharField(max_length=30, choices=Category.choices, default=Category.OTHER)
    business_unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="campaigns"
    )
    monthly_cost = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(Decimal("0"))]
    )
    active = models.BooleanField(default=True)
    # Settings → Campaigns: the campaign every job-generated (technician) lead is credited to.
    for_job_generated_leads = models.BooleanField(
        "technician-generated leads",
        default=False,
        db_default=False,
        help_text="Leads a technician sets on a job are credited to this campaign (one campaign at most; "
        "without one they take the origin job's campaign).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(monthly_cost__gte=0), name="campaign_cost_positive"),
            models.UniqueConstraint(
                fields=["for_job_generated_leads"],
                condition=models.Q(for_job_generated_leads=True),
                name="campaign_one_for_job_generated_leads",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrackingNumber(models.Model):
    """A phone number that names its campaign when dialled.

    Rows are never deleted: a number taken off a campaign stays here
    inactive, so the unique constraint keeps another campaign from ever
    re-using it and old calls keep their attribution.
    """

    number = models.CharField(max_length=20, unique=True, help_text="E.164")
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="tracking_numbers")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number


class CallReason(models.Model):
    name = models.CharField(max_length=120, unique=True)
    is_lead = models.BooleanField(
        default=False, help_text="Only a reason marked as a lead lets a CSR capture a lead from a call."
    )
    dismisses = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Offered when a lead, a booking or a Leads-tab row is dismissed "
        "(went with another company, price too high, duplicate…). Never a lead reason.",
    )
    active = models.BooleanField(default=True)
    booking_guide = models.ForeignKey(
        "BookingGuide",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="call_reasons",
        help_text="The script the call panel shows when a CSR picks this reason "
        "(else the lead guide of the campaign's business unit, or the general guide).",
    )

    class Meta:
        ordering = ["-is_lead", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(is_lead=True, dismisses=True), name="callreason_lead_not_dismiss"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BookingGuide(models.Model):
    class Kind(models.TextChoices):
        LEAD = "lead", "Lead"
        RECALL = "recall", "Recall"
        WARRANTY = "warranty", "Warranty"
        GENERAL = "general", "General"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    name = models.CharField(max_length=120, unique=True)
    script = models.TextField(help_text="What the CSR says and asks, one question a line.")
    business_unit = models.ForeignKey(
        BusinessUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="booking_guides"
    )
    job_type = models.ForeignKey(JobType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["lead", "recall", "warranty", "general"]),
                name="guide_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name
