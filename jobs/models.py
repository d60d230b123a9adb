from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models

from core.choices import Priority


class Job(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        DISPATCHED = "dispatched", "Dispatched"
        WORKING = "working", "Working"
        COMPLETED = "completed", "Completed"
        CANCELED = "canceled", "Canceled"

    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="jobs")
    location = models.ForeignKey("customers.Location", on_delete=models.PROTECT, related_name="jobs")
    business_unit = models.ForeignKey("catalog.BusinessUnit", on_delete=models.PROTECT, related_name="jobs")
    job_type = models.ForeignKey("catalog.JobType", on_delete=models.PROTECT, related_name="jobs")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    start = models.DateTimeField(null=True, blank=True)
    technician = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_jobs"
    )
    campaign = models.ForeignKey(
        "catalog.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="jobs"
    )
    lead_setting_employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.PROTECT, null=True, blank=True, related_name="jobs_credited"
    )
    summary = models.TextField(blank=True)
    tags = models.ManyToManyField("catalog.Tag", blank=True, related_name="jobs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    recall_for = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="recalls"
    )
    warranty_for = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="warranty_jobs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"]),
            models.Index(fields=["technician", "start"]),
            models.Index(fields=["campaign", "created_at"]),
            models.Index(fields=["lead_setting_employee", "created_at"]),
            models.Index(fields=["start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["scheduled", "dispatched", "working", "completed", "canceled"]
                ),
                name="job_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=[p.value for p in Priority]), name="job_priority_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(recall_for__isnull=False, warranty_for__isnull=False),
                name="job_recall_or_warranty_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"Job {self.number}"

    @property
    def number(self) -> str:
        return str(self.pk)

    @property
    def bills_nothing(self) -> bool:
        """Recall and warranty visits are on the company: their invoice stays $0."""
        return self.recall_for_id is not None or self.warranty_for_id is not None

    @property
    def kind_label(self) -> str:
        if self.recall_for_id:
            return "Recall"
        if self.warranty_for_id:
            return "Warranty"
        return ""


class Invoice(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        POSTED = "posted", "Posted"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    job = models.OneToOneField(Job, on_delete=models.PROTECT, related_name="invoice")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # Kept beside the lines so revenue reports sum one column per job
    # instead of every line; only invoice_add_line changes it.
    total = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "posted", "paid", "void"]),
                name="invoice_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    @property
    def number(self) -> str:
        # An invoice carries its job's number, as the office knows it by.
        return str(self.job_id)

    @property
    def subtotal(self) -> Decimal:
        return self.total


class InvoiceLine(models.Model):
    """A charge on an invoice. Lines are never edited: a correction is a new
    (negative) line, so the invoice keeps its history. Only a ``credit`` line
    (money owed back to the customer, said so on the invoice) may take the
    total below zero (``invoice_add_line``)."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge or correction"
        CREDIT = "credit", "Credit"

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CHARGE, db_default=Kind.CHARGE)
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["charge", "credit"]), name="invoiceline_kind_valid"
            ),
            # A credit gives money back: its amount is below zero (quantity and price of opposite signs).
            models.CheckConstraint(
                condition=~models.Q(kind="credit")
                | models.Q(quantity__gt=0, unit_price__lt=0)
                | models.Q(quantity__lt=0, unit_price__gt=0),
                name="invoiceline_credit_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Invoice lines are never edited; add a correcting line instead.")
        super().save(*args, **kwargs)

    @property
    def amount(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))
