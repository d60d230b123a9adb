"""Integrations (admin) and the telephony providers' webhooks (API.md v1.1).

Provider webhooks carry no Leadline key (``auth=None``): each is verified with
the integration's own secret, so a request that does not verify is a 403.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema, Status

from accounts.api_auth import actor
from accounts.models import Integration
from accounts.roles import Perm
from core import generation
from core.api import responses
from core.errors import not_found
from core.pagination import keyset_page
from core.prepared import Prepared
from core.refs import in_id_range
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page
from telephony.integrations import integration_create, integration_update, public_base_url, webhook_urls
from telephony.providers import (
    callrail_check_signature,
    callrail_event,
    empty_twiml,
    twilio_check_signature,
    twilio_sms,
    twilio_status,
    twilio_voice,
)

router = Router(tags=["Integrations"])
hooks = Router(tags=["Telephony providers"])

ProviderName = Literal["generic", "twilio", "callrail"]


class TextBackIn(Schema):
    enabled: bool | None = None
    template: str | None = Field(None, max_length=2000)


class IntegrationIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    slug: str | None = Field(None, max_length=60)
    active: bool = True
    provider: ProviderName = "generic"
    forward_numbers: list[str] = Field(default_factory=list, max_length=10)
    default_number: str = Field("", max_length=40)
    text_back: TextBackIn | None = None
    webhook_url: str = Field("", max_length=500)
    booking_form_enabled: bool = False
    twilio_account_sid: str | None = Field(None, max_length=64)
    twilio_auth_token: str | None = Field(None, max_length=128)
    callrail_signing_key: str | None = Field(None, max_length=256)
    webhook_secret: str | None = Field(None, max_length=128)


class IntegrationPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    slug: str | None = Field(None, max_length=60)
    active: bool | None = None
    provider: ProviderName | None = None
    forward_numbers: list[str] | None = Field(None, max_length=10)
    default_number: str | None = Field(None, max_length=40)
    text_back: TextBackIn | None = None
    webhook_url: str | None = Field(None, max_length=500)
    booking_form_enabled: bool | None = None
    twilio_account_sid: str | None = Field(None, max_length=64)
    twilio_auth_token: str | None = Field(None, max_length=128)
    callrail_signing_key: str | None = Field(None, max_length=256)
    webhook_secret: str | None = Field(None, max_length=128)


class TextBackOut(Schema):
    enabled: bool
    template: str


class IntegrationOut(Schema):
    id: int
    name: str
    slug: str
    active: bool
    provider: ProviderName
    forward_numbers: list[str]
    default_number: str
    text_back: TextBackOut
    webhook_url: str
    booking_form_enabled: bool
    has_twilio_account_sid: bool
    has_twilio_auth_token: bool
    has_callrail_signing_key: bool
    has_webhook_secret: bool
    provider_webhook_urls: dict[str, str] = Field(
        description="What to paste into the provider's console (empty for generic)."
    )


SECRETS = ("twilio_account_sid", "twilio_auth_token", "callrail_signing_key", "webhook_secret")


def _out(request: HttpRequest, integration: Integration) -> dict[str, Any]:
    return {
        "id": integration.pk,
        "name": integration.name,
        "slug": integration.slug,
        "active": integration.active,
        "provider": integration.provider,
        "forward_numbers": list(integration.forward_numbers or []),
        "default_number": integration.default_number,
        "text_back": {"enabled": integration.text_back_enabled, "template": integration.text_back_template},
        "webhook_url": integration.webhook_url,
        "booking_form_enabled": integration.booking_form_enabled,
        "has_twilio_account_sid": bool(integration.twilio_account_sid_enc),
        "has_twilio_auth_token": bool(integration.twilio_auth_token_enc),
        "has_callrail_signing_key": bool(integration.callrail_signing_key_enc),
        "has_webhook_secret": bool(integration.webhook_secret_enc),
        "provider_webhook_urls": webhook_urls(integration, request),
    }


def _split(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str | None]]:
    secrets = {name: payload.pop(name, None) for name in SECRETS}
    text_back = payload.pop("text_back", None) or {}
    if text_back.get("enabled") is not None:
        payload["text_back_enabled"] = text_back["enabled"]
    if text_back.get("template") is not None:
        payload["text_back_template"] = text_back["template"]
    return payload, secrets


# An integration by its id (settings' PATCH, every provider webhook), and in the
# same statement the configuration generation (core.generation), as an API key's
# lookup reads it: a webhook then reads the dialled tracking number, the agent,
# the assignment rules and SLA policies only after they change.
_INTEGRATION = Prepared(
    lambda pk: (
        Integration.objects.filter(pk=pk)
        .order_by()
        .annotate(config_generation=generation.current_subquery())[:1]
    ),
    pk=int,
)


def _integration(integration_id: int) -> Integration:
    integration = _INTEGRATION.first(pk=integration_id) if in_id_range(integration_id) else None
    if integration is None:
        raise not_found(f"integration {integration_id}")
    generation.note(integration.config_generation)  # type: ignore[attr-defined]
    return integration


@router.get("/integrations", response=responses({200: Page[IntegrationOut]}))
def list_integrations(
    request: HttpRequest, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT
) -> dict[str, Any]:
    actor(request).require(Perm.SETTINGS)
    items, next_cursor = keyset_page(Integration.objects.all(), order=("id",), cursor=cursor, limit=limit)
    return {"items": [_out(request, i) for i in items], "next_cursor": next_cursor}


@router.post("/integrations", response=responses({201: IntegrationOut}))
def create_integration(request: HttpRequest, payload: IntegrationIn) -> Status:
    data, secrets = _split(payload.dict())
    integration = integration_create(actor=actor(request), data=data, secrets=secrets)
    return Status(201, _out(request, integration))


@router.patch("/integrations/{integration_id}", response=responses({200: IntegrationOut}))
def update_integration(
    request: HttpRequest, integration_id: int, payload: IntegrationPatch
) -> dict[str, Any]:
    who = actor(request)
    who.require(Perm.SETTINGS)
    data, secrets = _split(payload.dict(exclude_unset=True))
    data = {k: v for k, v in data.items() if v is not None}
    integration = integration_update(
        actor=who, integration=_integration(integration_id), data=data, secrets=secrets
    )
    return _out(request, integration)


# --- provider webhooks ----------------------------------------------------------------

TWIML = {"content": {"text/xml": {"schema": {"type": "string"}}}}


def _xml(body: str) -> HttpResponse:
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


def _twilio(request: HttpRequest, integration_id: int) -> Integration:
    integration = _integration(integration_id)
    url = public_base_url(request) + request.get_full_path()
    twilio_check_signature(
        integration=integration,
        url=url,
        params=request.POST,
        signature=request.headers.get("X-Twilio-Signature", ""),
    )
    return integration


def _status_url(request: HttpRequest, integration: Integration) -> str:
    return webhook_urls(integration, request)["status"]


@hooks.post(
    "/telephony/twilio/{integration_id}/voice",
    auth=None,
    response=responses({200: str}),
    openapi_extra={"responses": {200: {"description": "TwiML", **TWIML}}},
    summary="Twilio: a call comes in",
)
def twilio_voice_hook(request: HttpRequest, integration_id: int) -> HttpResponse:
    integration = _twilio(request, integration_id)
    return _xml(
        twilio_voice(
            integration=integration, params=request.POST, status_url=_status_url(request, integration)
        )
    )


@hooks.post(
    "/telephony/twilio/{integration_id}/status",
    auth=None,
    response=responses({200: str}),
    openapi_extra={"responses": {200: {"description": "An empty TwiML response", **TWIML}}},
    summary="Twilio: call status, <Dial> action and recording callbacks",
)
def twilio_status_hook(request: HttpRequest, integration_id: int) -> HttpResponse:
    integration = _twilio(request, integration_id)
    twilio_status(integration=integration, params=request.POST)
    return _xml(empty_twiml())


@hooks.post(
    "/telephony/twilio/{integration_id}/sms",
    auth=None,
    response=responses({200: str}),
    openapi_extra={"responses": {200: {"description": "An empty TwiML response", **TWIML}}},
    summary="Twilio: a message comes in",
)
def twilio_sms_hook(request: HttpRequest, integration_id: int) -> HttpResponse:
    integration = _twilio(request, integration_id)
    twilio_sms(integration=integration, params=request.POST)
    return _xml(empty_twiml())


@hooks.post(
    "/telephony/callrail/{integration_id}",
    auth=None,
    response=responses({200: dict[str, Any]}),
    summary="CallRail: pre-call and post-call webhooks",
)
def callrail_hook(request: HttpRequest, integration_id: int, event: str = "") -> dict[str, Any]:
    integration = _integration(integration_id)
    body = request.body
    callrail_check_signature(
        integration=integration, body=body, signature=request.headers.get("Signature", "")
    )
    call = callrail_event(integration=integration, body=body, event=event)
    return {"call_id": call.pk, "classification": call.classification}
