"""Turning a service's refusal into form errors, so a page shows each
message beside the field it is about and keeps what the person typed."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import DomainError

# Service messages are written to follow a field name ("is required",
# "must not be zero"); others are whole sentences ("'12' is not a phone number").
_PREDICATES = ("is ", "are ", "must ", "may ", "cannot ", "does ", "has ")


# Field names whose words are not just the name spelled out.
_FIELD_WORDS = {
    "call_reason_id": "Reason",
    "reason_id": "Reason",
    "dismiss_reason_id": "Reason",
    "job_type_id": "Job type",
    "business_unit_id": "Business unit",
    "lead_setting_employee_id": "Lead setter",
    "technician_id": "Technician",
    "assignee_id": "Assignee",
    "customer_id": "Customer",
    "location_id": "Location",
    "campaign_id": "Campaign",
    "zip": "ZIP",
    "follow_up_on": "Follow-up date",
    "start": "Start",
}


def field_label(name: str) -> str:
    """A service's field name in words: ``reason_id`` → "Reason",
    ``contact.phone`` → "Phone", ``locations[0].zip`` → "Location 1 ZIP"."""
    words: list[str] = []
    for part in name.split("."):
        base, _, index = part.partition("[")
        if base in ("contact", "lead", "customer_details") and part == base:
            continue
        label = _FIELD_WORDS.get(base) or base.removesuffix("_id").replace("_", " ")
        if index:
            label = f"{label.removesuffix('s')} {int(index.rstrip(']')) + 1}"
        if not words:
            label = label[:1].upper() + label[1:]
        elif base not in _FIELD_WORDS:
            label = label.lower()
        words.append(label)
    return " ".join(words) or "This field"


def worded(field: str, message: str) -> str:
    """A service's refusal as one sentence that names the field in words."""
    return field_message(field_label(field), message)


def field_message(label: str, message: str) -> str:
    if message.startswith(_PREDICATES):
        return f"{label} {message}"
    return message[:1].upper() + message[1:]


def _form_field(form: forms.BaseForm, name: str, aliases: Mapping[str, str]) -> str | None:
    """The form field a service's field name is about: by alias, by the same
    name, or by the API's spelling (``contact.phone`` → ``phone``,
    ``campaign_id`` → ``campaign``); ``None`` when the form has none."""
    for candidate in (aliases.get(name, name), name.removeprefix("contact.").removesuffix("_id")):
        if candidate in form.fields:
            return candidate
    return None


def add_domain_errors(
    form: forms.BaseForm, exc: DomainError, aliases: Mapping[str, str] | None = None
) -> None:
    """Attach ``exc``'s field errors to ``form``. ``aliases`` maps the
    service's field names (``phones[0]``) to the form's (``phone``); anything
    the form has no field for is shown above the form."""
    aliases = aliases or {}
    for err in exc.errors:
        name = _form_field(form, err.field, aliases)
        if name is not None:
            label = form.fields[name].label or name.replace("_", " ").capitalize()
            form.add_error(name, field_message(str(label), err.message))
        else:
            form.add_error(None, worded(err.field, err.message))
    if not exc.errors:
        form.add_error(None, exc.detail)


def safe_next(request: HttpRequest, candidate: str | None, *, default: str) -> str:
    """Where a "next" parameter may send the person back to: a path on this
    site only (``//evil.example`` and ``https://evil.example`` are refused)."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
