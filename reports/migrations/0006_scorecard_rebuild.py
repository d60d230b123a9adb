"""The scorecard's rollup table starts empty: on a database that already holds
rows, the rollups are not complete until `manage.py rollups_rebuild` has run
again, so until then the reports read the raw rows (exact, slower)."""

from django.db import migrations


def require_rebuild(apps, schema_editor):
    Lead = apps.get_model("leads", "Lead")
    Call = apps.get_model("calls", "Call")
    Job = apps.get_model("jobs", "Job")
    if Lead.objects.exists() or Call.objects.exists() or Job.objects.exists():
        apps.get_model("reports", "RollupState").objects.filter(pk=1).update(
            built=False, rebuild_next=None, rebuild_until=None
        )


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_scorecardday_timed_responses")]

    operations = [migrations.RunPython(require_rebuild, migrations.RunPython.noop)]
