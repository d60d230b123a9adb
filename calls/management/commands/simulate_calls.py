"""Send a realistic stream of calls through ``POST /api/v1/calls/events``.

So that someone watching the Calls screen sees bubbles arrive: answered and
booked, answered and unbooked, short and long abandoned calls, and calls to
each active tracking number (plus one to an unknown number).

Over HTTP to a server on this machine only (``--url``, loopback), with an
integration key (``--key``, or one issued here for a "Call simulator"
integration). ``--in-process`` posts through Django's test client instead
(no server, no waiting: for tests); ``--dry-run`` prints the events only.

``--twilio`` speaks Twilio instead: signed webhooks (``X-Twilio-Signature``,
computed by the ``twilio`` package with a "Twilio (simulated)" integration's
own auth token) to the voice, status and recording callback and incoming-text
paths, so bubbles ring, answered calls get the short bundled recording,
missed callers are texted back (with the worker running) and some reply, and
one texts STOP. Answering is the CSR's bubble click, as on the real line
(``POST /calls/{id}/accept`` with the agent's key).
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode, urlparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test import Client
from django.utils import timezone
from twilio.request_validator import RequestValidator

from accounts.models import ApiKey, Employee, Integration, Provider, Role
from calls.models import Call
from calls.services import DEMO_RECORDING_URL
from catalog.models import JobType, TrackingNumber
from customers.models import ContactPoint, Location

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_CALLS = 500
UNKNOWN_NUMBER = "+15125550199"

# (kind, weight): what a morning at a busy office sounds like.
SCENARIOS = [
    ("booked", 3),
    ("unbooked", 2),
    ("excused", 1),
    ("abandoned_short", 2),
    ("abandoned_long", 2),
]


@dataclass
class Event:
    delay: float  # real seconds to wait before sending (scaled)
    body: dict[str, Any]


class Command(BaseCommand):
    help = "Send simulated telephony events to the Calls API so the Calls screen shows calls arriving."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="A server on this machine.")
        parser.add_argument("--key", default="", help="An integration's API key (issued here when empty).")
        parser.add_argument("--count", type=int, default=12, help=f"Calls to send (at most {MAX_CALLS}).")
        parser.add_argument("--gap", type=float, default=4.0, help="Seconds between new calls.")
        parser.add_argument(
            "--ring", type=float, default=6.0, help="Real seconds a call rings before it is answered or lost."
        )
        parser.add_argument("--seed", type=int, default=None, help="Repeatable stream.")
        parser.add_argument("--in-process", action="store_true", help="Use Django's test client; no waiting.")
        parser.add_argument("--dry-run", action="store_true", help="Print the events; send nothing.")
        parser.add_argument(
            "--twilio", action="store_true", help="Send Twilio-format signed webhooks and incoming texts."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        count = opts["count"]
        if not 1 <= count <= MAX_CALLS:
            raise CommandError(f"--count must be between 1 and {MAX_CALLS}")
        in_process, dry_run = opts["in_process"], opts["dry_run"]
        if not in_process and not dry_run:
            host = urlparse(opts["url"]).hostname
            if host not in LOOPBACK:
                raise CommandError("--url must point at this machine (127.0.0.1, localhost or ::1).")
        rng = random.Random(opts["seed"])
        numbers = list(TrackingNumber.objects.filter(active=True).values_list("number", flat=True))
        agents = list(Employee.objects.filter(active=True, role__in=[Role.CSR, Role.OFFICE]))
        if not agents:
            agents = [Employee.objects.create(name="Sim Agent", role=Role.CSR)]
        key = opts["key"] or ("" if dry_run else self._issue_key())
        self.booking = self._booking_setup()
        self.agent_keys: dict[int, str] = {}
        self.call_ids: dict[str, int] = {}
        send = self._sender(opts["url"], key, in_process=in_process, dry_run=dry_run)
        if opts["twilio"]:
            send = self._twilio_sender(opts["url"], in_process=in_process, dry_run=dry_run)

        # Every tracking number once, then at random; one call to a number nobody tracks.
        targets = [*numbers, UNKNOWN_NUMBER]
        plan: list[tuple[float, Event]] = []
        run = f"{timezone.now():%H%M%S}-{rng.randrange(10**6):06d}"
        for i in range(count):
            kind = rng.choices([k for k, _ in SCENARIOS], [w for _, w in SCENARIOS])[0]
            to = targets[i] if i < len(targets) else rng.choice(targets)
            start = i * opts["gap"]
            for ev in self._call_events(
                rng=rng,
                call_id=f"sim-{run}-{i}",
                kind=kind,
                to=to,
                agent=rng.choice(agents),
                ring=opts["ring"],
            ):
                plan.append((start + ev.delay, ev))
        plan.sort(key=lambda p: p[0])

        began = time.monotonic()
        sent = 0
        for at, ev in plan:
            if not in_process and not dry_run:
                time.sleep(max(0.0, at - (time.monotonic() - began)))
            # Times are stamped when sent, from the simulated durations.
            body = {
                **ev.body,
                "at": (timezone.now() + timedelta(seconds=ev.body.pop("_offset", 0))).isoformat(),
            }
            send(body)
            sent += 1
        if opts["twilio"] and not dry_run:
            sent += self._twilio_texts(send, rng)
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} events for {count} calls."))

    # --- Twilio ---------------------------------------------------------------------

    def _twilio_integration(self) -> Integration:
        integration, created = Integration.objects.get_or_create(
            slug="twilio-simulated",
            defaults={
                "name": "Twilio (simulated)",
                "provider": Provider.TWILIO,
                "forward_numbers": ["+15125550111"],
                "text_back_enabled": True,
            },
        )
        if created or not integration.twilio_auth_token:
            integration.set_secret("twilio_account_sid", "AC" + secrets.token_hex(16))
            integration.set_secret("twilio_auth_token", secrets.token_hex(16))
            integration.save()
        return integration

    def _twilio_sender(self, url: str, *, in_process: bool, dry_run: bool) -> Any:
        """Turn each event into what Twilio would send: the voice webhook, the
        CSR's bubble click, the final status and the recording callback."""
        integration = self._twilio_integration()
        token, account = integration.twilio_auth_token, integration.twilio_account_sid
        base = "http://testserver" if in_process else (settings.LEADLINE_PUBLIC_BASE_URL or url.rstrip("/"))
        root = f"/api/v1/telephony/twilio/{integration.pk}"
        client = Client() if in_process else None
        self.twilio_callers: list[tuple[str, str]] = []

        def post_form(path: str, params: dict[str, str]) -> tuple[int, str]:
            signature = RequestValidator(token).compute_signature(base + path, params)
            headers = {"X-Twilio-Signature": signature}
            if client is not None:
                r = client.post(path, params, headers=headers)
                return r.status_code, r.content.decode()
            request = urllib.request.Request(  # noqa: S310 (loopback http checked above)
                url.rstrip("/") + path,
                data=urlencode(params).encode(),
                headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
                    return resp.status, resp.read().decode()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read().decode()
            except urllib.error.URLError as exc:
                raise CommandError(f"Cannot reach {url}: {exc.reason}. Is `make run` up?") from None

        def send(body: dict[str, Any]) -> None:
            sid = "CA" + hashlib.md5(body["provider_call_id"].encode()).hexdigest()  # noqa: S324 (an id)
            common = {
                "CallSid": sid,
                "AccountSid": account,
                "From": body["from_number"],
                "To": body["to_number"],
                "Direction": "inbound",
                "ApiVersion": "2010-04-01",
            }
            if dry_run:
                self.stdout.write(json.dumps({"twilio": body["event"], **common}))
                return
            event = body["event"]
            if event == "ringing":
                status, text = post_form(f"{root}/voice", {**common, "CallStatus": "ringing"})
            elif event in ("accepted", "book"):
                call = Call.objects.filter(provider=integration, provider_call_id=sid).first()
                if call is None:
                    raise CommandError(f"call {sid} was not recorded")
                if event == "accepted":
                    status, text = self._post_json(
                        url, in_process, f"/calls/{call.pk}/accept", {}, self._agent_key(body["agent_id"])
                    )
                else:
                    assert self.booking is not None
                    status, text = self._post_json(
                        url,
                        in_process,
                        f"/calls/{call.pk}/book",
                        self.booking["body"],
                        self._agent_key(body["agent_id"]),
                    )
            else:
                call = Call.objects.filter(provider=integration, provider_call_id=sid).first()
                started = call.rang_at if call is not None and call.rang_at else timezone.now()
                ended = datetime.fromisoformat(body["at"])
                duration = max(0, int((ended - started).total_seconds()))
                status, text = post_form(
                    f"{root}/status",
                    {
                        **common,
                        "CallStatus": "completed",
                        "CallDuration": str(duration),
                        "Timestamp": format_datetime(ended.astimezone(UTC), usegmt=True),
                    },
                )
                if status == 200 and body.get("recording_url"):
                    status, text = post_form(
                        f"{root}/status",
                        {
                            "AccountSid": account,
                            "CallSid": sid,
                            "RecordingSid": "RE" + sid[2:],
                            "RecordingUrl": DEMO_RECORDING_URL,
                            "RecordingStatus": "completed",
                            "RecordingDuration": str(duration),
                        },
                    )
                elif not body.get("recording_url"):
                    self.twilio_callers.append((body["from_number"], body["to_number"]))
            if status != 200:
                raise CommandError(f"{event} for {sid} → {status}: {text[:300]}")
            self.stdout.write(f"{datetime.now():%H:%M:%S} twilio {event:<8} {sid}")

        self._twilio_post_form = post_form
        self._twilio_root = root
        self._twilio_account = account
        return send

    def _twilio_texts(self, send: Any, rng: random.Random) -> int:
        """Some missed callers text back; one opts out."""
        sent = 0
        replies = ["Yes please call me back", "Is anyone free this afternoon?", "My AC is out, how soon?"]
        for i, (caller, to) in enumerate(self.twilio_callers[:4]):
            body = "STOP" if i == 3 else rng.choice(replies)
            sid = "SM" + hashlib.md5(f"{caller}{to}{i}{time.time()}".encode()).hexdigest()  # noqa: S324
            status, text = self._twilio_post_form(
                f"{self._twilio_root}/sms",
                {
                    "MessageSid": sid,
                    "AccountSid": self._twilio_account,
                    "From": caller,
                    "To": to,
                    "Body": body,
                    "NumMedia": "0",
                    "SmsStatus": "received",
                    "ApiVersion": "2010-04-01",
                },
            )
            if status != 200:
                raise CommandError(f"text from {caller} → {status}: {text[:300]}")
            self.stdout.write(f"{datetime.now():%H:%M:%S} twilio text     {caller}: {body}")
            sent += 1
        return sent

    def _post_json(
        self, url: str, in_process: bool, path: str, body: dict[str, Any], bearer: str
    ) -> tuple[int, str]:
        headers = {"Authorization": f"Bearer {bearer}"}
        if in_process:
            r = Client().post(
                "/api/v1" + path, data=json.dumps(body), content_type="application/json", headers=headers
            )
            return r.status_code, r.content.decode()
        request = urllib.request.Request(  # noqa: S310 (loopback http checked above)
            url.rstrip("/") + "/api/v1" + path,
            data=json.dumps(body).encode(),
            headers={**headers, "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def _issue_key(self) -> str:
        integration, _ = Integration.objects.get_or_create(
            slug="call-simulator", defaults={"name": "Call simulator"}
        )
        _, raw = ApiKey.issue(integration=integration, name="simulate_calls")
        return raw

    def _call_events(
        self, *, rng: random.Random, call_id: str, kind: str, to: str, agent: Employee, ring: float
    ) -> list[Event]:
        caller = f"+1512{rng.randrange(200, 999)}{rng.randrange(0, 10000):04d}"
        if kind == "booked" and self.booking is not None:
            caller = self.booking["phone"]  # an existing customer calls and books
        base = {"provider_call_id": call_id, "from_number": caller, "to_number": to}
        ringing = Event(0, {**base, "event": "ringing"})
        if kind.startswith("abandoned"):
            wait = rng.randint(8, 45) if kind == "abandoned_short" else rng.randint(65, 180)
            # The real wait is compressed; the "at" says how long the caller really waited.
            return [ringing, Event(ring, {**base, "event": "ended", "_offset": wait - ring})]
        talk = {
            "excused": rng.randint(10, 50),
            "unbooked": rng.randint(70, 400),
            "booked": rng.randint(120, 600),
        }[kind]
        accepted = Event(ring, {**base, "event": "accepted", "agent_id": agent.pk})
        ended = Event(
            ring * 3,
            {
                **base,
                "event": "ended",
                "_offset": talk - ring * 2,
                "recording_url": DEMO_RECORDING_URL,
            },
        )
        if kind == "booked" and self.booking is not None:
            book = Event(ring * 2, {**base, "event": "book", "agent_id": agent.pk})
            return [ringing, accepted, book, ended]
        # Without a customer and a job type to book, a "booked" call is left for the CSR watching.
        return [ringing, accepted, ended]

    def _booking_setup(self) -> dict[str, Any] | None:
        """A customer with a phone and a location, and a job type, so a call can really be booked."""
        job_type = JobType.objects.filter(active=True, business_units__active=True).first()
        location = Location.objects.filter(customer__contacts__kind=ContactPoint.Kind.PHONE).first()
        if job_type is None or location is None:
            return None
        phone = location.customer.contacts.filter(kind=ContactPoint.Kind.PHONE).first()
        business_unit = job_type.business_units.filter(active=True).first()
        assert phone is not None and business_unit is not None
        return {
            "phone": phone.value,
            "body": {
                "customer_id": location.customer_id,
                "location_id": location.pk,
                "business_unit_id": business_unit.pk,
                "job_type_id": job_type.pk,
                "summary": "Booked during a simulated call",
            },
        }

    def _agent_key(self, agent_id: int) -> str:
        if agent_id not in self.agent_keys:
            _, self.agent_keys[agent_id] = ApiKey.issue(
                employee=Employee.objects.get(pk=agent_id), name="simulate_calls"
            )
        return self.agent_keys[agent_id]

    def _sender(self, url: str, key: str, *, in_process: bool, dry_run: bool) -> Any:
        endpoint = url.rstrip("/") + "/api/v1/calls/events"
        client = Client() if in_process else None

        def post(path: str, body: dict[str, Any], bearer: str) -> tuple[int, str]:
            if client is not None:
                r = client.post(
                    "/api/v1" + path,
                    data=json.dumps(body),
                    content_type="application/json",
                    headers={"Authorization": f"Bearer {bearer}"},
                )
                return r.status_code, r.content.decode()
            request = urllib.request.Request(  # noqa: S310 (loopback http checked above)
                url.rstrip("/") + "/api/v1" + path,
                data=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as resp:  # noqa: S310
                    return resp.status, resp.read().decode()
            except urllib.error.HTTPError as exc:
                return exc.code, exc.read().decode()
            except urllib.error.URLError as exc:
                raise CommandError(f"Cannot reach {endpoint}: {exc.reason}. Is `make run` up?") from None

        def send(body: dict[str, Any]) -> None:
            if dry_run:
                self.stdout.write(json.dumps(body))
                return
            if body["event"] == "book":
                assert self.booking is not None
                call_id = self.call_ids[body["provider_call_id"]]
                status, text = post(
                    f"/calls/{call_id}/book", self.booking["body"], self._agent_key(body["agent_id"])
                )
            else:
                status, text = post("/calls/events", body, key)
            if status != 200:
                raise CommandError(f"{body['event']} for {body['provider_call_id']} → {status}: {text}")
            call = json.loads(text)["call"]
            self.call_ids[body["provider_call_id"]] = call["id"]
            self.stdout.write(
                f"{datetime.now():%H:%M:%S} {body['event']:<8} {body['provider_call_id']} "
                f"→ {call['classification']}"
            )

        return send
