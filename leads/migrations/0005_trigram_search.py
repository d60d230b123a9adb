"""Trigram indexes for the Follow Up search (name and street fragments, city) on
PostgreSQL; nothing on SQLite."""

from django.db import migrations

from core.dbops import TRIGRAM_EXTENSION, trigram_index


class Migration(migrations.Migration):
    dependencies = [("leads", "0004_lead_channel_backfill")]

    operations = [
        TRIGRAM_EXTENSION,
        trigram_index("leads_lead", "name", "lead_name_trgm"),
        trigram_index("leads_lead", "street", "lead_street_trgm"),
        # city__iexact is one branch of the same OR: without an index on it the
        # planner cannot combine the others and scans the table.
        trigram_index("leads_lead", "city", "lead_city_trgm"),
    ]
