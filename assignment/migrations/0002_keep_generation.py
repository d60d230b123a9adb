from django.db import migrations

from core.generation import KeepGeneration


class Migration(migrations.Migration):
    """Every change to these tables moves the configuration generation, so an
    API request may answer from what it read before (core.generation)."""

    dependencies = [
        ("assignment", "0001_initial"),
        ("core", "0002_config_generation"),
    ]

    operations = [
        # Not last_employee: the round robin moves it on every capture it assigns.
        KeepGeneration(
            "assignmentrule",
            fields=[
                "name",
                "active",
                "position",
                "lead_types",
                "channels",
                "campaign_ids",
                "business_unit_ids",
                "zip_prefixes",
                "strategy",
                "employee_ids",
                "available_only",
            ],
        ),
        KeepGeneration("slapolicy"),
    ]
