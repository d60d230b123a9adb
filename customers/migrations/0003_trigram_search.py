"""Trigram indexes for the customer search box (name and street fragments) on
PostgreSQL; nothing on SQLite, where the search stays a scan of a small table."""

from django.db import migrations

from core.dbops import TRIGRAM_EXTENSION, trigram_index


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_location_retired_at")]

    operations = [
        TRIGRAM_EXTENSION,
        trigram_index("customers_customer", "name", "customer_name_trgm"),
        trigram_index("customers_location", "street", "location_street_trgm"),
    ]
