from django.db import migrations


def credit_job_generated_leads(apps, schema_editor):
    """Job-generated leads captured without a campaign take the one chosen for
    technician leads (catalog 0004), else their origin job's."""
    Campaign = apps.get_model("catalog", "Campaign")
    Lead = apps.get_model("leads", "Lead")
    chosen = Campaign.objects.filter(for_job_generated_leads=True).first()
    orphans = Lead.objects.filter(type="job_generated", campaign__isnull=True)
    if chosen is not None:
        orphans.update(campaign=chosen)
        return
    for lead in orphans.select_related("origin_job").exclude(origin_job__campaign__isnull=True).iterator():
        Lead.objects.filter(pk=lead.pk).update(campaign_id=lead.origin_job.campaign_id)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_trigram_search"),
        ("catalog", "0004_campaign_for_job_generated_leads"),
    ]

    operations = [migrations.RunPython(credit_job_generated_leads, migrations.RunPython.noop)]
