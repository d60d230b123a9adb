"""Phone numbers: parsed with ``phonenumbers`` and stored in E.164."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from core.errors import DomainError, invalid


def normalize_phone(raw: str, *, field: str = "phone", region: str | None = None) -> str:
    """Return ``raw`` in E.164, or raise a 422 naming ``field``."""
    text = (raw or "").strip()
    if not text:
        raise invalid(field, "is empty")
    try:
        parsed = phonenumbers.parse(text, region or settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise invalid(field, f"'{text}' is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise invalid(field, f"'{text}' is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalize_phone(raw: str) -> str | None:
    """E.164 for a search box: ``None`` when the text is not a phone number."""
    try:
        return normalize_phone(raw)
    except DomainError:
        return None


def format_phone(e164: str) -> str:
    """Show a stored number the way people in its country write it."""
    if not e164:
        return ""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    region = phonenumbers.region_code_for_number(parsed)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if region == settings.PHONE_DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, fmt)


def normalize_email(raw: str, *, field: str = "email") -> str:
    text = (raw or "").strip().lower()
    if not text:
        raise invalid(field, "is empty")
    try:
        validate_email(text)
    except ValidationError:
        raise invalid(field, f"'{raw}' is not an email address") from None
    return text
