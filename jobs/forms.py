"""Page forms for jobs and invoices. They parse what was typed and offer
the options a CSR picks from; the booking and invoice rules stay in
``jobs.services`` and come back as ``DomainError``s named after these fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Model, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Employee, Role
from catalog.models import BusinessUnit, Campaign, JobType, Tag
from core.choices import Priority
from customers.models import Customer, Location
from jobs.models import InvoiceLine, Job


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


def _offer(
    field: forms.Field, options: Iterable[Model], blank: str, label: Callable[[Any], str] = str
) -> None:
    """Show ``options`` in a select whose field still accepts any row, so a
    choice the service refuses (another customer's location, a
    non-technician) gets the service's own message, not a generic one."""
    field.widget.choices = [("", blank), *[(o.pk, label(o)) for o in options]]


def _job_label(job: Job) -> str:
    start = timezone.localtime(job.start) if job.start else None
    when = f"{start:%b} {start.day}, {start.year}" if start else "unscheduled"
    return f"#{job.number} · {job.job_type.name} · {when}"


class BookJobForm(forms.Form):
    customer_id = forms.ModelChoiceField(
        Customer.objects.all(), widget=forms.HiddenInput, label="Customer", required=False
    )
    location_id = forms.ModelChoiceField(Location.objects.all(), label="Location", required=False)
    business_unit_id = forms.ModelChoiceField(
        BusinessUnit.objects.filter(active=True),
        label="Business unit",
        error_messages={"required": "Pick the business unit that does the work."},
    )
    job_type_id = forms.ModelChoiceField(
        JobType.objects.filter(active=True),
        label="Job type",
        error_messages={"required": "Pick a job type."},
    )
    priority = forms.ChoiceField(
        label="Priority",
        choices=[("", "Job type's default"), *Priority.choices],
        required=False,
        help_text="Blank uses the job type's default priority.",
    )
    start_date = forms.DateField(label="Start date", required=False, widget=DateInput)
    start_time = forms.TimeField(label="Start time", required=False, widget=TimeInput)
    technician_id = forms.ModelChoiceField(Employee.objects.all(), label="Technician", required=False)
    campaign_id = forms.ModelChoiceField(
        Campaign.objects.filter(active=True), label="Campaign", required=False
    )
    summary = forms.CharField(label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tags = forms.ModelMultipleChoiceField(
        Tag.objects.all(), label="Tags", required=False, widget=forms.CheckboxSelectMultiple
    )
    recall_for_id = forms.ModelChoiceField(Job.objects.all(), label="Recall of job", required=False)
    warranty_for_id = forms.ModelChoiceField(Job.objects.all(), label="Warranty on job", required=False)

    def __init__(self, *args: Any, customer: Customer | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.customer = customer
        locations = list(customer.locations.order_by("id")) if customer else []
        _offer(self.fields["location_id"], locations, "Pick a location", lambda loc: loc.one_line)
        if len(locations) == 1 and not self.is_bound:
            self.initial.setdefault("location_id", locations[0].pk)
        _offer(
            self.fields["business_unit_id"], BusinessUnit.objects.filter(active=True), "Pick a business unit"
        )
        _offer(self.fields["job_type_id"], job_types_for(self._value("business_unit_id")), "Pick a job type")
        _offer(
            self.fields["technician_id"],
            Employee.objects.filter(role=Role.TECHNICIAN, active=True).order_by("name"),
            "Unassigned",
        )
        _offer(self.fields["campaign_id"], Campaign.objects.filter(active=True), "No campaign")
        originals = (
            list(
                Job.objects.filter(customer=customer).select_related("job_type").order_by("-created_at")[:50]
            )
            if customer
            else []
        )
        _offer(self.fields["recall_for_id"], originals, "Not a recall", _job_label)
        _offer(self.fields["warranty_for_id"], originals, "Not a warranty visit", _job_label)
        # Picking a business unit swaps the job type options, keeping the
        # chosen type when it belongs to the new unit too.
        self.fields["business_unit_id"].widget.attrs.update(
            {
                "hx-get": reverse("job_type_options_hx"),
                "hx-target": "#id_job_type_id",
                "hx-include": "#id_job_type_id",
                "hx-trigger": "change",
            }
        )

    def _value(self, name: str) -> str:
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        return str(raw or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, time = data.get("start_date"), data.get("start_time")
        if day and not time:
            self.add_error("start_time", "Start time is needed with a start date.")
        elif time and not day:
            self.add_error("start_date", "Start date is needed with a start time.")
        data["start"] = timezone.make_aware(datetime.combine(day, time)) if day and time else None
        return data

    def book_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "customer": d.get("customer_id"),
            "location": d.get("location_id"),
            "business_unit": d["business_unit_id"],
            "job_type": d["job_type_id"],
            "priority": d.get("priority") or None,
            "start": d.get("start"),
            "technician": d.get("technician_id"),
            "campaign": d.get("campaign_id"),
            "summary": d.get("summary", ""),
            "tags": list(d.get("tags") or []),
            "recall_for": d.get("recall_for_id"),
            "warranty_for": d.get("warranty_for_id"),
        }


def job_types_for(business_unit_id: str) -> list[JobType]:
    """The active job types a business unit offers (all of them before one is picked)."""
    qs = JobType.objects.filter(active=True).order_by("name")
    if business_unit_id.isdigit():
        qs = qs.filter(business_units__pk=int(business_unit_id))
    return list(qs)


class InvoiceLineForm(forms.Form):
    description = forms.CharField(label="Description", max_length=300, required=False)
    quantity = forms.DecimalField(label="Qty", max_digits=10, decimal_places=2, initial=Decimal("1"))
    unit_price = forms.DecimalField(label="Unit price", max_digits=12, decimal_places=2)
    kind = forms.ChoiceField(
        label="Kind",
        choices=InvoiceLine.Kind.choices,
        initial=InvoiceLine.Kind.CHARGE,
        required=False,
        help_text="A credit gives money back and may take the total below zero.",
    )


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(
        label="Status", choices=[("", "Any status"), *Job.Status.choices], required=False
    )
    technician = forms.ModelChoiceField(
        Employee.objects.filter(role=Role.TECHNICIAN),
        label="Technician",
        required=False,
        empty_label="Anyone",
    )
    date = forms.DateField(label="Start date", required=False, widget=DateInput)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput)


class JobEditForm(forms.Form):
    """Reschedule, reassign or reclassify a booked job; blank start clears the schedule."""

    business_unit_id = forms.ModelChoiceField(
        BusinessUnit.objects.all(),
        label="Business unit",
        error_messages={"required": "Business unit is required: pick the one that does the work."},
    )
    job_type_id = forms.ModelChoiceField(
        JobType.objects.all(), label="Job type", error_messages={"required": "Job type is required."}
    )
    priority = forms.ChoiceField(label="Priority", choices=Priority.choices)
    start_date = forms.DateField(label="Start date", required=False, widget=DateInput)
    start_time = forms.TimeField(label="Start time", required=False, widget=TimeInput)
    technician_id = forms.ModelChoiceField(Employee.objects.all(), label="Technician", required=False)
    summary = forms.CharField(label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    tags = forms.ModelMultipleChoiceField(
        Tag.objects.all(), label="Tags", required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, job: Job, **kwargs: Any) -> None:
        if not args and "initial" not in kwargs:
            start = timezone.localtime(job.start) if job.start else None
            kwargs["initial"] = {
                "business_unit_id": job.business_unit_id,
                "job_type_id": job.job_type_id,
                "priority": job.priority,
                "start_date": start.date() if start else None,
                "start_time": start.time().replace(second=0, microsecond=0) if start else None,
                "technician_id": job.technician_id,
                "summary": job.summary,
                "tags": [t.pk for t in job.tags.all()],
            }
        super().__init__(*args, **kwargs)
        self.job = job
        # The job's own (even if switched off since) stay offered, so saving other fields works.
        _offer(
            self.fields["business_unit_id"],
            BusinessUnit.objects.filter(Q(active=True) | Q(pk=job.business_unit_id)),
            "Pick a business unit",
        )
        unit = self._value("business_unit_id")
        types = job_types_for(unit)
        if str(job.business_unit_id) == unit and job.job_type not in types:
            types.append(job.job_type)
        _offer(self.fields["job_type_id"], types, "Pick a job type")
        _offer(
            self.fields["technician_id"],
            Employee.objects.filter(Q(role=Role.TECHNICIAN, active=True) | Q(pk=job.technician_id)).order_by(
                "name"
            ),
            "Unassigned",
        )
        self.fields["business_unit_id"].widget.attrs.update(
            {
                "hx-get": reverse("job_type_options_hx"),
                "hx-target": "#id_job_type_id",
                "hx-include": "#id_job_type_id",
                "hx-trigger": "change",
            }
        )

    def _value(self, name: str) -> str:
        raw = self.data.get(name) if self.is_bound else self.initial.get(name)
        return str(raw or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, time = data.get("start_date"), data.get("start_time")
        if day and not time:
            self.add_error("start_time", "Start time is needed with a start date.")
        elif time and not day:
            self.add_error("start_date", "Start date is needed with a start time.")
        data["start"] = timezone.make_aware(datetime.combine(day, time)) if day and time else None
        return data

    def changes(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "business_unit": d["business_unit_id"],
            "job_type": d["job_type_id"],
            "priority": d["priority"],
            "start": d.get("start"),
            "technician": d.get("technician_id"),
            "summary": d.get("summary", ""),
        }
