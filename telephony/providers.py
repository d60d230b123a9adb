"""Provider webhooks mapped onto Leadline's call events (API.md v1.1
"Telephony providers").

Twilio: the voice webhook makes the call ringing and answers TwiML that dials
the forward numbers and records; the status path takes the call's final status
(``CallDuration`` is its length), the ``<Dial>`` action and the recording
callback, in any order and any number of times. CallRail: pre-call is ringing,
post-call ended (with its duration and recording). Acceptance is never the
provider's: a CSR clicks the bubble (``POST /calls/{id}/accept``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import Dial, VoiceResponse

from accounts.actor import Actor
from accounts.models import Employee, Integration, Provider
from calls.models import Call
from calls.services import call_event_record
from core.errors import DomainError, forbidden, invalid
from core.phones import try_normalize_phone
from messaging.services import Received, message_receive, message_status_update

# Twilio's final call statuses: each ends the call.
FINAL_STATUSES = {"completed", "busy", "no-answer", "canceled", "failed"}
DIAL_TIMEOUT_SECONDS = 25
SID_MAX = 64


def bad_signature() -> DomainError:
    return DomainError("The request's signature does not verify.", code="bad_signature", status=403)


# --- Twilio -------------------------------------------------------------------------


def twilio_check_signature(
    *, integration: Integration, url: str, params: Mapping[str, Any], signature: str
) -> None:
    """403 unless ``X-Twilio-Signature`` is Twilio's signature of this URL and
    these parameters with the integration's auth token (Twilio's own validator)."""
    if integration.provider != Provider.TWILIO or not integration.active:
        raise forbidden("This integration does not receive Twilio webhooks.")
    token = integration.twilio_auth_token
    if not token or not signature:
        raise bad_signature()
    if not RequestValidator(token).validate(url, params, signature):
        raise bad_signature()


def _param(params: Mapping[str, Any], name: str, *, required: bool = False, limit: int = SID_MAX) -> str:
    value = params.get(name) or ""
    value = str(value).strip()
    if required and not value:
        raise invalid(name, "is required")
    if len(value) > limit:
        raise invalid(name, f"is longer than {limit} characters")
    return value


def _phone(params: Mapping[str, Any], name: str) -> str:
    # Twilio sends "anonymous", "client:..." or a SIP URI for some callers: kept as unknown.
    return try_normalize_phone(_param(params, name, limit=80)) or ""


def _timestamp(params: Mapping[str, Any]) -> datetime:
    raw = _param(params, "Timestamp", limit=80)
    if raw:
        try:
            return parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            pass
    return timezone.now()


def _int(params: Mapping[str, Any], name: str) -> int | None:
    raw = _param(params, name, limit=12)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, "must be a whole number of seconds") from None
    if value < 0:
        raise invalid(name, "must be 0 or more")
    return value


def ringing_numbers(integration: Integration) -> list[str]:
    """The forward numbers a call rings: not the phone of an employee marked Away
    (the Calls screen's switch), so an Away CSR's phone stays quiet. With every
    number Away the caller holds and, unanswered, the call ends abandoned."""
    numbers = list(integration.forward_numbers or [])
    if not numbers:
        return []
    away = set(
        Employee.objects.filter(phone__in=numbers, active=True, available=False).values_list(
            "phone", flat=True
        )
    )
    return [n for n in numbers if n not in away]


def twilio_voice(*, integration: Integration, params: Mapping[str, Any], status_url: str) -> str:
    """A call comes in: record it ringing, answer TwiML that rings the forward numbers."""
    sid = _param(params, "CallSid", required=True)
    call_event_record(
        actor=Actor(integration=integration),
        provider_call_id=sid,
        event="ringing",
        from_number=_phone(params, "From"),
        to_number=_phone(params, "To"),
    )
    response = VoiceResponse()
    numbers = ringing_numbers(integration)
    if not numbers:
        response.say("Thank you for calling. Please hold while we connect you.")
        response.pause(length=DIAL_TIMEOUT_SECONDS)
        return str(response)
    dial = Dial(
        action=status_url,
        method="POST",
        timeout=DIAL_TIMEOUT_SECONDS,
        record="record-from-answer",
        recording_status_callback=status_url,
        recording_status_callback_method="POST",
        recording_status_callback_event="completed",
    )
    for number in numbers:
        dial.number(number)
    response.append(dial)
    return str(response)


@transaction.atomic
def twilio_status(*, integration: Integration, params: Mapping[str, Any]) -> Call | None:
    """A status, ``<Dial>`` action or recording callback: end the call or attach its recording.

    Idempotent: each fills only what is still empty. The call's end is its
    start plus Twilio's ``CallDuration`` when the start is known, so the length
    is Twilio's whatever the order; a status arriving before the voice webhook
    makes the call with its start ``CallDuration`` before the end.
    """
    if _param(params, "ParentCallSid"):
        return None  # a forwarded leg's own callbacks: the parent call carries the call
    if _param(params, "MessageSid") and not _param(params, "CallSid"):
        # A text's delivery status (the status callback each outgoing text names).
        message_status_update(
            integration=integration,
            provider_message_id=_param(params, "MessageSid"),
            status=_param(params, "MessageStatus", required=True),
            error_code=_param(params, "ErrorCode"),
        )
        return None
    sid = _param(params, "CallSid", required=True)
    actor = Actor(integration=integration)
    call: Call | None = None
    recording_status = _param(params, "RecordingStatus")
    if recording_status:
        url = _param(params, "RecordingUrl", limit=500)
        if recording_status == "completed" and url:
            if not url.startswith("https://") and not url.startswith("http://"):
                raise invalid("RecordingUrl", "must be an http(s) URL")
            call = call_event_record(actor=actor, provider_call_id=sid, event="recording", recording_url=url)
        return call
    status = _param(params, "CallStatus")
    if _param(params, "DialCallStatus") or status not in FINAL_STATUSES:
        return None  # the <Dial> finished or the call is still going: its final status follows
    duration = _int(params, "CallDuration") or 0
    existing = Call.objects.filter(provider=integration, provider_call_id=sid).only("rang_at").first()
    if existing is not None and existing.rang_at is not None:
        rang_at = existing.rang_at
        ended_at = rang_at + timedelta(seconds=duration)
    else:
        ended_at = _timestamp(params)
        rang_at = ended_at - timedelta(seconds=duration)
    from_number, to_number = _phone(params, "From"), _phone(params, "To")
    if existing is None or existing.rang_at is None:
        call_event_record(
            actor=actor,
            provider_call_id=sid,
            event="ringing",
            at=rang_at,
            from_number=from_number,
            to_number=to_number,
        )
    return call_event_record(
        actor=actor,
        provider_call_id=sid,
        event="ended",
        at=ended_at,
        from_number=from_number,
        to_number=to_number,
    )


def twilio_sms(*, integration: Integration, params: Mapping[str, Any]) -> Received:
    """An incoming text (``MessageSid``, ``From``, ``To``, ``Body``): once per ``MessageSid``."""
    return message_receive(
        integration=integration,
        provider_message_id=_param(params, "MessageSid", required=True),
        from_number=_param(params, "From", required=True, limit=80),
        to_number=_param(params, "To", limit=80),
        body=_param(params, "Body", limit=1600),
    )


def empty_twiml() -> str:
    return str(MessagingResponse())


# --- CallRail -----------------------------------------------------------------------


def callrail_signature(key: str, body: bytes) -> str:
    """CallRail's ``Signature`` header: base64 of HMAC-SHA1 of the raw body with the company's signing key."""
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha1).digest()).decode()


def callrail_check_signature(*, integration: Integration, body: bytes, signature: str) -> None:
    if integration.provider != Provider.CALLRAIL or not integration.active:
        raise forbidden("This integration does not receive CallRail webhooks.")
    key = integration.callrail_signing_key
    if not key or not signature or not hmac.compare_digest(callrail_signature(key, body), signature.strip()):
        raise bad_signature()


def _callrail_time(raw: Any, field: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(field, "is not an ISO 8601 time") from None
    return value if value.tzinfo else timezone.make_aware(value)


@transaction.atomic
def callrail_event(*, integration: Integration, body: bytes, event: str = "") -> Call:
    """A pre-call (ringing) or post-call (ended) webhook, JSON as CallRail sends it.

    ``event`` comes from the URL (``?event=pre-call|post-call``, as Settings
    shows); without it a payload with a duration or a recording is post-call.
    CallRail's ``answered`` does not make the call accepted: the bubble does.
    """
    try:
        data = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise DomainError("The body is not valid JSON.", code="malformed", status=400) from None
    if not isinstance(data, dict):
        raise DomainError("The body must be a JSON object.", code="malformed", status=400)
    sid = str(data.get("resource_id") or data.get("id") or "").strip()
    if not sid:
        raise invalid("resource_id", "is required")
    if len(sid) > SID_MAX:
        raise invalid("resource_id", f"is longer than {SID_MAX} characters")
    customer = try_normalize_phone(str(data.get("customer_phone_number") or "")) or ""
    tracking = try_normalize_phone(str(data.get("tracking_phone_number") or "")) or ""
    started = _callrail_time(data.get("start_time"), "start_time") or timezone.now()
    duration_raw = data.get("duration")
    try:
        duration = int(duration_raw) if duration_raw not in (None, "") else None
    except (TypeError, ValueError):
        raise invalid("duration", "must be a whole number of seconds") from None
    if duration is not None and duration < 0:
        raise invalid("duration", "must be 0 or more")
    recording = str(data.get("recording") or "")
    if recording and not recording.startswith(("https://", "http://")):
        raise invalid("recording", "must be an http(s) URL")
    if event not in ("", "pre-call", "post-call"):
        raise invalid("event", "must be pre-call or post-call")
    post = event == "post-call" or (not event and (bool(duration) or bool(recording)))
    actor = Actor(integration=integration)
    call = call_event_record(
        actor=actor,
        provider_call_id=sid,
        event="ringing",
        at=started,
        from_number=customer,
        to_number=tracking,
    )
    if post:
        call = call_event_record(
            actor=actor,
            provider_call_id=sid,
            event="ended",
            at=started + timedelta(seconds=duration or 0),
            from_number=customer,
            to_number=tracking,
            recording_url=recording[:500],
        )
    return call
