"""How texts leave (``LEADLINE_SMS_BACKEND``) and how Leadline talks to Twilio's REST API.

- ``console`` (default): the text is written to the log and marked sent, so
  ``make run`` works with no account;
- ``locmem``: kept in ``outbox`` (tests read it), marked sent;
- ``twilio``: sent with the official ``twilio`` client through the
  integration's account; Twilio's answer (its SID and status, or its error)
  is what the message records.

``LEADLINE_TWILIO_API_BASE`` points the client elsewhere than
https://api.twilio.com: the tests' local fake of Twilio's REST API.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from accounts.models import Integration

log = logging.getLogger("leadline.sms")
TWILIO_API = "https://api.twilio.com"
TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Outgoing:
    from_number: str
    to_number: str
    body: str
    integration: Integration | None = None
    status_callback: str = ""


@dataclass(frozen=True)
class Sent:
    provider_message_id: str
    status: str  # queued | sent | failed
    error: str = ""


outbox: list[Outgoing] = []
_counter = itertools.count(1)


def backend_name() -> str:
    return str(getattr(settings, "LEADLINE_SMS_BACKEND", "console") or "console")


class _RoutedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, with api.twilio.com replaced by ``LEADLINE_TWILIO_API_BASE``."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        base = api_base()
        if base != TWILIO_API and url.startswith(TWILIO_API):
            url = base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


def api_base() -> str:
    return str(getattr(settings, "LEADLINE_TWILIO_API_BASE", TWILIO_API) or TWILIO_API).rstrip("/")


def twilio_client(integration: Integration) -> Client:
    sid, token = integration.twilio_account_sid, integration.twilio_auth_token
    if not sid or not token:
        raise TwilioException(f"{integration} has no Twilio account SID and auth token")
    return Client(sid, token, http_client=_RoutedHttpClient(timeout=TIMEOUT_SECONDS))


def deliver(out: Outgoing) -> Sent:
    name = backend_name()
    if name == "locmem":
        outbox.append(out)
        return Sent(f"SMlocmem{next(_counter):08d}", "sent")
    if name == "twilio":
        return _twilio(out)
    log.info("SMS (console backend) %s -> %s: %s", out.from_number, out.to_number, out.body)
    return Sent(f"SMconsole{next(_counter):08d}", "sent")


def _twilio(out: Outgoing) -> Sent:
    if out.integration is None:
        return Sent("", "failed", "No Twilio integration to send from.")
    try:
        client = twilio_client(out.integration)
        kwargs: dict[str, Any] = {"to": out.to_number, "from_": out.from_number, "body": out.body}
        if out.status_callback:
            kwargs["status_callback"] = out.status_callback
        message = client.messages.create(**kwargs)
    except TwilioRestException as exc:
        return Sent("", "failed", f"Twilio {exc.code or exc.status}: {exc.msg}"[:300])
    except (TwilioException, requests.RequestException) as exc:
        return Sent("", "failed", f"{type(exc).__name__}: {exc}"[:300])
    status = str(message.status or "queued")
    if status in ("failed", "undelivered"):
        return Sent(message.sid or "", "failed", str(message.error_message or status)[:300])
    return Sent(message.sid or "", "sent" if status == "sent" else "queued")


def fetch_recording(*, integration: Integration | None, url: str) -> requests.Response:
    """Open a provider's recording for streaming, with the integration's
    credentials when the URL is Twilio's (never put them in a page)."""
    auth = None
    target = url
    if integration is not None and integration.twilio_auth_token and url.startswith(TWILIO_API):
        auth = (integration.twilio_account_sid, integration.twilio_auth_token)
        base = api_base()
        if base != TWILIO_API:
            target = base + url[len(TWILIO_API) :]
    elif urlsplit(target).scheme != "https":
        # Another provider's file: only over HTTPS (an integration key cannot point Leadline
        # at plain-HTTP addresses inside the network).
        raise requests.exceptions.InvalidURL(url)
    return requests.get(target, auth=auth, stream=True, timeout=TIMEOUT_SECONDS, allow_redirects=True)
