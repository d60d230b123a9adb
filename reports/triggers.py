"""The triggers that keep the rollups honest (installed by migration 0002).

Every INSERT, UPDATE of a counted column, and DELETE on the rows the reports
count writes the UTC hour of each affected row's ``created_at`` into
``reports_dirtyhour``, inside the writer's own transaction. A trigger sees
every write path — services, ``QuerySet.update()``, bulk loads, a shell — so
no code path can change a counted row and leave a rollup stale; the next
report recomputes those days from the raw rows (``reports.rollups.refresh``).

What each table marks (``R`` is the new row, and the old one on UPDATE/DELETE):

* a lead: its own hour; its call's hour (the abandoned-calls report reads the
  lead's status and first response); its converted job's hour (that job is
  "booked without a lead" until a lead points at it). The CSR scorecard reads
  its assignee, who answered it, and its SLA clock (due time, first response,
  when it was closed). A lead closed unanswered with neither a dismissal nor a
  conversion time is judged by ``updated_at`` (``leads.models.sla_met_q``), so
  for such a lead alone a change of ``updated_at`` marks too (``WATCHED_WHEN``).
* a call: its own hour (the scorecard reads who accepted it); when it was
  accepted or booked, the hours of the earlier abandoned calls from the same
  number ("called back", "recovered").
* a job: its own hour.
* an invoice: its job's hour (campaign revenue) and the hours of the leads
  converted into that job (technician revenue).
"""

from __future__ import annotations

# Columns a report reads; an UPDATE that touches none of them marks nothing.
WATCHED = {
    "leads_lead": [
        "created_at", "type", "campaign_id", "merged_into_id", "lead_setting_employee_id",
        "business_unit_id", "status", "converted_job_id", "call_id", "first_response_at",
        "assignee_id", "first_response_by_id", "first_response_due_at", "dismissed_at", "converted_at",
    ],
    "calls_call": [
        "created_at", "campaign_id", "classification", "duration_seconds", "callback_attempts",
        "accepted_at", "from_number", "accepted_by_id",
    ],
    "jobs_job": ["created_at", "campaign_id", "recall_for_id", "warranty_for_id"],
    "jobs_invoice": ["total", "status", "job_id"],
}  # fmt: skip

# Columns a report reads only while the new row R meets a condition: an UPDATE
# that changes one of them marks when it does.
WATCHED_WHEN = {
    "leads_lead": {
        # sla_met_q's time of closing falls back to updated_at for these.
        "updated_at": "R.first_response_due_at IS NOT NULL AND R.first_response_at IS NULL "
        "AND R.status <> 'open' AND R.dismissed_at IS NULL AND R.converted_at IS NULL",
    },
}

# SELECTs of the created_at values to mark, for the row R.
MARKS = {
    "leads_lead": [
        "SELECT R.created_at",
        "SELECT c.created_at FROM calls_call c WHERE c.id = R.call_id",
        "SELECT j.created_at FROM jobs_job j WHERE j.id = R.converted_job_id",
    ],
    "calls_call": [
        "SELECT R.created_at",
        "SELECT c.created_at FROM calls_call c WHERE c.from_number = R.from_number AND R.from_number <> '' "
        "AND (R.accepted_at IS NOT NULL OR R.classification = 'booked') "
        "AND c.classification = 'abandoned' AND c.created_at < R.created_at",
    ],
    "jobs_job": ["SELECT R.created_at"],
    "jobs_invoice": [
        "SELECT j.created_at FROM jobs_job j WHERE j.id = R.job_id",
        "SELECT l.created_at FROM leads_lead l WHERE l.converted_job_id = R.job_id",
    ],
}


def _insert(select: str, row: str, hour: str) -> str:
    body = select.replace("R.", f"{row}.")
    # The select's one column is the created_at to mark; wrap it as the hour text.
    _select, _, tail = body.partition(" ")
    column, sep, rest = tail.partition(" FROM ")
    return (
        f"INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT {hour.format(column)}"
        f"{sep + rest if sep else ''}"
    )


def postgresql_sql() -> tuple[str, str]:
    hour = "to_char(({} AT TIME ZONE 'UTC'), 'YYYY-MM-DD HH24')"
    forward, backward = [], []
    for table, selects in MARKS.items():
        fn = f"reports_mark_{table}"
        new = ";\n    ".join(_insert(s, "NEW", hour) for s in selects)
        old = ";\n    ".join(_insert(s, "OLD", hour) for s in selects)
        changed = " OR ".join(
            [f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED[table]]
            + [
                f"(OLD.{c} IS DISTINCT FROM NEW.{c} AND {when.replace('R.', 'NEW.')})"
                for c, when in WATCHED_WHEN.get(table, {}).items()
            ]
        )
        forward.append(
            f"""CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NOT ({changed}) THEN
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {old};
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {new};
  END IF;
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS {fn} ON {table};
CREATE TRIGGER {fn} AFTER INSERT OR UPDATE OR DELETE ON {table}
  FOR EACH ROW EXECUTE FUNCTION {fn}();"""
        )
        backward.append(f"DROP TRIGGER IF EXISTS {fn} ON {table}; DROP FUNCTION IF EXISTS {fn}();")
    return "\n".join(forward), "\n".join(backward)


def sqlite_sql() -> tuple[list[str], list[str]]:
    # Django stores SQLite datetimes as UTC text, 'YYYY-MM-DD HH:MM:SS[.ffffff]'.
    hour = "substr({}, 1, 13)"
    forward, backward = [], []
    for table, selects in MARKS.items():
        for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])):
            name = f"reports_mark_{table}_{event.lower()}"
            on = f"UPDATE OF {', '.join(WATCHED[table])}" if event == "UPDATE" else event
            body = " ".join(f"{_insert(s, row, hour)};" for row in rows for s in selects)
            forward.append(f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {on} ON {table} BEGIN {body} END")
            backward.append(f"DROP TRIGGER IF EXISTS {name}")
        for column, when in WATCHED_WHEN.get(table, {}).items():
            name = f"reports_mark_{table}_update_{column}"
            body = " ".join(f"{_insert(s, row, hour)};" for row in ("OLD", "NEW") for s in selects)
            forward.append(
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER UPDATE OF {column} ON {table} "
                f"WHEN {when.replace('R.', 'NEW.')} BEGIN {body} END"
            )
            backward.append(f"DROP TRIGGER IF EXISTS {name}")
    return forward, backward
