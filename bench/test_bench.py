"""The benchmarks cannot rot: every script in bench/ runs here at a tiny scale
(a few hundred rows, seconds), so a schema change that breaks one fails CI.

These tests check that each script runs to the end and prints every row it
promises; they time nothing (the figures are the scripts' job).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.db import connection

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent


def load_script(name: str) -> ModuleType:
    """Import bench/<name>.py in this process (Django is already set up by pytest-django)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def own_database_url(suffix: str) -> dict[str, str]:
    """The environment for a script that creates its own throwaway database: on
    PostgreSQL a name of its own, never the test database this session uses."""
    env = {**os.environ, "LEADLINE_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        env["DATABASE_URL"] = (
            f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}_{suffix}"
        )
    return env


def test_it_runs_the_intake_benchmark_through_every_row() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "intake.py"),
            *("--runs", "2", "--warmup", "1", "--profile", "leads (csr)", "--profile-lines", "5"),
        ],
        cwd=ROOT,
        env=own_database_url("intake"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for row in (
        "bare insert",
        "ninja + key auth",
        "customers",
        "leads (csr)",
        "same key again",
        "call: ended",
        "whole call (3)",
        "abandoned: ended",
        "bookings: re-sent",
        "inbound-email",
    ):
        assert row in out, f"{row!r} missing from:\n{out}"
    assert "SQL of one" in out
    assert "Profile of 'leads (csr)' over 2 requests" in out and "function calls" in out
    # The database backend's CPU per request: read from /proc where PostgreSQL runs here.
    assert "db cpu ms" in out
    rows = [line.split() for line in out.splitlines()]
    (lead,) = [row for row in rows if row[:2] == ["leads", "(csr)"] and row[2][0].isdigit()]
    assert len(lead) == (10 if connection.vendor == "postgresql" else 8), lead


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_it_generates_a_tiny_company_and_times_its_screens(capsys: pytest.CaptureFixture[str]) -> None:
    generate = load_script("generate")
    run = load_script("run")
    try:
        generate.main(["--leads", "400", "--calls", "1200", "--customers", "120", "--reset", "--check"])
        out = capsys.readouterr().out
        assert "0 broken" in out, out
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM leads_lead")
            assert cur.fetchone()[0] == 400
            cur.execute("SELECT count(*) FROM calls_call")
            assert cur.fetchone()[0] == 1200
            # The bulk load skips the triggers that copy streets onto customers; it fills them itself.
            cur.execute(
                "SELECT count(*), count(*) FILTER (WHERE search_streets = customers_location_streets(id) "
                "AND search_streets <> '') FROM customers_customer"
            )
            assert cur.fetchone() == (120, 120)

        run.main(["--runs", "2"])
        out = capsys.readouterr().out
        rows: dict[str, Any] = {}
        for line in out.splitlines():
            parts = line.rsplit(None, 3)
            if len(parts) == 4 and parts[3].isdigit():
                rows[parts[0]] = int(parts[3])
        for name in (
            "dashboard (page)",
            "dashboard, today changed (page)",
            "campaign report, 90 days (page)",
            "technician leads, 90 days (page)",
            "abandoned calls, 90 days (page)",
            "campaign report, 90 days (API CSV)",
            "Follow Up first page (50 open leads)",
            "caller-number lookup",
            "customer search 'gar' (page)",
            "Follow Up search 'qzx' (page)",
            "CSR scorecard, 90 days (page)",
            "CSR scorecard, 365 days (page)",
        ):
            assert name in rows, f"{name!r} missing from:\n{out}"
            assert rows[name] > 0
        # With today changed, the dashboard reads today from the raw rows: one statement
        # more, after the one that marks the hour changed.
        assert rows["dashboard, today changed (page)"] == rows["dashboard (page)"] + 2, out
        run.main(["--runs", "1", "--only", "SCORECARD, 365"])
        out = capsys.readouterr().out
        timed = [line for line in out.splitlines() if line.rsplit(None, 1)[-1].isdigit()]
        assert [line.split("  ")[0] for line in timed] == ["CSR scorecard, 365 days (page)"], out
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_progress")


def _free_port_pair() -> int:
    """A port p with p and p + 1 free (load.py serves on both), so two runs at once never meet."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return int(port)
    raise RuntimeError("no two free ports in a row")


@pytest.mark.postgres_only
@pytest.mark.skipif(not shutil.which("wrk"), reason="bench/load.py needs wrk")
def test_it_runs_the_load_benchmark_through_every_row() -> None:
    result = subprocess.run(
        [
            sys.executable, str(BENCH / "load.py"),
            "--duration", "1", "--rounds", "1", "--soak", "1", "--concurrency", "2",
            "--port", str(_free_port_pair()),
        ],
        cwd=ROOT, env=own_database_url("load"), capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    for row in (
        "Ninja + key auth + 1 INSERT",
        "POST /api/v1/leads",
        "POST /calls/events (3 per call)",
        "POST /bookings",
        "RSS per Leadline worker",
    ):
        assert row in result.stdout, f"{row!r} missing from:\n{result.stdout}"
    # PostgreSQL's and the whole machine's CPU per request beside the workers', and
    # the machine's ratio to the bare view's.
    assert "db ms/req" in result.stdout and "all ms/req" in result.stdout
    (lead,) = [line.split() for line in result.stdout.splitlines() if line.startswith("POST /api/v1/leads")]
    assert len(lead) == 16 and float(lead[-1]) > 0, lead
    # This machine's PostgreSQL spent something on the leads (the column reads /proc).
    assert float(lead[11]) > 0, lead
    # Each worker's full garbage collections, counted by the hook around the deployed settings.
    counted = r"full garbage collections per Leadline worker: \d+ \(longest [\d.]+ ms\)"
    assert re.search(counted, result.stdout), result.stdout
    assert "full garbage collections per bare worker: " in result.stdout


@pytest.mark.postgres_only
def test_it_runs_the_scaleout_benchmark_and_finds_every_write_once() -> None:
    # Two app servers and two workers, one of each killed and restarted: every
    # write answered 2xx stored once, every webhook received (scaleout.py exits 1 otherwise).
    result = subprocess.run(
        [
            sys.executable, str(BENCH / "scaleout.py"),
            "--seconds", "6", "--clients", "2", "--down", "1", "--stale", "15", "--port", "0",
        ],
        cwd=ROOT, env=own_database_url("scaleout"), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]
    for row in (
        "requests:",
        "sent again after no answer:",
        "killed web-",
        "killed scaleout-w1 at",
        "leads:",
        "calls:",
        "bookings:",
        "webhooks:",
        "queue drained",
        "violations: none",
    ):
        assert row in result.stdout, f"{row!r} missing from:\n{result.stdout}"
