"""The triggers again, now also marking what the CSR scorecard reads: a lead's
assignee, who answered it and its SLA clock, a call's agent (generated from
reports/triggers.py on 2026-12-02 and frozen here; see that module). SQLite's
``CREATE TRIGGER IF NOT EXISTS`` replaces nothing, so 0002's triggers are dropped
first; PostgreSQL's functions are replaced in place. Backwards restores 0002's."""

import importlib

from django.db import migrations

from core.dbops import VendorSQL

_0002 = next(
    op
    for op in importlib.import_module("reports.migrations.0002_triggers").Migration.operations
    if isinstance(op, VendorSQL)
)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_scorecard_day"),
        ("leads", "0009_dashboard_indexes"),
        ("calls", "0005_dashboard_indexes"),
    ]

    operations = [
        # Out with 0002's SQLite triggers (and, backwards, 0002's triggers back in).
        VendorSQL(
            forward={"sqlite": _0002.backward["sqlite"]},
            backward={"postgresql": _0002.forward["postgresql"], "sqlite": _0002.forward["sqlite"]},
        ),
        VendorSQL(
            forward={
                "postgresql": ['CREATE OR REPLACE FUNCTION reports_mark_leads_lead() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 'BEGIN\n'
 "  IF TG_OP = 'UPDATE' AND NOT (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.type IS "
 'DISTINCT FROM NEW.type OR OLD.campaign_id IS DISTINCT FROM NEW.campaign_id OR OLD.merged_into_id '
 'IS DISTINCT FROM NEW.merged_into_id OR OLD.lead_setting_employee_id IS DISTINCT FROM '
 'NEW.lead_setting_employee_id OR OLD.business_unit_id IS DISTINCT FROM NEW.business_unit_id OR '
 'OLD.status IS DISTINCT FROM NEW.status OR OLD.converted_job_id IS DISTINCT FROM '
 'NEW.converted_job_id OR OLD.call_id IS DISTINCT FROM NEW.call_id OR OLD.first_response_at IS '
 'DISTINCT FROM NEW.first_response_at OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id OR '
 'OLD.first_response_by_id IS DISTINCT FROM NEW.first_response_by_id OR OLD.first_response_due_at '
 'IS DISTINCT FROM NEW.first_response_due_at OR OLD.dismissed_at IS DISTINCT FROM NEW.dismissed_at '
 'OR OLD.converted_at IS DISTINCT FROM NEW.converted_at OR (OLD.updated_at IS DISTINCT FROM '
 'NEW.updated_at AND NEW.first_response_due_at IS NOT NULL AND NEW.first_response_at IS NULL AND '
 "NEW.status <> 'open' AND NEW.dismissed_at IS NULL AND NEW.converted_at IS NULL)) THEN\n"
 '    RETURN NULL;\n'
 '  END IF;\n'
 "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((OLD.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24');\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((c.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM calls_call c WHERE c.id = OLD.call_id;\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((j.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM jobs_job j WHERE j.id = OLD.converted_job_id;\n"
 '  END IF;\n'
 "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((NEW.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24');\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((c.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM calls_call c WHERE c.id = NEW.call_id;\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((j.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM jobs_job j WHERE j.id = NEW.converted_job_id;\n"
 '  END IF;\n'
 '  RETURN NULL;\n'
 'END $$;\n'
 'DROP TRIGGER IF EXISTS reports_mark_leads_lead ON leads_lead;\n'
 'CREATE TRIGGER reports_mark_leads_lead AFTER INSERT OR UPDATE OR DELETE ON leads_lead\n'
 '  FOR EACH ROW EXECUTE FUNCTION reports_mark_leads_lead();\n'
 'CREATE OR REPLACE FUNCTION reports_mark_calls_call() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 'BEGIN\n'
 "  IF TG_OP = 'UPDATE' AND NOT (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.campaign_id "
 'IS DISTINCT FROM NEW.campaign_id OR OLD.classification IS DISTINCT FROM NEW.classification OR '
 'OLD.duration_seconds IS DISTINCT FROM NEW.duration_seconds OR OLD.callback_attempts IS DISTINCT '
 'FROM NEW.callback_attempts OR OLD.accepted_at IS DISTINCT FROM NEW.accepted_at OR '
 'OLD.from_number IS DISTINCT FROM NEW.from_number OR OLD.accepted_by_id IS DISTINCT FROM '
 'NEW.accepted_by_id) THEN\n'
 '    RETURN NULL;\n'
 '  END IF;\n'
 "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((OLD.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24');\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((c.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM calls_call c WHERE c.from_number = OLD.from_number AND "
 "OLD.from_number <> '' AND (OLD.accepted_at IS NOT NULL OR OLD.classification = 'booked') AND "
 "c.classification = 'abandoned' AND c.created_at < OLD.created_at;\n"
 '  END IF;\n'
 "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((NEW.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24');\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((c.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM calls_call c WHERE c.from_number = NEW.from_number AND "
 "NEW.from_number <> '' AND (NEW.accepted_at IS NOT NULL OR NEW.classification = 'booked') AND "
 "c.classification = 'abandoned' AND c.created_at < NEW.created_at;\n"
 '  END IF;\n'
 '  RETURN NULL;\n'
 'END $$;\n'
 'DROP TRIGGER IF EXISTS reports_mark_calls_call ON calls_call;\n'
 'CREATE TRIGGER reports_mark_calls_call AFTER INSERT OR UPDATE OR DELETE ON calls_call\n'
 '  FOR EACH ROW EXECUTE FUNCTION reports_mark_calls_call();\n'
 'CREATE OR REPLACE FUNCTION reports_mark_jobs_job() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 'BEGIN\n'
 "  IF TG_OP = 'UPDATE' AND NOT (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.campaign_id "
 'IS DISTINCT FROM NEW.campaign_id OR OLD.recall_for_id IS DISTINCT FROM NEW.recall_for_id OR '
 'OLD.warranty_for_id IS DISTINCT FROM NEW.warranty_for_id) THEN\n'
 '    RETURN NULL;\n'
 '  END IF;\n'
 "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((OLD.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24');\n"
 '  END IF;\n'
 "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((NEW.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24');\n"
 '  END IF;\n'
 '  RETURN NULL;\n'
 'END $$;\n'
 'DROP TRIGGER IF EXISTS reports_mark_jobs_job ON jobs_job;\n'
 'CREATE TRIGGER reports_mark_jobs_job AFTER INSERT OR UPDATE OR DELETE ON jobs_job\n'
 '  FOR EACH ROW EXECUTE FUNCTION reports_mark_jobs_job();\n'
 'CREATE OR REPLACE FUNCTION reports_mark_jobs_invoice() RETURNS trigger LANGUAGE plpgsql AS $$\n'
 'BEGIN\n'
 "  IF TG_OP = 'UPDATE' AND NOT (OLD.total IS DISTINCT FROM NEW.total OR OLD.status IS DISTINCT "
 'FROM NEW.status OR OLD.job_id IS DISTINCT FROM NEW.job_id) THEN\n'
 '    RETURN NULL;\n'
 '  END IF;\n'
 "  IF TG_OP IN ('UPDATE', 'DELETE') THEN\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((j.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM jobs_job j WHERE j.id = OLD.job_id;\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((l.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM leads_lead l WHERE l.converted_job_id = OLD.job_id;\n"
 '  END IF;\n'
 "  IF TG_OP IN ('INSERT', 'UPDATE') THEN\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((j.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM jobs_job j WHERE j.id = NEW.job_id;\n"
 '    INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT to_char((l.created_at AT TIME ZONE '
 "'UTC'), 'YYYY-MM-DD HH24') FROM leads_lead l WHERE l.converted_job_id = NEW.job_id;\n"
 '  END IF;\n'
 '  RETURN NULL;\n'
 'END $$;\n'
 'DROP TRIGGER IF EXISTS reports_mark_jobs_invoice ON jobs_invoice;\n'
 'CREATE TRIGGER reports_mark_jobs_invoice AFTER INSERT OR UPDATE OR DELETE ON jobs_invoice\n'
 '  FOR EACH ROW EXECUTE FUNCTION reports_mark_jobs_invoice();'],
                "sqlite": ['CREATE TRIGGER IF NOT EXISTS reports_mark_leads_lead_insert AFTER INSERT ON leads_lead BEGIN '
 'INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(NEW.created_at, 1, 13); INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE '
 'c.id = NEW.call_id; INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(j.created_at, 1, '
 '13) FROM jobs_job j WHERE j.id = NEW.converted_job_id; END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_leads_lead_update AFTER UPDATE OF created_at, type, '
 'campaign_id, merged_into_id, lead_setting_employee_id, business_unit_id, status, '
 'converted_job_id, call_id, first_response_at, assignee_id, first_response_by_id, '
 'first_response_due_at, dismissed_at, converted_at ON leads_lead BEGIN INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(OLD.created_at, 1, 13); INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE '
 'c.id = OLD.call_id; INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(j.created_at, 1, '
 '13) FROM jobs_job j WHERE j.id = OLD.converted_job_id; INSERT INTO reports_dirtyhour (hour) '
 'SELECT DISTINCT substr(NEW.created_at, 1, 13); INSERT INTO reports_dirtyhour (hour) SELECT '
 'DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE c.id = NEW.call_id; INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(j.created_at, 1, 13) FROM jobs_job j WHERE j.id '
 '= NEW.converted_job_id; END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_leads_lead_delete AFTER DELETE ON leads_lead BEGIN '
 'INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(OLD.created_at, 1, 13); INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE '
 'c.id = OLD.call_id; INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(j.created_at, 1, '
 '13) FROM jobs_job j WHERE j.id = OLD.converted_job_id; END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_leads_lead_update_updated_at AFTER UPDATE OF '
 'updated_at ON leads_lead WHEN NEW.first_response_due_at IS NOT NULL AND NEW.first_response_at IS '
 "NULL AND NEW.status <> 'open' AND NEW.dismissed_at IS NULL AND NEW.converted_at IS NULL BEGIN "
 'INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(OLD.created_at, 1, 13); INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE '
 'c.id = OLD.call_id; INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(j.created_at, 1, '
 '13) FROM jobs_job j WHERE j.id = OLD.converted_job_id; INSERT INTO reports_dirtyhour (hour) '
 'SELECT DISTINCT substr(NEW.created_at, 1, 13); INSERT INTO reports_dirtyhour (hour) SELECT '
 'DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE c.id = NEW.call_id; INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(j.created_at, 1, 13) FROM jobs_job j WHERE j.id '
 '= NEW.converted_job_id; END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_calls_call_insert AFTER INSERT ON calls_call BEGIN '
 'INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(NEW.created_at, 1, 13); INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE '
 "c.from_number = NEW.from_number AND NEW.from_number <> '' AND (NEW.accepted_at IS NOT NULL OR "
 "NEW.classification = 'booked') AND c.classification = 'abandoned' AND c.created_at < "
 'NEW.created_at; END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_calls_call_update AFTER UPDATE OF created_at, '
 'campaign_id, classification, duration_seconds, callback_attempts, accepted_at, from_number, '
 'accepted_by_id ON calls_call BEGIN INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT '
 'substr(OLD.created_at, 1, 13); INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT '
 'substr(c.created_at, 1, 13) FROM calls_call c WHERE c.from_number = OLD.from_number AND '
 "OLD.from_number <> '' AND (OLD.accepted_at IS NOT NULL OR OLD.classification = 'booked') AND "
 "c.classification = 'abandoned' AND c.created_at < OLD.created_at; INSERT INTO reports_dirtyhour "
 '(hour) SELECT DISTINCT substr(NEW.created_at, 1, 13); INSERT INTO reports_dirtyhour (hour) '
 'SELECT DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE c.from_number = '
 "NEW.from_number AND NEW.from_number <> '' AND (NEW.accepted_at IS NOT NULL OR NEW.classification "
 "= 'booked') AND c.classification = 'abandoned' AND c.created_at < NEW.created_at; END",
 'CREATE TRIGGER IF NOT EXISTS reports_mark_calls_call_delete AFTER DELETE ON calls_call BEGIN '
 'INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(OLD.created_at, 1, 13); INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(c.created_at, 1, 13) FROM calls_call c WHERE '
 "c.from_number = OLD.from_number AND OLD.from_number <> '' AND (OLD.accepted_at IS NOT NULL OR "
 "OLD.classification = 'booked') AND c.classification = 'abandoned' AND c.created_at < "
 'OLD.created_at; END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_jobs_job_insert AFTER INSERT ON jobs_job BEGIN INSERT '
 'INTO reports_dirtyhour (hour) SELECT DISTINCT substr(NEW.created_at, 1, 13); END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_jobs_job_update AFTER UPDATE OF created_at, '
 'campaign_id, recall_for_id, warranty_for_id ON jobs_job BEGIN INSERT INTO reports_dirtyhour '
 '(hour) SELECT DISTINCT substr(OLD.created_at, 1, 13); INSERT INTO reports_dirtyhour (hour) '
 'SELECT DISTINCT substr(NEW.created_at, 1, 13); END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_jobs_job_delete AFTER DELETE ON jobs_job BEGIN INSERT '
 'INTO reports_dirtyhour (hour) SELECT DISTINCT substr(OLD.created_at, 1, 13); END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_jobs_invoice_insert AFTER INSERT ON jobs_invoice BEGIN '
 'INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(j.created_at, 1, 13) FROM jobs_job j '
 'WHERE j.id = NEW.job_id; INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT '
 'substr(l.created_at, 1, 13) FROM leads_lead l WHERE l.converted_job_id = NEW.job_id; END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_jobs_invoice_update AFTER UPDATE OF total, status, '
 'job_id ON jobs_invoice BEGIN INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT '
 'substr(j.created_at, 1, 13) FROM jobs_job j WHERE j.id = OLD.job_id; INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(l.created_at, 1, 13) FROM leads_lead l WHERE '
 'l.converted_job_id = OLD.job_id; INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT '
 'substr(j.created_at, 1, 13) FROM jobs_job j WHERE j.id = NEW.job_id; INSERT INTO '
 'reports_dirtyhour (hour) SELECT DISTINCT substr(l.created_at, 1, 13) FROM leads_lead l WHERE '
 'l.converted_job_id = NEW.job_id; END',
 'CREATE TRIGGER IF NOT EXISTS reports_mark_jobs_invoice_delete AFTER DELETE ON jobs_invoice BEGIN '
 'INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT substr(j.created_at, 1, 13) FROM jobs_job j '
 'WHERE j.id = OLD.job_id; INSERT INTO reports_dirtyhour (hour) SELECT DISTINCT '
 'substr(l.created_at, 1, 13) FROM leads_lead l WHERE l.converted_job_id = OLD.job_id; END'],
            },
            backward={
                "postgresql": ['DROP TRIGGER IF EXISTS reports_mark_leads_lead ON leads_lead; DROP FUNCTION IF EXISTS '
 'reports_mark_leads_lead();\n'
 'DROP TRIGGER IF EXISTS reports_mark_calls_call ON calls_call; DROP FUNCTION IF EXISTS '
 'reports_mark_calls_call();\n'
 'DROP TRIGGER IF EXISTS reports_mark_jobs_job ON jobs_job; DROP FUNCTION IF EXISTS '
 'reports_mark_jobs_job();\n'
 'DROP TRIGGER IF EXISTS reports_mark_jobs_invoice ON jobs_invoice; DROP FUNCTION IF EXISTS '
 'reports_mark_jobs_invoice();'],
                "sqlite": ['DROP TRIGGER IF EXISTS reports_mark_leads_lead_insert',
 'DROP TRIGGER IF EXISTS reports_mark_leads_lead_update',
 'DROP TRIGGER IF EXISTS reports_mark_leads_lead_delete',
 'DROP TRIGGER IF EXISTS reports_mark_leads_lead_update_updated_at',
 'DROP TRIGGER IF EXISTS reports_mark_calls_call_insert',
 'DROP TRIGGER IF EXISTS reports_mark_calls_call_update',
 'DROP TRIGGER IF EXISTS reports_mark_calls_call_delete',
 'DROP TRIGGER IF EXISTS reports_mark_jobs_job_insert',
 'DROP TRIGGER IF EXISTS reports_mark_jobs_job_update',
 'DROP TRIGGER IF EXISTS reports_mark_jobs_job_delete',
 'DROP TRIGGER IF EXISTS reports_mark_jobs_invoice_insert',
 'DROP TRIGGER IF EXISTS reports_mark_jobs_invoice_update',
 'DROP TRIGGER IF EXISTS reports_mark_jobs_invoice_delete'],
            },
        ),
    ]
