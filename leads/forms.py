"""Page forms: they parse and keep what was typed; the rules are in leads.services."""

from __future__ import annotations

from django import forms
from django.db.models import Q, QuerySet

from accounts.models import Employee, Role
from catalog.models import BusinessUnit, CallReason, Campaign, JobType, Tag
from core.choices import Priority
from customers.models import Customer, Location
from leads.models import Lead, LeadActivity

OFFICE_ROLES = (Role.CSR, Role.OFFICE, Role.MANAGER, Role.ADMIN)


def office_staff() -> QuerySet[Employee]:
    return Employee.objects.filter(active=True, role__in=OFFICE_ROLES)


def technicians() -> QuerySet[Employee]:
    return Employee.objects.filter(active=True, role=Role.TECHNICIAN)


class JobTypeByUnitMixin(forms.Form):
    """Job types offered are those of the chosen business unit."""

    def narrow_job_types(self) -> None:
        unit = self.data.get(self.add_prefix("business_unit")) or self.initial.get("business_unit")
        field = self.fields["job_type"]
        assert isinstance(field, forms.ModelChoiceField)
        if unit:
            unit_pk = getattr(unit, "pk", unit)
            field.queryset = JobType.objects.filter(active=True, business_units=unit_pk)


class CaptureForm(JobTypeByUnitMixin):
    type = forms.ChoiceField(choices=Lead.Type.choices[:2], initial=Lead.Type.MARKETING)
    campaign = forms.ModelChoiceField(Campaign.objects.filter(active=True), required=False)
    name = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.CharField(max_length=254, required=False)
    street = forms.CharField(max_length=200, required=False)
    unit = forms.CharField(max_length=40, required=False)
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(max_length=40, required=False)
    zip = forms.CharField(max_length=20, required=False)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    business_unit = forms.ModelChoiceField(BusinessUnit.objects.filter(active=True), required=False)
    job_type = forms.ModelChoiceField(JobType.objects.filter(active=True), required=False)
    priority = forms.ChoiceField(choices=[("", "From the job type"), *Priority.choices], required=False)
    tags = forms.ModelMultipleChoiceField(Tag.objects.all(), required=False)
    follow_up_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    assignee = forms.ModelChoiceField(office_staff(), required=False)
    call_reason = forms.ModelChoiceField(
        CallReason.objects.filter(active=True, is_lead=True), required=False, label="Call reason"
    )
    location = forms.ModelChoiceField(Location.objects.none(), required=False)
    confirm_without_location = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: object, customer: Customer | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        location = self.fields["location"]
        assert isinstance(location, forms.ModelChoiceField)
        if customer is not None:
            location.queryset = customer.locations.all()
        self.narrow_job_types()


class FollowUpForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    outcome = forms.ChoiceField(choices=[("", "—"), *LeadActivity.Outcome.choices], required=False)
    next_follow_up_on = forms.DateField(
        required=False, label="Next follow-up", widget=forms.DateInput(attrs={"type": "date"})
    )


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note")
    pinned = forms.BooleanField(required=False, label="Pin to top")


class DismissForm(forms.Form):
    reason = forms.ModelChoiceField(CallReason.objects.filter(active=True, dismisses=True), required=False)
    note = forms.CharField(max_length=500, required=False, label="Dismiss note")


class ConvertForm(JobTypeByUnitMixin):
    customer_mode = forms.ChoiceField(choices=[("existing", "Existing customer"), ("new", "New customer")])
    customer = forms.ModelChoiceField(Customer.objects.all(), required=False, widget=forms.HiddenInput)
    location = forms.ModelChoiceField(Location.objects.all(), required=False)
    new_name = forms.CharField(max_length=200, required=False, label="Customer name")
    new_type = forms.ChoiceField(choices=Customer.Type.choices, label="Customer type")
    new_phone = forms.CharField(max_length=40, required=False, label="Phone")
    new_email = forms.CharField(max_length=254, required=False, label="Email")
    street = forms.CharField(max_length=200, required=False)
    unit = forms.CharField(max_length=40, required=False)
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(max_length=40, required=False)
    zip = forms.CharField(max_length=20, required=False)
    business_unit = forms.ModelChoiceField(BusinessUnit.objects.filter(active=True), required=False)
    job_type = forms.ModelChoiceField(JobType.objects.filter(active=True), required=False)
    priority = forms.ChoiceField(choices=Priority.choices)
    start = forms.DateTimeField(required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    technician = forms.ModelChoiceField(technicians(), required=False)

    ALIASES = {
        "customer.name": "new_name",
        "customer.phones[0]": "new_phone",
        "customer.emails[0]": "new_email",
        "location.street": "street",
        "location.city": "city",
        "location.state": "state",
        "location.zip": "zip",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.narrow_job_types()


class JobLeadForm(JobTypeByUnitMixin):
    business_unit = forms.ModelChoiceField(BusinessUnit.objects.filter(active=True), required=False)
    job_type = forms.ModelChoiceField(JobType.objects.filter(active=True), required=False)
    priority = forms.ChoiceField(choices=[("", "From the job type"), *Priority.choices], required=False)
    start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    lead_setting_employee = forms.ModelChoiceField(
        Employee.objects.filter(active=True), required=False, label="Lead-setting employee"
    )
    technician = forms.ModelChoiceField(technicians(), required=False)
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    tags = forms.ModelMultipleChoiceField(Tag.objects.all(), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.narrow_job_types()


class LeadEditForm(JobTypeByUnitMixin):
    """Correct what was captured on an open lead; the rules are ``lead_update``'s."""

    name = forms.CharField(max_length=200, required=False, label="Name")
    phone = forms.CharField(max_length=40, required=False, label="Phone")
    email = forms.CharField(max_length=254, required=False, label="Email")
    street = forms.CharField(max_length=200, required=False, label="Street")
    unit = forms.CharField(max_length=40, required=False, label="Unit")
    city = forms.CharField(max_length=100, required=False, label="City")
    state = forms.CharField(max_length=40, required=False, label="State")
    zip = forms.CharField(max_length=20, required=False, label="ZIP")
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Summary")
    campaign = forms.ModelChoiceField(Campaign.objects.all(), required=False, label="Campaign")
    business_unit = forms.ModelChoiceField(BusinessUnit.objects.all(), required=False, label="Business unit")
    job_type = forms.ModelChoiceField(JobType.objects.all(), required=False, label="Job type")
    priority = forms.ChoiceField(choices=Priority.choices, label="Priority")
    tags = forms.ModelMultipleChoiceField(Tag.objects.all(), required=False, label="Tags")
    assignee = forms.ModelChoiceField(office_staff(), required=False, label="Assignee")
    follow_up_on = forms.DateField(
        required=False, label="Follow-up date", widget=forms.DateInput(attrs={"type": "date"})
    )

    CONTACT = ("name", "phone", "email", "street", "unit", "city", "state", "zip")

    def __init__(self, *args: object, lead: Lead, **kwargs: object) -> None:
        if not args and "initial" not in kwargs:
            kwargs["initial"] = {
                **{k: getattr(lead, k) for k in self.CONTACT},
                "summary": lead.summary,
                "campaign": lead.campaign_id,
                "business_unit": lead.business_unit_id,
                "job_type": lead.job_type_id,
                "priority": lead.priority,
                "tags": [t.pk for t in lead.tags.all()],
                "assignee": lead.assignee_id,
                "follow_up_on": lead.follow_up_on,
            }
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lead = lead
        # Switched-off choices stay offered only when the lead already has them.
        fields = self.fields
        for name, model in (("campaign", Campaign), ("business_unit", BusinessUnit)):
            field = fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = model.objects.filter(Q(active=True) | Q(pk=getattr(lead, f"{name}_id")))
        assignee = fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = Employee.objects.filter(
            Q(active=True, role__in=OFFICE_ROLES) | Q(pk=lead.assignee_id)
        )
        self.narrow_job_types()
        job_type = fields["job_type"]
        assert isinstance(job_type, forms.ModelChoiceField)
        if lead.job_type_id:
            job_type.queryset = JobType.objects.filter(pk__in=job_type.queryset) | JobType.objects.filter(
                pk=lead.job_type_id
            )

    def changes(self) -> dict[str, object]:
        d = self.cleaned_data
        return {
            **{k: d.get(k, "") for k in self.CONTACT},
            "summary": d.get("summary", ""),
            "campaign": d.get("campaign"),
            "business_unit": d.get("business_unit"),
            "job_type": d.get("job_type"),
            "priority": d.get("priority"),
            "assignee": d.get("assignee"),
            "follow_up_on": d.get("follow_up_on"),
        }
