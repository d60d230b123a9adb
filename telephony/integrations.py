"""Integrations as the admin configures them (API.md v1.1 "Integrations"):
provider, forward numbers, text-back, and write-only secrets.

Secrets are stored encrypted (``core.crypto``) and never returned: the API and
Settings say only whether each is set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from accounts.actor import Actor
from accounts.models import SECRET_FIELDS, Integration, Provider
from accounts.roles import Perm
from accounts.services import public_base_url, webhook_urls  # noqa: F401  (re-exported)
from core.errors import FieldError, collect
from core.models import AuditEntry
from core.phones import try_normalize_phone
from messaging.services import MERGE_FIELDS, template_check  # noqa: F401  (Settings uses both)

TWILIO_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")


def _numbers(raw: Sequence[str]) -> tuple[list[str], list[FieldError]]:
    out, errors = [], []
    for i, value in enumerate(raw):
        e164 = try_normalize_phone(str(value))
        if e164 is None:
            errors.append(FieldError(f"forward_numbers[{i}]", f"'{value}' is not a valid phone number"))
        elif e164 not in out:
            out.append(e164)
    return out, errors


def _clean(
    integration: Integration, data: Mapping[str, Any], secrets: Mapping[str, str | None]
) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, value in data.items():
        if name == "name":
            value = (value or "").strip()
            if not value:
                errors.append(FieldError("name", "is required"))
            elif Integration.objects.filter(name__iexact=value).exclude(pk=integration.pk).exists():
                errors.append(FieldError("name", f"'{value}' is already an integration"))
        elif name == "slug":
            value = slugify(value or "")
            if not value:
                errors.append(FieldError("slug", "is required"))
            elif Integration.objects.filter(slug=value).exclude(pk=integration.pk).exists():
                errors.append(FieldError("slug", f"'{value}' is taken"))
        elif name == "provider" and value not in Provider.values:
            errors.append(FieldError("provider", f"must be one of {', '.join(Provider.values)}"))
        elif name == "default_number":
            value = try_normalize_phone(str(value)) if value else ""
            if value is None:
                errors.append(FieldError("default_number", f"'{data[name]}' is not a valid phone number"))
                value = ""
        elif name == "forward_numbers":
            value, errs = _numbers(value or [])
            errors += errs
        elif name == "webhook_url" and value and not str(value).startswith(("https://", "http://")):
            errors.append(FieldError("webhook_url", "must be an http(s) URL"))
        elif name == "text_back_template":
            value = (value or "").strip()
            errors += template_check(value, field="text_back.template")
        setattr(integration, name, value)
    sid = secrets.get("twilio_account_sid")
    if sid and not TWILIO_SID.match(sid.strip()):
        errors.append(FieldError("twilio_account_sid", "a Twilio account SID is 'AC' and 32 hex digits"))
    for name, value in secrets.items():
        if value is None:
            continue
        if name in SECRET_FIELDS:
            integration.set_secret(name, value.strip())
    if integration.text_back_enabled and not integration.text_back_template:
        errors.append(FieldError("text_back.template", "is required while text-back is on"))
    return errors


def _audit(actor: Actor, integration: Integration, action: str, changed: Sequence[str]) -> None:
    # Which secrets changed is recorded, never their values.
    AuditEntry.record(
        actor=actor,
        entity="integration",
        entity_id=integration.pk,
        action=action,
        changes={"fields": list(changed)},
    )


@transaction.atomic
def integration_create(
    *, actor: Actor, data: Mapping[str, Any], secrets: Mapping[str, str | None]
) -> Integration:
    actor.require(Perm.SETTINGS)
    integration = Integration(name="", slug="")
    data = dict(data)
    if not data.get("slug") and data.get("name"):
        data["slug"] = slugify(data["name"])[:50]
    collect(_clean(integration, data, secrets))
    integration.save()
    _audit(actor, integration, "created", [*data, *(k for k, v in secrets.items() if v is not None)])
    return integration


@transaction.atomic
def integration_update(
    *, actor: Actor, integration: Integration, data: Mapping[str, Any], secrets: Mapping[str, str | None]
) -> Integration:
    actor.require(Perm.SETTINGS)
    locked = Integration.objects.select_for_update().get(pk=integration.pk)
    collect(_clean(locked, data, secrets))
    locked.save()
    _audit(actor, locked, "updated", [*data, *(k for k, v in secrets.items() if v is not None)])
    return locked
