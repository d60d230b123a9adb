"""Email-to-booking: a raw RFC 822 message becomes a booking on the email channel.

Used by ``POST /api/v1/inbound-email`` and ``manage.py ingest_email``; both
go through ``booking_receive_email`` so the same Message-ID makes one booking.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage

import phonenumbers
from django.conf import settings

from accounts.models import Integration
from bookings.models import Booking
from bookings.services import Received, booking_receive
from core.errors import invalid
from leads.services import Contact

MAX_SUMMARY_CHARS = 4000
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S | re.I)
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str
    name: str
    email: str
    phone: str
    subject: str
    text: str


def _sender(msg: EmailMessage) -> Address | None:
    # Web forms and partners send from their own address with the customer in Reply-To.
    for header in ("Reply-To", "From"):
        value = msg.get(header)
        addresses = getattr(value, "addresses", ()) if value is not None else ()
        if addresses and addresses[0].addr_spec:
            return addresses[0]
    return None


def _text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_subtype() == "html":
        content = html.unescape(_TAGS.sub(" ", content))
    return _BLANK_LINES.sub("\n\n", content.replace("\r\n", "\n")).strip()


def _first_phone(text: str) -> str:
    for match in phonenumbers.PhoneNumberMatcher(text, settings.PHONE_DEFAULT_REGION):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    return ""


def parse_email(raw: bytes) -> ParsedEmail:
    """Sender, phone, subject and text of a message (stdlib parser, policy=default)."""
    if not raw.strip():
        raise invalid("body", "is empty: send the raw RFC 822 message")
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    if not msg.keys():
        raise invalid("body", "is not an RFC 822 message (no headers)")
    sender = _sender(msg)
    subject = str(msg.get("Subject", "") or "").strip()
    text = _text(msg)
    message_id = str(msg.get("Message-ID", "") or "").strip().strip("<>").strip()
    if not message_id:
        # Without a Message-ID the bytes themselves identify the message, so a re-send still matches.
        message_id = "sha256:" + hashlib.sha256(raw).hexdigest()
    return ParsedEmail(
        message_id=message_id[:255],
        name=(sender.display_name if sender else "")[:200],
        email=sender.addr_spec if sender else "",
        phone=_first_phone(f"{subject}\n{text}"),
        subject=subject,
        text=text,
    )


def booking_receive_email(*, integration: Integration, raw: bytes) -> Received:
    parsed = parse_email(raw)
    summary = "\n\n".join(p for p in (parsed.subject, parsed.text) if p)
    return booking_receive(
        integration=integration,
        external_id=parsed.message_id,
        channel=Booking.Channel.EMAIL,
        contact=Contact(name=parsed.name, phone=parsed.phone, email=parsed.email),
        summary=summary[:MAX_SUMMARY_CHARS],
        raw_payload={
            "message_id": parsed.message_id,
            "subject": parsed.subject,
            "rfc822": raw.decode("utf-8", "replace"),
        },
    )
