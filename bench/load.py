"""Intake under load: Leadline served by its production server (gunicorn, the
settings of deploy/gunicorn.conf.py, 2 workers) next to a bare one-INSERT
Django view served the same way, with ``wrk`` alternating between them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME python bench/load.py \\
        [--duration 10] [--rounds 2] [--soak 600] [--port 8181]

Creates and drops its own database (``test_NAME`` on that server) and starts
and stops both servers on ``--port`` and ``--port``+1, with production settings
(``LEADLINE_DEBUG=false``, as deploy/production.env.example). For each row —
the framework's floor (Ninja, key auth and one INSERT, served beside the bare
view), ``POST /api/v1/leads`` (CSR key), ``POST /api/v1/calls/events`` (a
whole call: ringing, accepted, ended, in order on each connection) and ``POST
/api/v1/bookings`` (an integration's key) — and each concurrency (2 and 16
connections, one wrk thread each), it runs the bare view then the row for
``--duration`` seconds, ``--rounds`` times (the order swapped each round, so
a change in the machine's load weighs on both alike), and prints the median
requests per second and p99 latency of each and their ratios, the CPU time
the server's workers spent per request, the CPU this machine's PostgreSQL
spent per request (``db ms/req``; 0 when the database runs elsewhere), and
the CPU the whole machine spent per request (workers, PostgreSQL, wrk:
``/proc/stat``) with the bare view's ÷ the row's, which is the req/s ratio a
CPU-bound machine allows and moves less than req/s when the machine's speed
drifts. Every run must create one row
per request sent (a call per three events): a script whose numbers repeated
would measure re-sends and matches instead. Then it runs a mixed load (a
lead, a whole call, a booking per cycle on each of 16 connections) for
``--soak`` seconds (default 600; shorten for a quick run, 0 skips it) and prints the
resident memory of each worker, with ``max_requests`` off so that growth
shows instead of being recycled away, and each worker's full garbage
collections (how many, the longest pause: a worker serves nothing while one
runs), counted by a hook the benchmark adds to the deployed gunicorn
settings. ``--only ROW`` runs some rows.

Before each run the database is analysed (``ANALYZE``), as autovacuum does on
a running server: a server with autovacuum off (CI's) would otherwise keep
prepared statements' plans made on the empty tables of the first seconds.

Needs ``wrk`` (Debian: ``apt-get install wrk``). Per-request logging is at
WARNING (``LEADLINE_LOG_LEVEL``), the same for both servers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LEADLINE_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

TRACKING_NUMBER = "+15125550100"
# Each wrk run numbers its requests from its own base, each connection from
# its own block of PER_THREAD (at most 16 connections): ids, external ids and
# phone numbers never repeat within a benchmark, which holds one database.
PER_THREAD = 200_000
PER_RUN = 17 * PER_THREAD
PHONES = 32 * 8_000_000

LUA_COMMON = r"""
-- Each wrk thread has its own Lua state: counter is per connection, and tid
-- (set by setup) is a global of that state. A chunk-level "local tid" would
-- shadow it, give every connection the same numbers, and turn most bookings
-- into re-sends and most leads into matches of each other.
local counter = 0
local threads = {}
PER_THREAD = @PER_THREAD@
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  base = tonumber(args[1])
  campaign = args[2]
  agent = args[3]
  key_csr = args[4]
  key_int = args[5]
end
-- A number per i, never the same for two i below 32 x 8,000,000: run k's
-- numbers start at k x PER_RUN and thread t's at t x PER_THREAD within it.
local areas = {512, 737, 210, 726, 214, 469, 972, 945, 713, 281, 832, 346, 817, 682, 915, 806,
  254, 361, 409, 432, 830, 903, 936, 940, 956, 979, 325, 430, 321, 305, 404, 617}
local function phone(i)
  local area = areas[1 + math.floor(i / 8000000) % #areas]
  return string.format("+1%d%03d%04d", area, 200 + math.floor(i / 10000) % 800, i % 10000)
end
local function post(path, key, body)
  return wrk.format("POST", path, {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. key}, body)
end
local function n()
  if counter >= PER_THREAD then error("more requests on one connection than PER_THREAD") end
  return base + tid * PER_THREAD + counter
end
local function lead()
  local i = n()
  return post("/api/v1/leads", key_csr, string.format(
    '{"type":"marketing","campaign_id":%s,"contact":{"name":"Caller %d","phone":"%s"}}',
    campaign, i, phone(i)))
end
local events = {"ringing", "accepted", "ended"}
local times = {"2026-03-02T15:00:00+00:00", "2026-03-02T15:00:05+00:00", "2026-03-02T15:02:05+00:00"}
local function call_event(step, i)
  local extra = ""
  if step == 2 then extra = ',"agent_id":' .. agent end
  return post("/api/v1/calls/events", key_int, string.format(
    '{"provider_call_id":"load-%d","event":"%s","at":"%s","from_number":"%s","to_number":"%s"%s}',
    i, events[step], times[step], phone(i), "+15125550100", extra))
end
local function booking()
  local i = n()
  return post("/api/v1/bookings", key_int, string.format(
    '{"external_id":"load-%d","channel":"online","contact":{"name":"Booker %d","phone":"%s",' ..
    '"email":"booker%d@example.com","city":"Austin"},"summary":"AC not cooling",' ..
    '"requested_window":"morning","attribution":{"utm_source":"google","gclid":"g%d"}}',
    i, i, phone(i), i, i))
end
local function floor()
  return post("/bench/floor", key_csr, string.format('{"name":"Floor %d"}', n()))
end
local function bare()
  return wrk.format("POST", "/bench/bare", {["Content-Type"] = "application/json"},
    string.format('{"name":"Bare %d"}', n()))
end
"""

LUA_REQUEST = {
    "bare": "request = function() counter = counter + 1; return bare() end",
    "floor": "request = function() counter = counter + 1; return floor() end",
    "leads": "request = function() counter = counter + 1; return lead() end",
    "bookings": "request = function() counter = counter + 1; return booking() end",
    # One connection per thread, so a call's three events arrive in order.
    "calls": "request = function() counter = counter + 1; "
    "return call_event(1 + (counter - 1) % 3, base + tid * PER_THREAD + math.floor((counter - 1) / 3)) end",
    # A lead, a whole call and a booking per cycle of five requests.
    "mixed": "request = function() counter = counter + 1; local k = (counter - 1) % 5; "
    "if k == 0 then return lead() elseif k == 4 then return booking() else "
    "return call_event(k, base + tid * PER_THREAD + math.floor((counter - 1) / 5)) end end",
}

ROWS = [
    # The framework's floor (Ninja, key auth, one INSERT), served beside the bare view.
    ("floor", "Ninja + key auth + 1 INSERT"),
    ("leads", "POST /api/v1/leads"),
    ("calls", "POST /calls/events (3 per call)"),
    ("bookings", "POST /bookings"),
]


def seed() -> dict[str, str]:
    from accounts.models import ApiKey, Employee, Integration, Role
    from catalog.models import Campaign, TrackingNumber

    csr = Employee.objects.create(name="Load CSR", role=Role.CSR)
    _, csr_key = ApiKey.issue(employee=csr)
    integration = Integration.objects.create(name="Load partner", slug="load-partner")
    _, integration_key = ApiKey.issue(integration=integration)
    campaign = Campaign.objects.create(name="Load campaign", category=Campaign.Category.PAID_SEARCH)
    TrackingNumber.objects.create(number=TRACKING_NUMBER, campaign=campaign)
    return {"campaign": str(campaign.pk), "agent": str(csr.pk), "csr": csr_key, "int": integration_key}


def created() -> dict[str, int]:
    """Rows of each kind so far: every request of a row must create its own."""
    from bookings.models import Booking
    from calls.models import Call
    from customers.models import Customer
    from leads.models import Lead

    counts = {
        "leads": Lead.objects.count(),
        "calls": Call.objects.count(),
        "bookings": Booking.objects.count(),
        "bare": Customer.objects.count(),
        "floor": Customer.objects.count(),
    }
    connection.close()
    return counts


# Requests per row created, by script.
PER_ROW = {"leads": 1, "calls": 3, "bookings": 1, "bare": 1, "floor": 1}


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


# deploy/gunicorn.conf.py as it is, and in each worker a note of every full
# garbage collection (how many, and the longest pause) in a file per worker.
GC_CONF = """
import gc, json, os, runpy, time
globals().update({k: v for k, v in runpy.run_path(@DEPLOY@).items() if not k.startswith("__")})
_deployed = globals().get("post_worker_init")


def post_worker_init(worker):
    if _deployed is not None:
        _deployed(worker)
    seen = {"full": 0, "longest_ms": 0.0}
    began = [0.0]
    path = os.path.join(@DIR@, f"gc-{os.getpid()}.json")

    def note(phase, info):
        if info["generation"] != 2:
            return
        if phase == "start":
            began[0] = time.perf_counter()
            return
        took = (time.perf_counter() - began[0]) * 1000
        seen["full"] += 1
        seen["longest_ms"] = max(seen["longest_ms"], took)
        with open(path, "w") as f:
            json.dump(seen, f)

    gc.callbacks.append(note)
"""


class Server:
    def __init__(self, name: str, port: int, settings_module: str, env: dict[str, str]) -> None:
        self.name, self.port = name, port
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                # Something else would answer wrk (another run's server): refuse to measure it.
                raise SystemExit(f"port {port} is already in use: pick another --port")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.gc_dir = Path(tempfile.mkdtemp(prefix=f"leadline-gc-{name}-"))
        conf = self.gc_dir / "gunicorn.conf.py"
        conf.write_text(
            GC_CONF.replace("@DEPLOY@", repr(str(ROOT / "deploy" / "gunicorn.conf.py"))).replace(
                "@DIR@", repr(str(self.gc_dir))
            )
        )
        self.process = subprocess.Popen(
            [
                str(gunicorn), "config.wsgi", "-c", str(conf),
                "--pythonpath", str(BENCH), "--max-requests", "0",
            ],
            cwd=ROOT,
            env={
                **env,
                "DJANGO_SETTINGS_MODULE": settings_module,
                "LEADLINE_BIND": f"127.0.0.1:{port}",
                "LEADLINE_WEB_WORKERS": "2",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/bench/none", timeout=2)
            except urllib.error.HTTPError:
                return  # any HTTP answer: it is up
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{name} did not start on port {port}")

    def workers(self) -> list[int]:
        out = subprocess.run(
            ["ps", "--ppid", str(self.process.pid), "-o", "pid="], capture_output=True, text=True
        )
        return [int(p) for p in out.stdout.split()]

    def cpu_seconds(self) -> float:
        """User and system CPU its workers have used so far."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        return total

    def collections(self) -> str:
        """Each worker's full garbage collections so far: how many, and the longest pause."""
        seen = []
        for pid in self.workers():
            path = self.gc_dir / f"gc-{pid}.json"
            got = json.loads(path.read_text()) if path.exists() else {"full": 0, "longest_ms": 0.0}
            seen.append(f"{got['full']} (longest {got['longest_ms']:.0f} ms)")
        return ", ".join(seen)

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=60)
        shutil.rmtree(self.gc_dir, ignore_errors=True)


def machine_busy() -> float:
    """Seconds of CPU this machine has spent on anything but idling, waiting for
    I/O or being stolen by its hypervisor (``/proc/stat``): the workers, PostgreSQL,
    wrk and whatever else runs. Per request, its ratio to the bare view's is the
    throughput ratio a CPU-bound machine allows, steadier than req/s when the
    machine's speed drifts between runs."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, *_rest = (int(x) for x in fields)
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> dict[int, float]:
    """User and system CPU seconds of each of this machine's PostgreSQL processes
    (backends and the server's own) so far, by pid; none when PostgreSQL runs
    elsewhere. With persistent connections the workers' backends live through
    a run, so their growth across it is what the database spent on it."""
    tick = os.sysconf("SC_CLK_TCK")
    seen: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            head, tail = stat.read_text().rsplit(")", 1)
        except OSError:  # gone since the listing
            continue
        if head.endswith("(postgres"):
            fields = tail.split()
            seen[int(stat.parent.name)] = (int(fields[11]) + int(fields[12])) / tick
    return seen


def postgres_spent(before: dict[int, float]) -> float:
    """CPU seconds PostgreSQL spent since ``before``: the growth of every process
    alive now (a process that has exited since, as the backend of the ANALYZE
    before a run, takes what it had with it and is left out)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in postgres_cpu().items())


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wrk(script: Path, port: int, connections: int, seconds: int, args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
            "-s", str(script), f"http://127.0.0.1:{port}", "--", *args,
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    assert p99, out
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*", out)
    return {
        "rps": rate,
        "requests": float(done),
        "p99": float(p99.group(1)) * unit,
        "non2xx": float(bad.group(1)) if bad else 0.0,
        "socket_errors": 1.0 if errors else 0.0,
    }


def analyze() -> None:
    """What autovacuum does on a running server, done before each run so every
    run sees it: statistics of the tables as they now are. Prepared statements'
    cached plans are made again with them. Without statistics (a new database
    on a server with autovacuum off, as CI's) a generic plan made on a near-empty
    table is a guess — for a unique lookup, an index that matches its first
    column only — kept for good, and that walks more rows with each request."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()


def autovacuum() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        (value,) = cursor.fetchone() or ("?",)
    connection.close()
    return str(value)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="bare/Leadline pairs per row")
    parser.add_argument("--concurrency", type=int, action="append", help="default: 2 and 16")
    parser.add_argument("--soak", type=int, default=600, help="seconds of mixed load before reading RSS")
    parser.add_argument("--port", type=int, default=8181, help="Leadline's port; the bare view's is +1")
    parser.add_argument(
        "--only", action="append", choices=[r for r, _ in ROWS], help="run only these rows (repeatable)"
    )
    args = parser.parse_args(argv)
    if connection.vendor != "postgresql":
        sys.exit("bench/load.py serves from PostgreSQL: set DATABASE_URL=postgres://…")
    if not shutil.which("wrk"):
        sys.exit("bench/load.py needs wrk (Debian: apt-get install wrk)")
    concurrency = args.concurrency or [2, 16]

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    tmp = tempfile.TemporaryDirectory(prefix="leadline-load-")
    servers: list[Server] = []
    try:
        keys = seed()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "LEADLINE_LOG_LEVEL": "WARNING",
            # Production settings (deploy/production.env.example): with DEBUG on,
            # Django keeps and formats every statement it sends, which cost a
            # ten-statement request far more than the bare view's one.
            "LEADLINE_DEBUG": "false",
            "LEADLINE_SECRET_KEY": secrets.token_urlsafe(50),
        }
        connection.close()
        scripts = {}
        for name, body in LUA_REQUEST.items():
            scripts[name] = Path(tmp.name) / f"{name}.lua"
            scripts[name].write_text(LUA_COMMON.replace("@PER_THREAD@", str(PER_THREAD)) + body + "\n")
        leadline = Server("leadline", args.port, "config.settings", env)
        servers.append(leadline)
        bare = Server("bare", args.port + 1, "load_settings", env)
        servers.append(bare)
        base = [0]

        def run(script: str, port: int, c: int, seconds: int) -> dict[str, float]:
            base[0] += PER_RUN
            if base[0] + PER_RUN > PHONES:
                sys.exit("too many runs for distinct phone numbers: fewer --rounds or rows")
            wrk_args = [str(base[0]), keys["campaign"], keys["agent"], keys["csr"], keys["int"]]
            server = leadline if port == leadline.port else bare
            analyze()
            cpu, rows, busy, db = server.cpu_seconds(), created(), machine_busy(), postgres_cpu()
            result = wrk(scripts[script], port, c, seconds, wrk_args)
            result["cpu_ms"] = (server.cpu_seconds() - cpu) * 1000 / max(result["requests"], 1)
            result["all_ms"] = (machine_busy() - busy) * 1000 / max(result["requests"], 1)
            result["db_ms"] = postgres_spent(db) * 1000 / max(result["requests"], 1)
            if result["non2xx"]:
                raise SystemExit(f"{script} on port {port}: {int(result['non2xx'])} non-2xx answers")
            if script in PER_ROW:
                # A request wrk gave up on at the end may still have been served,
                # and each connection may have a call begun but not ended.
                time.sleep(0.5)
                made = created()[script] - rows[script]
                sent = result["requests"] / PER_ROW[script]
                if not sent - 2 * c <= made <= sent + 2 * c:
                    raise SystemExit(
                        f"{script}: {made} rows created for {sent:.0f} sent: the script's numbers repeat"
                    )
            return result

        # Warm both servers (imports, connections, caches) before timing anything.
        run("mixed", leadline.port, 2, 3)
        run("bare", bare.port, 2, 3)
        print(
            f"Leadline under load: gunicorn (deploy/gunicorn.conf.py, 2 workers × "
            f"{os.environ.get('LEADLINE_WEB_THREADS', '2')} threads), PostgreSQL, wrk on loopback; "
            f"{args.rounds} × {args.duration} s per figure (median), load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; ANALYZE before each run "
            f"(this server's autovacuum: {autovacuum()})"
        )
        print(
            f"{'row':<34} {'c':>3} {'req/s':>8} {'bare':>8} {'ratio':>6} "
            f"{'p99 ms':>8} {'bare':>8} {'ratio':>6} {'cpu ms/req':>10} {'bare':>6} "
            f"{'db ms/req':>9} {'bare':>6} "
            f"{'all ms/req':>10} {'bare':>6} {'ratio':>6}"
        )
        for c in concurrency:
            for row, label in [r for r in ROWS if not args.only or r[0] in args.only]:
                mine: list[dict[str, float]] = []
                bar: list[dict[str, float]] = []
                for r in range(args.rounds):
                    served_by = bare.port if row == "floor" else leadline.port
                    pair = [("bare", bare.port, bar), (row, served_by, mine)]
                    for script, port, into in pair if r % 2 == 0 else reversed(pair):
                        into.append(run(script, port, c, args.duration))
                rps = statistics.median(x["rps"] for x in mine)
                bare_rps = statistics.median(x["rps"] for x in bar)
                p99 = statistics.median(x["p99"] for x in mine)
                bare_p99 = statistics.median(x["p99"] for x in bar)
                cpu = statistics.median(x["cpu_ms"] for x in mine)
                bare_cpu = statistics.median(x["cpu_ms"] for x in bar)
                db_ms = statistics.median(x["db_ms"] for x in mine)
                bare_db = statistics.median(x["db_ms"] for x in bar)
                every = statistics.median(x["all_ms"] for x in mine)
                bare_every = statistics.median(x["all_ms"] for x in bar)
                share = bare_every / every if every else float("nan")
                print(
                    f"{label:<34} {c:>3} {rps:>8.0f} {bare_rps:>8.0f} {rps / bare_rps:>6.2f} "
                    f"{p99:>8.1f} {bare_p99:>8.1f} {p99 / bare_p99:>6.2f} {cpu:>10.2f} {bare_cpu:>6.2f} "
                    f"{db_ms:>9.2f} {bare_db:>6.2f} "
                    f"{every:>10.2f} {bare_every:>6.2f} {share:>6.2f}",
                    flush=True,
                )
        before = {pid: rss_mb(pid) for pid in leadline.workers()}
        if args.soak > 0:
            result = run("mixed", leadline.port, 16, args.soak)
            soaked = (
                f"after {args.soak} s of mixed load at c=16 "
                f"({result['rps']:.0f} req/s, p99 {result['p99']:.1f} ms; max_requests off)"
            )
        else:  # --soak 0: the workers as the rows left them (wrk cannot run for 0 s)
            soaked = "after the rows, no soak (--soak 0)"
        after = {pid: rss_mb(pid) for pid in leadline.workers()}
        print(
            f"RSS per Leadline worker {soaked}: "
            + ", ".join(f"{after[p]:.0f} MB (was {before.get(p, 0):.0f})" for p in after)
        )
        print("bare workers: " + ", ".join(f"{rss_mb(p):.0f} MB" for p in bare.workers()))
        print(f"full garbage collections per Leadline worker: {leadline.collections()}")
        print(f"full garbage collections per bare worker: {bare.collections()}")
    finally:
        for server in servers:
            server.stop()
        tmp.cleanup()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
