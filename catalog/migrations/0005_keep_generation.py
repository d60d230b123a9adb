from django.db import migrations

from core.generation import KeepGeneration


class Migration(migrations.Migration):
    """Every change to these tables moves the configuration generation, so an
    API request may answer from what it read before (core.generation)."""

    dependencies = [
        ("catalog", "0004_campaign_for_job_generated_leads"),
        ("core", "0002_config_generation"),
    ]

    operations = [
        KeepGeneration("campaign"),
        KeepGeneration("trackingnumber"),
    ]
