"""How late can a breached-SLA notice be? Measured with the real worker.

    .venv/bin/python bench/sla_escalation.py [--leads 60] [--spread 120] [--sweep 30]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sla .venv/bin/python bench/sla_escalation.py

On a throwaway database (a temporary SQLite file, or ``test_<name>`` on the
PostgreSQL server of DATABASE_URL; created and dropped here) it captures
``--leads`` leads through ``lead_capture`` with an assignment rule and an SLA
policy, starts ``manage.py db_worker`` as a separate process (``--interval 1``,
the default poll, with LEADLINE_SLA_SWEEP_SECONDS = ``--sweep``), waits for its
first sweep (so the worker's start-up is not counted), sets the leads' due
times evenly over the next ``--spread`` seconds (from 5 s on) and waits until
every breach is told. A lead's lateness is its ``sla_breached`` notification's
``created_at`` minus its ``first_response_due_at``: from the moment it became
late to the moment its assignee and the managers had the notice. It prints
min, median, p95 and max next to the design's bound (sweep interval + poll
interval + the sweep's own run time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LEADLINE_LOG_LEVEL", "WARNING")
warnings.filterwarnings("ignore", "No directory at")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=60)
    parser.add_argument("--spread", type=int, default=120, help="seconds over which the due times fall")
    parser.add_argument("--sweep", type=int, default=30, help="LEADLINE_SLA_SWEEP_SECONDS for the worker")
    parser.add_argument(
        "--per-lead",
        action="store_true",
        help="also enqueue each lead's own breach check at its due time, as capture does "
        "(with --sweep 0 this measures that path alone)",
    )
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-sla-")
    if not os.environ.get("DATABASE_URL"):
        os.environ["LEADLINE_SQLITE_PATH"] = str(Path(tmp) / "bench.sqlite3")
    os.environ["LEADLINE_SLA_SWEEP_SECONDS"] = str(args.sweep)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    test_db = None
    if connection.vendor == "postgresql":
        # A database of our own on the server, never the one DATABASE_URL names.
        test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        os.environ["DATABASE_URL"] = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + test_db
    else:
        call_command("migrate", verbosity=0)

    from django.utils import timezone

    from accounts.actor import Actor
    from accounts.models import Employee, Role
    from assignment.services import assignment_rule_create, sla_policy_create
    from assignment.tasks import ensure_sweep_scheduled
    from catalog.models import Campaign
    from leads.models import Lead
    from leads.services import Contact, lead_capture
    from notifications.models import Notification

    admin = Actor(employee=Employee.objects.create(name="Bench Admin", role=Role.ADMIN))
    csr = Employee.objects.create(name="Bench CSR", role=Role.CSR)
    Employee.objects.create(name="Bench Manager", role=Role.MANAGER)
    campaign = Campaign.objects.create(name="Bench campaign")
    assignment_rule_create(actor=admin, data={"name": "All", "employee_ids": [csr.pk]})
    sla_policy_create(actor=admin, data={"name": "Five minutes", "minutes": 5})
    leads = [
        lead_capture(
            actor=admin,
            type="marketing",
            campaign=campaign,
            contact=Contact(name=f"Bench {i}", phone=f"512555{1000 + i:04d}"),
            with_matches=False,
        ).lead
        for i in range(args.leads)
    ]
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from assignment.tasks import sla_breach_check

    DBTaskResult.objects.all().delete()  # the chain starts with the worker, as after migrate
    if not ensure_sweep_scheduled():
        sla_breach_check.enqueue(0)  # no sweep: a check of no lead tells us the worker is up
    connection.close()

    env = {**os.environ, "LEADLINE_SLA_SWEEP_SECONDS": str(args.sweep)}
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "1", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait for the worker to be up (its first sweep done) so its start-up is not counted.
    while not DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).exists():
        time.sleep(0.2)
    start = timezone.now() + timedelta(seconds=5)
    step = args.spread / max(args.leads - 1, 1)
    for i, lead in enumerate(leads):
        due = start + timedelta(seconds=i * step)
        Lead.objects.filter(pk=lead.pk).update(first_response_due_at=due)
        if args.per_lead:
            sla_breach_check.using(run_after=due).enqueue(lead.pk)
    deadline = time.monotonic() + args.spread + 5 + 3 * max(args.sweep, 10) + 30
    try:
        while time.monotonic() < deadline:
            told = Lead.objects.filter(sla_breach_notified_at__isnull=False).count()
            if told == len(leads):
                break
            time.sleep(1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    first_notice: dict[str, datetime] = {}
    for url, created in Notification.objects.filter(kind="sla_breached").values_list("url", "created_at"):
        first_notice[url] = min(created, first_notice.get(url, created))
    late = []
    for lead in Lead.objects.filter(pk__in=[lead.pk for lead in leads]):
        notice = first_notice.get(f"/leads/{lead.pk}/")
        if notice is not None and lead.first_response_due_at is not None:
            late.append((notice - lead.first_response_due_at).total_seconds())
    db = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    paths = (["each lead's own check at its due time"] if args.per_lead else []) + (
        [f"the sweep every {args.sweep} s"] if args.sweep > 0 else []
    )
    print(
        f"{db}; {len(leads)} leads due over {args.spread} s; told by {' and '.join(paths)}; worker poll 1 s"
    )
    print(f"told: {len(late)} of {len(leads)}")
    if late:
        late.sort()
        p95 = late[min(len(late) - 1, round(0.95 * (len(late) - 1)))]
        print(
            f"lateness s: min {late[0]:.1f}  median {statistics.median(late):.1f}  "
            f"p95 {p95:.1f}  max {late[-1]:.1f}  (bound: "
            + (
                "the poll interval, 1 s, + the check's run time)"
                if args.per_lead
                else f"{args.sweep} + 1 + the sweep's run time)"
            )
        )
    if test_db:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
