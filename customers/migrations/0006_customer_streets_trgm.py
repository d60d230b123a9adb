"""The trigram index of the street copy (0004), built after the backfill
(0005); the same expression as the name's, ``UPPER(col::text)``, which is what
``icontains`` compiles to. PostgreSQL only."""

from django.db import migrations

from core.dbops import trigram_index


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_customer_search_streets_backfill")]

    operations = [trigram_index("customers_customer", "search_streets", "customer_streets_trgm")]
