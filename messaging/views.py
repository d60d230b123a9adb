"""Texting screens: the conversation panel (on the lead page and the active-call
panel, loaded with htmx) and the inbox of incoming texts."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.actor import Actor, actor_from_request
from accounts.roles import Perm
from calls.models import Call
from core.errors import DomainError
from core.pagination import keyset_page
from leads.models import Lead
from messaging.models import Message, MessageTemplate
from messaging.services import (
    is_opted_out,
    message_mark_read,
    message_send,
    messages_filtered,
    messages_mark_read,
    render_template,
    unread_texts_count,
)

CONVERSATION_LIMIT = 100


def _actor(request: HttpRequest) -> Actor:
    a = actor_from_request(request)
    if not a.can(Perm.WORK_LEADS):
        raise PermissionDenied("Your role may not read or send texts.")
    return a


def _conversation(
    request: HttpRequest, *, lead: Lead | None, call: Call | None, post_url: str
) -> HttpResponse:
    a = _actor(request)
    error, status, body = "", 200, ""
    phone = lead.phone if lead is not None else (call.from_number if call is not None else "")
    if request.method == "POST":
        body = request.POST.get("body", "").strip()
        template_id = request.POST.get("template", "")
        if not body and template_id.isdigit():
            template = MessageTemplate.objects.filter(pk=int(template_id), active=True).first()
            body = render_template(template.body, lead=lead) if template is not None else ""
        try:
            message_send(actor=a, lead=lead, call=call, body=body)
            body = ""
        except DomainError as exc:
            error = "; ".join([exc.detail] + [e.message for e in exc.errors if e.message not in exc.detail])
            # htmx swaps only 2xx answers: the panel itself says what went wrong.
            status = 200 if request.headers.get("HX-Request") else exc.status
    if lead is not None:
        qs = messages_filtered(lead_id=lead.pk)
        messages_mark_read(actor=a, lead=lead)
    else:
        qs = messages_filtered(phone=phone) if phone else Message.objects.none()
    items = list(qs.order_by("-created_at", "-id")[:CONVERSATION_LIMIT])[::-1]
    templates = [
        {"id": t.pk, "name": t.name, "text": render_template(t.body, lead=lead)}
        for t in MessageTemplate.objects.filter(active=True)
    ]
    context: dict[str, Any] = {
        "items": items,
        "lead": lead,
        "call": call,
        "phone": phone,
        "opted_out": bool(phone) and is_opted_out(phone),
        "templates": templates,
        "post_url": post_url,
        "error": error,
        "body": body,
    }
    return render(request, "messaging/_conversation.html", context, status=status)


@login_required
def lead_conversation(request: HttpRequest, lead_id: int) -> HttpResponse:
    lead = Lead.objects.select_related("call", "call__provider").filter(pk=lead_id).first()
    if lead is None:
        raise Http404("No such lead.")
    return _conversation(request, lead=lead, call=None, post_url=request.path)


@login_required
def call_conversation(request: HttpRequest, call_id: int) -> HttpResponse:
    call = Call.objects.select_related("lead", "provider").filter(pk=call_id).first()
    if call is None:
        raise Http404("No such call.")
    lead = call.lead if call.lead is not None and call.lead.status == Lead.Status.OPEN else None
    return _conversation(request, lead=lead, call=call, post_url=request.path)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    _actor(request)
    show = request.GET.get("show", "unread")
    qs = messages_filtered(direction=Message.Direction.INBOUND, unread=True if show == "unread" else None)
    items, next_cursor = keyset_page(
        qs.select_related("lead"), order=("-created_at", "-id"), cursor=request.GET.get("cursor"), limit=50
    )
    return render(
        request,
        "messaging/inbox.html",
        {"items": items, "next_cursor": next_cursor, "show": show, "nav": "texts"},
    )


@login_required
def unread_count(request: HttpRequest) -> HttpResponse:
    """The navigation's badge of unread incoming texts (loaded by htmx, so no page pays for it)."""
    _actor(request)
    return render(request, "messaging/_unread_count.html", {"count": unread_texts_count()})


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    message = Message.objects.filter(pk=pk).first()
    if message is None:
        raise Http404("No such text.")
    message_mark_read(actor=_actor(request), message=message)
    return redirect("texts_inbox")
