from django.db import migrations

from core.generation import KeepGeneration


class Migration(migrations.Migration):
    """Every change to these tables moves the configuration generation, so an
    API request may answer from what it read before (core.generation)."""

    dependencies = [
        ("bookings", "0004_sort_indexes"),
        ("core", "0002_config_generation"),
    ]

    operations = [
        KeepGeneration("campaignrule"),
    ]
