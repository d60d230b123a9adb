"""Page forms for customers. They only parse what was typed; the rules
(what is required, what a phone or a full address is) live in
``customers.services`` and come back as ``DomainError``s."""

from __future__ import annotations

from typing import Any

from django import forms

from core.phones import format_phone
from customers.models import Customer

ADDRESS_FIELDS = ("street", "unit", "city", "state", "zip")


class TelInput(forms.TextInput):
    input_type = "tel"


class AddressFields(forms.Form):
    street = forms.CharField(label="Street", required=False, max_length=200)
    unit = forms.CharField(label="Unit", required=False, max_length=40)
    city = forms.CharField(label="City", required=False, max_length=100)
    state = forms.CharField(label="State", required=False, max_length=40)
    zip = forms.CharField(label="ZIP", required=False, max_length=20)

    def address(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in ADDRESS_FIELDS}


class CustomerForm(AddressFields):
    name = forms.CharField(label="Name", required=False, max_length=200)
    type = forms.ChoiceField(label="Type", choices=Customer.Type.choices, initial=Customer.Type.RESIDENTIAL)
    # tel/email inputs bring the right keyboard; the service, not the browser, judges the value.
    phone = forms.CharField(label="Phone", required=False, max_length=40, widget=TelInput)
    email = forms.CharField(label="Email", required=False, max_length=254, widget=forms.EmailInput)

    field_order = ["name", "type", "phone", "email", *ADDRESS_FIELDS]

    # customer_create names a field by its place in the lists it takes.
    ALIASES = {
        "phones[0]": "phone",
        "emails[0]": "email",
        **{f"locations[0].{name}": name for name in ADDRESS_FIELDS},
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs.update({"autofocus": True, "autocomplete": "off"})

    def create_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        address = self.address()
        # A blank address means "no location yet"; a partly typed one goes to
        # the service, which says which parts are missing.
        has_address = any(address[name].strip() for name in ADDRESS_FIELDS)
        return {
            "name": data.get("name", ""),
            "type": data.get("type") or Customer.Type.RESIDENTIAL,
            "phones": [data["phone"]] if data.get("phone", "").strip() else [],
            "emails": [data["email"]] if data.get("email", "").strip() else [],
            "locations": [address] if has_address else [],
        }


class LocationForm(AddressFields):
    prefix = "loc"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


class CustomerEditForm(forms.Form):
    name = forms.CharField(label="Name", required=False, max_length=200)
    type = forms.ChoiceField(label="Type", choices=Customer.Type.choices)
    phones = forms.CharField(
        label="Phones",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text="One number a line, in any format.",
    )
    emails = forms.CharField(
        label="Emails",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text="One address a line.",
    )

    # customer_update names a bad number by its place in the list.
    ALIASES = {
        **{f"phones[{i}]": "phones" for i in range(50)},
        **{f"emails[{i}]": "emails" for i in range(50)},
    }

    @classmethod
    def for_customer(cls, customer: Customer) -> CustomerEditForm:
        return cls(
            initial={
                "name": customer.name,
                "type": customer.type,
                "phones": "\n".join(format_phone(p) for p in customer.phones),
                "emails": "\n".join(customer.emails),
            }
        )

    def update_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d.get("name", ""),
            "type": d.get("type"),
            "phones": _lines(d.get("phones", "")),
            "emails": _lines(d.get("emails", "")),
        }


class LocationEditForm(AddressFields):
    pass


class MergeForm(forms.Form):
    other = forms.IntegerField(label="Customer to merge into this one", min_value=1)
