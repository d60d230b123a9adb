"""Texting API (API.md v1.1 "Texting"): a lead's conversation, every text,
and the opted-out numbers. CSR and up; integrations and technicians get a 403."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from accounts.api_auth import actor
from accounts.roles import Perm
from core.api import responses
from core.errors import not_found
from core.pagination import keyset_page
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page
from leads.models import Lead
from messaging.models import OptOut
from messaging.services import message_send, messages_filtered

router = Router(tags=["Texting"])


class MessageIn(Schema):
    body: str = Field(..., min_length=1, max_length=1600)


class MessageOut(Schema):
    id: int
    lead_id: int | None
    call_id: int | None
    direction: Literal["inbound", "outbound"]
    kind: Literal["manual", "text_back", "incoming"]
    from_number: str
    to_number: str
    body: str
    status: Literal["queued", "sent", "delivered", "failed", "received"]
    error: str
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None


class OptOutOut(Schema):
    phone: str
    keyword: str
    opted_out_at: datetime


def _lead(request: HttpRequest, lead_id: int) -> Lead:
    actor(request).require(Perm.WORK_LEADS)
    lead = Lead.objects.select_related("call", "call__provider", "campaign").filter(pk=lead_id).first()
    if lead is None:
        raise not_found(f"lead {lead_id}")
    return lead


@router.post("/leads/{lead_id}/messages", response=responses({201: MessageOut}))
def send_message(request: HttpRequest, lead_id: int, payload: MessageIn) -> Status:
    """Text the lead from the number it reached the company on; 409 ``opted_out``, 422 without a phone."""
    lead = _lead(request, lead_id)
    return Status(201, message_send(actor=actor(request), lead=lead, body=payload.body))


@router.get("/leads/{lead_id}/messages", response=responses({200: Page[MessageOut]}))
def lead_messages(
    request: HttpRequest, lead_id: int, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT
) -> dict[str, Any]:
    lead = _lead(request, lead_id)
    items, next_cursor = keyset_page(
        messages_filtered(lead_id=lead.pk), order=("created_at", "id"), cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.get("/messages", response=responses({200: Page[MessageOut]}))
def list_messages(
    request: HttpRequest,
    phone: str | None = None,
    lead_id: int | None = None,
    call_id: int | None = None,
    direction: Literal["inbound", "outbound"] | None = None,
    unread: bool | None = None,
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    """Every text, newest first; ``unread=true`` is the inbox (incoming texts nobody opened)."""
    actor(request).require(Perm.WORK_LEADS)
    qs = messages_filtered(phone=phone, lead_id=lead_id, call_id=call_id, direction=direction, unread=unread)
    items, next_cursor = keyset_page(qs, order=("-created_at", "-id"), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/opt-outs", response=responses({200: Page[OptOutOut]}))
def list_opt_outs(request: HttpRequest, cursor: CURSOR = "", limit: LIMIT = DEFAULT_LIMIT) -> dict[str, Any]:
    """Numbers that texted STOP (or another opt-out word) and not START since."""
    actor(request).require(Perm.WORK_LEADS)
    items, next_cursor = keyset_page(
        OptOut.objects.all(), order=("-opted_out_at", "-id"), cursor=cursor, limit=limit
    )
    return {"items": items, "next_cursor": next_cursor}
