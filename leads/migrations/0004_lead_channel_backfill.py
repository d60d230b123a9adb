from django.db import migrations


def backfill(apps, schema_editor):
    """Leads captured before channels existed: what their source says."""
    Lead = apps.get_model("leads", "Lead")
    Lead.objects.filter(call__isnull=False).update(channel="call")
    Lead.objects.filter(origin_job__isnull=False).update(channel="job")
    Lead.objects.filter(call__isnull=True, origin_job__isnull=True, created_by_integration__isnull=False).update(
        channel="api"
    )
    for channel in ("online", "email", "chat", "partner", "phone"):
        Lead.objects.filter(booking__channel=channel).update(channel=channel)


class Migration(migrations.Migration):
    dependencies = [("leads", "0003_lead_owner_and_clock"), ("bookings", "0001_initial")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
