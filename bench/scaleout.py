"""Several machines: two app servers and two workers on one PostgreSQL, one of
each killed mid-run and restarted; then every write is checked in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME python bench/scaleout.py \\
        [--seconds 40] [--clients 6] [--port 8191] [--down 5] [--stale 30]

Creates and drops its own database (``test_NAME`` on that server), then starts:

- two gunicorn app servers (``deploy/gunicorn.conf.py``, ``--web-workers``
  processes × 2 threads each) on ``--port`` and ``--port``+1;
- two workers, ``manage.py db_worker --no-reload`` (as ``deploy/Procfile``);
- a webhook receiver on ``--port``+2: the integration's ``webhook_url``. It
  checks each POST's signature, records its ``X-Leadline-Delivery`` (the event
  id) and answers 200 after ``--sink-delay`` seconds (a receiver's own work,
  which also keeps a worker inside a task long enough for the kill to land
  there).

``--clients`` threads send mixed intake through both servers for ``--seconds``:
per cycle a lead (``POST /api/v1/leads``, CSR key, ``Idempotency-Key``), a
whole call (``POST /api/v1/calls/events``: ringing, accepted, ended 2 min later,
or every other call ringing then ended 90 s later unanswered, which captures an
abandoned-call lead) and a booking (``POST /api/v1/bookings``, the
integration's key) that a CSR then dismisses or converts (with an
``Idempotency-Key``), which queues a ``booking.dismissed`` /
``booking.converted`` webhook. Each request goes to the servers in turn; a
request that gets no answer (connection refused or reset) is sent again, same
body and same key, to the other server, as a load balancer's retry would.

At ``--kill-at`` of the run it SIGKILLs the second app server (gunicorn's
master and its workers: a lost machine, requests in flight included) and the
first worker (waiting up to 5 s for it to be running a webhook task, so the
kill lands inside one), and restarts both ``--down`` seconds later. A task
left running by the killed worker goes back to the queue once that worker's
heartbeat is older than ``--stale`` seconds (``LEADLINE_WORKER_STALE_SECONDS``).

When the load stops it waits for every webhook task to finish, then checks:
each write answered 2xx is in the database exactly once (leads by name, calls
by provider call id with the right classification, abandoned-call leads,
bookings by external id, conversions), each webhook event was received by the
receiver (duplicates counted per event id and explained), no request got a 5xx
or a 4xx, and no request failed to connect except to the killed server between
its kill and its restart. Prints the figures; exits 1 on any violation.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LEADLINE_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

TRACKING_NUMBER = "+15125550100"
WEBHOOK_SECRET = "scaleout-webhook-secret"
WEBHOOK_TASK = "bookings.tasks.webhook_deliver"
# Exchanges 300-999 without the N11 service codes: 9.8 million distinct numbers.
EXCHANGES = [e for e in range(300, 1000) if e % 100 != 11]


def phone(m: int) -> str:
    return f"+1512{EXCHANGES[m // 10000]}{m % 10000:04d}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


# --- the company -------------------------------------------------------------


def seed(sink_url: str) -> dict[str, Any]:
    from accounts.models import ApiKey, Employee, Integration, Role
    from catalog.models import BusinessUnit, CallReason, Campaign, JobType, TrackingNumber

    csr = Employee.objects.create(name="Scaleout CSR", role=Role.CSR)
    _, csr_key = ApiKey.issue(employee=csr)
    integration = Integration(name="Scaleout partner", slug="scaleout-partner", webhook_url=sink_url)
    integration.webhook_secret = WEBHOOK_SECRET
    integration.save()
    _, integration_key = ApiKey.issue(integration=integration)
    unit = BusinessUnit.objects.create(name="HVAC Service")
    job_type = JobType.objects.create(name="AC repair")
    job_type.business_units.add(unit)
    campaign = Campaign.objects.create(
        name="Scaleout campaign", category=Campaign.Category.PAID_SEARCH, business_unit=unit
    )
    TrackingNumber.objects.create(number=TRACKING_NUMBER, campaign=campaign)
    reason = CallReason.objects.create(name="Went with another company", dismisses=True)
    return {
        "csr": csr_key,
        "int": integration_key,
        "agent": csr.pk,
        "campaign": campaign.pk,
        "unit": unit.pk,
        "job_type": job_type.pk,
        "reason": reason.pk,
    }


# --- the webhook receiver ----------------------------------------------------


class Sink:
    """Records every webhook POST by its X-Leadline-Delivery and checks its signature."""

    def __init__(self, port: int, delay: float) -> None:
        self.deliveries: list[tuple[str, str, float]] = []
        self.bad: list[str] = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                timestamp = self.headers.get("X-Leadline-Timestamp", "")
                wanted = hmac.new(WEBHOOK_SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
                event_id = self.headers.get("X-Leadline-Delivery", "")
                with sink.lock:
                    if (
                        not hmac.compare_digest(
                            "sha256=" + wanted.hexdigest(), self.headers.get("X-Leadline-Signature", "")
                        )
                        or json.loads(body).get("id") != event_id
                    ):
                        sink.bad.append(event_id)
                    sink.deliveries.append((event_id, self.headers.get("X-Leadline-Event", ""), time.time()))
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- processes ---------------------------------------------------------------


class Proc:
    """A child in its own process group, so a SIGKILL takes its children too
    (gunicorn's master and workers: what losing the machine does)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], logs: Path) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = logs / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 15) -> str:
        text = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return "\n".join(f"  {self.name}| {line}" for line in text[-lines:])


def app_server(name: str, port: int, env: dict[str, str], logs: Path, web_workers: int) -> Proc:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    argv = [gunicorn, "config.wsgi", "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "--max-requests", "0"]
    return Proc(
        name,
        argv,
        {**env, "LEADLINE_BIND": f"127.0.0.1:{port}", "LEADLINE_WEB_WORKERS": str(web_workers)},
        logs,
    )


def worker(worker_id: str, env: dict[str, str], logs: Path) -> Proc:
    argv = [sys.executable, "manage.py", "db_worker", "--no-reload", "--worker-id", worker_id]
    return Proc(worker_id, argv, {**env, "LEADLINE_LOG_LEVEL": "INFO"}, logs)


def wait_ready(proc: Proc, port: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.process is not None and proc.process.poll() is not None:
            raise SystemExit(f"{proc.name} exited with {proc.process.returncode}:\n{proc.tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.2)
    raise SystemExit(
        f"{proc.name} did not answer /healthz on port {port} within {timeout:.0f} s:\n{proc.tail()}"
    )


# --- the clients -------------------------------------------------------------


@dataclass
class Attempt:
    kind: str
    port: int
    status: int | None  # None: no answer (refused, reset, timed out)
    error: str
    started: float
    ended: float
    replayed: bool
    retry: bool = False  # sent again after an earlier attempt got no answer


@dataclass
class Results:
    attempts: list[Attempt] = field(default_factory=list)
    # Logical writes that ended 2xx: what the database must hold once.
    leads: dict[int, int] = field(default_factory=dict)  # m -> lead id
    calls: dict[int, str] = field(default_factory=dict)  # m -> expected classification
    bookings: dict[int, int] = field(default_factory=dict)  # m -> booking id
    handled: dict[int, str] = field(default_factory=dict)  # m -> "dismissed" | "converted"
    lost: list[str] = field(default_factory=list)  # writes that never got a 2xx
    lock: threading.Lock = field(default_factory=threading.Lock)


class Client:
    def __init__(self, ports: list[int], keys: dict[str, Any], results: Results, timeout: float) -> None:
        self.ports, self.keys, self.results, self.timeout = ports, keys, results, timeout
        self.calls_at = timezone.now() - timedelta(hours=1)

    def send(
        self, kind: str, port: int, path: str, key: str, body: dict[str, Any], idem: str | None, retry: bool
    ) -> tuple[Attempt, bytes]:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
        if idem:
            headers["Idempotency-Key"] = idem
        started = time.time()
        data = b""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=self.timeout)
        try:
            conn.request("POST", path, json.dumps(body), headers)
            response = conn.getresponse()
            data = response.read()
            attempt = Attempt(
                kind, port, response.status, "", started, time.time(),
                response.getheader("Idempotent-Replayed") == "true", retry,
            )  # fmt: skip
        except (OSError, http.client.HTTPException) as exc:
            attempt = Attempt(kind, port, None, type(exc).__name__, started, time.time(), False, retry)
        finally:
            conn.close()
        with self.results.lock:
            self.results.attempts.append(attempt)
        return attempt, data

    def write(
        self, kind: str, turn: int, path: str, key: str, body: dict[str, Any], idem: str | None = None
    ) -> dict[str, Any] | None:
        """Send until a server answers below 500, moving to the other server
        after a failure; the same body and key every time, so a retry of a
        request that did commit is a replay, never a second write."""
        for n in range(12):
            attempt, data = self.send(
                kind, self.ports[(turn + n) % len(self.ports)], path, key, body, idem, n > 0
            )
            if attempt.status is not None and attempt.status < 500:
                if 200 <= attempt.status < 300:
                    return dict(json.loads(data))
                break
            time.sleep(min(0.1 * (n + 1), 1.0))
        with self.results.lock:
            self.results.lost.append(
                f"{kind} {idem or body.get('external_id') or body.get('provider_call_id')}"
            )
        return None

    def cycle(self, m: int, turn: int) -> None:
        k = self.keys
        r = self.results
        # A lead, with an Idempotency-Key.
        lead = self.write(
            "lead", turn, "/api/v1/leads", k["csr"],
            {
                "type": "marketing", "campaign_id": k["campaign"], "business_unit_id": k["unit"],
                "job_type_id": k["job_type"],
                "contact": {"name": f"Scaleout lead {m}", "phone": phone(3 * m)},
            },
            idem=f"lead-{m}",
        )  # fmt: skip
        if lead is not None:
            with r.lock:
                r.leads[m] = lead["id"]
        # A whole call: answered (unbooked) or, every other one, abandoned after 90 s.
        abandoned = m % 2 == 1
        steps = (
            [("ringing", 0), ("ended", 90)]
            if abandoned
            else [("ringing", 0), ("accepted", 5), ("ended", 125)]
        )
        answered = 0
        for n, (event, seconds) in enumerate(steps):
            body: dict[str, Any] = {
                "provider_call_id": f"so-{m}",
                "event": event,
                "at": (self.calls_at + timedelta(seconds=seconds)).isoformat(),
                "from_number": phone(3 * m + 1),
                "to_number": TRACKING_NUMBER,
            }
            if event == "accepted":
                body["agent_id"] = k["agent"]
            if self.write(f"call:{event}", turn + n + 1, "/api/v1/calls/events", k["int"], body):
                answered += 1
        if answered == len(steps):
            with r.lock:
                r.calls[m] = "abandoned" if abandoned else "unbooked"
        # A booking from the partner, then a CSR's answer (which queues a webhook).
        booking = self.write(
            "booking", turn + 1, "/api/v1/bookings", k["int"],
            {
                "external_id": f"bk-{m}", "channel": "online", "campaign_id": k["campaign"],
                "business_unit_id": k["unit"], "job_type_id": k["job_type"], "summary": "AC not cooling",
                "contact": {
                    "name": f"Booker {m}", "phone": phone(3 * m + 2), "email": f"booker{m}@example.com",
                },
                "attribution": {"utm_source": "google", "gclid": f"g{m}"},
            },
        )  # fmt: skip
        if booking is None:
            return
        with r.lock:
            r.bookings[m] = booking["id"]
        action = "dismissed" if m % 2 == 0 else "converted"
        path = f"/api/v1/bookings/{booking['id']}/{'dismiss' if action == 'dismissed' else 'convert'}"
        body = {"reason_id": k["reason"], "note": "load"} if action == "dismissed" else {}
        if self.write(f"booking:{action[:-1]}", turn, path, k["csr"], body, idem=f"{action}-{m}") is not None:
            with r.lock:
                r.handled[m] = action

    def run(self, index: int, until: float) -> None:
        i = 0
        while time.time() < until:
            self.cycle(index * 300_000 + i, index + i)
            i += 1


# --- the run -----------------------------------------------------------------


@dataclass
class Kill:
    server: str = ""
    port: int = 0
    at: float = 0.0
    back: float = 0.0
    worker: str = ""
    worker_task: str = ""
    worker_at: float = 0.0


def running_task_of(worker_id: str) -> str:
    from django_tasks_db.models import DBTaskResult

    for task in DBTaskResult.objects.filter(status="RUNNING", task_path=WEBHOOK_TASK).only(
        "id", "worker_ids"
    ):
        if task.worker_ids and task.worker_ids[-1] == worker_id:
            return str(task.id)
    return ""


def drain(timeout: float) -> float:
    """Seconds until no webhook task is ready or running (or the timeout)."""
    from django_tasks_db.models import DBTaskResult

    started = time.time()
    while time.time() - started < timeout:
        if not DBTaskResult.objects.filter(task_path=WEBHOOK_TASK, status__in=["READY", "RUNNING"]).exists():
            return time.time() - started
        time.sleep(0.5)
    return time.time() - started


def check(results: Results, sink: Sink, kill: Kill, t0: float) -> tuple[list[str], list[str]]:
    """What the database and the receiver hold against what the clients were
    told; returns (figures, violations)."""
    from django_tasks_db.models import DBTaskResult

    from bookings.models import Booking, WebhookDelivery
    from calls.models import Call
    from leads.models import Lead

    out: list[str] = []
    bad: list[str] = []

    def expect(ok: bool, what: str) -> None:
        if not ok:
            bad.append(what)

    # Leads: one row per name, and it is the row the client was given.
    rows = Lead.objects.filter(name__startswith="Scaleout lead ").values_list("name", "id")
    by_name: dict[str, list[int]] = {}
    for name, pk in rows:
        by_name.setdefault(name, []).append(pk)
    once = 0
    for m, pk in results.leads.items():
        ids = by_name.get(f"Scaleout lead {m}", [])
        once += ids == [pk]
        expect(ids == [pk], f"lead {m}: answered id {pk}, stored {ids}")
    dup_leads = sum(1 for ids in by_name.values() if len(ids) > 1)
    out.append(f"leads: {len(results.leads)} answered 2xx, {once} stored once, "
               f"{dup_leads} duplicated, {len(by_name)} rows in all")  # fmt: skip
    expect(dup_leads == 0, f"{dup_leads} leads stored more than once")

    # Calls: one row per provider call id, classified as its events say; each
    # abandoned call (over 60 s) captured one abandoned-call lead.
    calls = {
        c["provider_call_id"]: c
        for c in Call.objects.filter(provider_call_id__startswith="so-").values(
            "provider_call_id", "classification", "lead_id", "from_number"
        )
    }
    call_count = Counter(
        Call.objects.filter(provider_call_id__startswith="so-").values_list("provider_call_id", flat=True)
    )
    abandoned_leads = Counter(
        Lead.objects.filter(
            type="abandoned_call", phone__in=[c["from_number"] for c in calls.values()]
        ).values_list("phone", flat=True)
    )
    wrong = 0
    for m, classification in results.calls.items():
        call = calls.get(f"so-{m}")
        expect(call_count[f"so-{m}"] == 1, f"call so-{m} stored {call_count[f'so-{m}']} times")
        if call is None or call["classification"] != classification:
            wrong += 1
            expect(False, f"call so-{m}: expected {classification}, got {call and call['classification']}")
        elif classification == "abandoned":
            expect(
                call["lead_id"] is not None and abandoned_leads[call["from_number"]] == 1,
                f"call so-{m}: {abandoned_leads[call['from_number']]} abandoned-call leads",
            )
    n_abandoned = sum(1 for c in results.calls.values() if c == "abandoned")
    out.append(
        f"calls: {len(results.calls)} whole calls answered 2xx, {len(calls)} rows, {wrong} misclassified; "
        f"{n_abandoned} abandoned, {sum(abandoned_leads.values())} abandoned-call leads"
    )

    # Bookings: one per external id, in the state the CSR left it; a converted one has its lead.
    bookings = Counter(
        Booking.objects.filter(external_id__startswith="bk-").values_list("external_id", flat=True)
    )
    status = dict(Booking.objects.filter(external_id__startswith="bk-").values_list("id", "status"))
    converted_leads = Counter(
        Lead.objects.filter(booking_id__in=list(results.bookings.values())).values_list(
            "booking_id", flat=True
        )
    )
    for m, pk in results.bookings.items():
        expect(bookings[f"bk-{m}"] == 1, f"booking bk-{m} stored {bookings[f'bk-{m}']} times")
        if m in results.handled:
            expect(
                status.get(pk) == results.handled[m],
                f"booking {pk}: {status.get(pk)}, expected {results.handled[m]}",
            )
            if results.handled[m] == "converted":
                expect(converted_leads[pk] == 1, f"booking {pk}: {converted_leads[pk]} leads")
    out.append(
        f"bookings: {len(results.bookings)} answered 2xx, {sum(bookings.values())} rows; "
        f"{sum(1 for a in results.handled.values() if a == 'dismissed')} dismissed, "
        f"{sum(1 for a in results.handled.values() if a == 'converted')} converted "
        f"({sum(converted_leads.values())} leads)"
    )

    # Webhooks: one event per handled booking, every event received.
    events: dict[str, dict[str, Any]] = {}
    for d in WebhookDelivery.objects.values(
        "id", "event_id", "event", "status", "payload", "attempt", "created_at"
    ):
        e = events.setdefault(str(d["event_id"]), {"booking": d["payload"]["booking"]["id"], "rows": []})
        e["rows"].append(d)
    per_booking = Counter(e["booking"] for e in events.values())
    for m, action in results.handled.items():
        pk = results.bookings[m]
        expect(per_booking[pk] == 1, f"booking {pk} ({action}): {per_booking[pk]} webhook events")
    tasks: dict[int, list[str]] = {}
    task_status: Counter[str] = Counter()
    for t in DBTaskResult.objects.filter(task_path=WEBHOOK_TASK).values(
        "args_kwargs", "worker_ids", "status"
    ):
        tasks[t["args_kwargs"]["args"][0]] = t["worker_ids"]
        task_status[t["status"]] += 1
    received = Counter(event_id for event_id, _, _ in sink.deliveries)
    missing = [e for e in events if received[e] == 0]
    unknown = [e for e in received if e not in events]
    duplicated = {e: n for e, n in received.items() if n > 1}
    handed_back = []
    for event_id in duplicated:
        ran_by = [w for row in events.get(event_id, {}).get("rows", []) for w in tasks.get(row["id"], [])]
        # At-least-once: the killed worker's task, handed back, posts again (the
        # receiver de-duplicates on X-Leadline-Delivery). Anything else is a bug.
        if kill.worker in ran_by and len(ran_by) > 1:
            handed_back.append(event_id)
        else:
            expect(False, f"event {event_id} received {duplicated[event_id]} times, run by {ran_by}")
    undelivered = [e for e, v in events.items() if not any(r["status"] == "delivered" for r in v["rows"])]
    expect(not missing, f"{len(missing)} webhook events never received: {missing[:5]}")
    expect(not unknown, f"{len(unknown)} webhook posts for events not in the database")
    expect(not sink.bad, f"{len(sink.bad)} webhook posts with a bad signature or id")
    expect(not undelivered, f"{len(undelivered)} webhook events not marked delivered")
    expect(task_status["FAILED"] == 0, f"{task_status['FAILED']} webhook tasks failed")
    retries = sum(1 for v in events.values() for r in v["rows"] if r["attempt"] > 1)
    out.append(
        f"webhooks: {len(events)} events, {sum(received.values())} posts received, "
        f"{len(received) - len(duplicated)} once, {len(duplicated)} twice or more "
        f"({len(handed_back)} handed back from the killed worker), {len(missing)} missing; "
        f"{retries} retry rows; tasks {dict(task_status)}"
    )
    first_seen: dict[str, float] = {}
    for event_id, _, at in sink.deliveries:
        first_seen.setdefault(event_id, at)
    waits = sorted(
        first_seen[e] - min(r["created_at"] for r in v["rows"]).timestamp()
        for e, v in events.items()
        if e in first_seen
    )
    if waits:
        out.append(
            f"  queued → received: median {waits[len(waits) // 2]:.2f} s, "
            f"p95 {waits[min(len(waits) - 1, round(0.95 * (len(waits) - 1)))]:.2f} s, max {waits[-1]:.1f} s"
        )
    if kill.worker_task:
        out.append(f"  the killed worker was running task {kill.worker_task} when killed")

    # HTTP: no 5xx, no 4xx; no unanswered request but the killed server's, between its kill and its return.
    for a in results.attempts:
        if a.status is None:
            in_window = a.port == kill.port and a.ended >= kill.at and a.started <= kill.back
            expect(
                in_window,
                f"{a.kind} to :{a.port} at {a.started - t0:.1f} s: {a.error} (not the killed server's)",
            )
        elif a.status >= 400:
            expect(False, f"{a.kind} to :{a.port} at {a.started - t0:.1f} s: HTTP {a.status}")
    expect(not results.lost, f"{len(results.lost)} writes never answered 2xx: {results.lost[:5]}")
    return out, bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--seconds", type=float, default=40, help="seconds of load (default 40)")
    parser.add_argument("--clients", type=int, default=6, help="client threads (default 6)")
    parser.add_argument(
        "--port",
        type=int,
        default=8191,
        help="app servers on PORT and PORT+1, receiver on PORT+2; 0: free ports",
    )
    parser.add_argument(
        "--web-workers", type=int, default=2, help="gunicorn processes per app server (default 2)"
    )
    parser.add_argument("--kill-at", type=float, default=0.4, help="when to kill, as a fraction of --seconds")
    parser.add_argument("--down", type=float, default=5, help="seconds the killed ones stay down (default 5)")
    parser.add_argument("--stale", type=int, default=30, help="LEADLINE_WORKER_STALE_SECONDS (default 30)")
    parser.add_argument("--sink-delay", type=float, default=0.2, help="the receiver's seconds per webhook")
    parser.add_argument("--timeout", type=float, default=60, help="client timeout per request, seconds")
    parser.add_argument(
        "--drain-timeout", type=float, default=180, help="seconds to wait for the webhook tasks"
    )
    parser.add_argument(
        "--pooler",
        metavar="HOST:PORT",
        help="app servers and workers connect through this pooler in transaction mode (PgBouncer),\n"
        "with LEADLINE_DB_TRANSACTION_POOLING=true; the script itself connects directly",
    )
    parser.add_argument(
        "--keep-logs", action="store_true", help="print where the process logs are and keep them"
    )
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("bench/scaleout.py runs several servers on one PostgreSQL: set DATABASE_URL=postgres://…")

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    logs = Path(tempfile.mkdtemp(prefix="leadline-scaleout-"))
    procs: list[Proc] = []
    ports = [args.port, args.port + 1, args.port + 2] if args.port else [free_port() for _ in range(3)]
    sink = Sink(ports.pop(), args.sink_delay)
    try:
        keys = seed(f"http://127.0.0.1:{sink.server.server_address[1]}/hook")
        url = database_url()
        if args.pooler:
            url = re.sub(r"@[^/]+/", f"@{args.pooler}/", url)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LEADLINE_DB_TRANSACTION_POOLING": "true" if args.pooler else "false",
            "LEADLINE_LOG_LEVEL": "WARNING",
            "LEADLINE_WORKER_STALE_SECONDS": str(args.stale),
            "PYTHONUNBUFFERED": "1",
        }
        servers = [app_server(f"web-{p}", p, env, logs, args.web_workers) for p in ports]
        workers = [worker("scaleout-w1", env, logs), worker("scaleout-w2", env, logs)]
        procs += servers + workers
        for proc in procs:
            proc.start()
        for proc, port in zip(servers, ports, strict=True):
            wait_ready(proc, port)

        results = Results()
        t0 = time.time()
        until = t0 + args.seconds
        clients = [Client(ports, keys, results, args.timeout) for _ in range(args.clients)]
        threads = [
            threading.Thread(target=c.run, args=(i, until), name=f"client-{i}", daemon=True)
            for i, c in enumerate(clients)
        ]
        for t in threads:
            t.start()

        # Mid-run: lose the second app server and the first worker (inside a task if it gets one within 5 s).
        kill = Kill(server=servers[1].name, port=ports[1], worker=workers[0].name)
        time.sleep(max(0.0, t0 + args.seconds * args.kill_at - time.time()))
        kill.at = time.time()
        servers[1].kill()
        deadline = time.time() + 5
        while time.time() < deadline and not (task := running_task_of(workers[0].name)):
            time.sleep(0.02)
        kill.worker_task = task
        kill.worker_at = time.time()
        workers[0].kill()
        time.sleep(args.down)
        restarted = worker("scaleout-w1-restarted", env, logs)
        procs.append(restarted)
        restarted.start()
        restarting = time.time()
        servers[1].start()
        wait_ready(servers[1], ports[1])
        kill.back = time.time()

        for t in threads:
            t.join()
        stopped = time.time()
        drained = drain(args.drain_timeout)
        time.sleep(args.sink_delay + 0.5)  # a last post in flight lands

        figures, violations = check(results, sink, kill, t0)
        attempts = results.attempts
        load = os.getloadavg()[0]
        print(
            f"Scale-out: 2 app servers (gunicorn, {args.web_workers} processes × "
            f"{os.environ.get('LEADLINE_WEB_THREADS', '2')} threads each) and 2 workers on one PostgreSQL "
            f"({connection.settings_dict['NAME']}"
            f"{', through the pooler at ' + args.pooler if args.pooler else ''}), "
            f"{args.clients} clients for {args.seconds:.0f} s; "
            f"load average {load:.1f} on {os.cpu_count()} CPUs"
        )
        answered = [a for a in attempts if a.status is not None]
        print(
            f"requests: {len(attempts)} sent ({len(attempts) / (stopped - t0):.1f}/s), "
            f"by status {dict(sorted(Counter(str(a.status or 'no answer') for a in attempts).items()))}; "
            f"replayed (Idempotent-Replayed) {sum(a.replayed for a in answered)}"
        )
        retries = [a for a in answered if a.retry]
        print(
            f"sent again after no answer: {sum(a.retry for a in attempts)}, answered {len(retries)}: "
            f"{sum(a.replayed for a in retries)} replays of a committed write (Idempotent-Replayed), "
            f"{sum(a.kind == 'booking' and a.status == 200 for a in retries)} bookings already there (200), "
            f"{sum(a.kind.startswith('call') for a in retries)} call events (idempotent by call id and event)"
        )
        for port, proc in zip(ports, servers, strict=True):
            mine = [a for a in attempts if a.port == port]
            by = Counter(str(a.status) if a.status is not None else "no answer" for a in mine)
            print(f"  {proc.name}: {len(mine)} requests, {dict(sorted(by.items()))}")
        in_flight = sum(1 for a in attempts if a.port == kill.port and a.started < kill.at <= a.ended)
        print(
            f"killed {kill.server} (SIGKILL to gunicorn and its workers) at {kill.at - t0:.1f} s with "
            f"{in_flight} requests in flight; restarted at {restarting - t0:.1f} s, answering at "
            f"{kill.back - t0:.1f} s"
        )
        print(
            f"killed {kill.worker} at {kill.worker_at - t0:.1f} s "
            f"({'inside webhook task ' + kill.worker_task if kill.worker_task else 'between tasks'}); "
            f"scaleout-w1-restarted started at {restarting - t0:.1f} s"
        )
        for line in figures:
            print(line)
        print(f"queue drained {drained:.1f} s after the load stopped (stale after {args.stale} s)")
        if violations:
            print(f"VIOLATIONS ({len(violations)}):")
            for v in violations[:40]:
                print(f"  {v}")
            for proc in procs:
                print(proc.tail())
            return 1
        print("violations: none")
        return 0
    finally:
        for proc in procs:
            proc.stop()
        sink.stop()
        if args.keep_logs:
            print(f"process logs: {logs}")
        else:
            for log in logs.iterdir():
                log.unlink()
            logs.rmdir()
        # A pooler keeps its server connections to the database open; DROP DATABASE would refuse.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
