from django.db import migrations


def credit_job_generated_leads(apps, schema_editor):
    """Job-generated leads captured without a campaign (reports showed them under
    "(no campaign)") are credited to the campaign chosen for technician leads;
    when none is chosen, a "Technician generated" campaign is made and chosen.
    A company with no such leads is left alone (the admin chooses in Settings)."""
    Campaign = apps.get_model("catalog", "Campaign")
    Lead = apps.get_model("leads", "Lead")
    orphans = Lead.objects.filter(type="job_generated", campaign__isnull=True)
    if not orphans.exists():
        return
    chosen = Campaign.objects.filter(for_job_generated_leads=True).first()
    if chosen is None:
        chosen = Campaign.objects.filter(name__iexact="Technician generated").first()
        if chosen is None:
            chosen = Campaign.objects.create(name="Technician generated", category="repeat")
        chosen.for_job_generated_leads = True
        chosen.save(update_fields=["for_job_generated_leads"])
    orphans.update(campaign=chosen)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0005_trigram_search"),
        ("catalog", "0004_campaign_for_job_generated_leads"),
    ]

    operations = [migrations.RunPython(credit_job_generated_leads, migrations.RunPython.noop)]
