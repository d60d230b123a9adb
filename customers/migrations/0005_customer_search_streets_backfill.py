"""Fill the street copy (0004) for the customers that already have locations,
through its one definition, ``customers_location_streets``. PostgreSQL only.

It rewrites every such customer row: on a large database run ``VACUUM
(ANALYZE) customers_customer`` afterwards (autovacuum does it in time)."""

from django.db import migrations

from core.dbops import VendorSQL


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_customer_search_streets")]

    operations = [
        VendorSQL(
            forward={
                "postgresql": [
                    "UPDATE customers_customer c SET search_streets = customers_location_streets(c.id) "
                    "WHERE EXISTS (SELECT 1 FROM customers_location l WHERE l.customer_id = c.id)"
                ]
            },
            backward={"postgresql": ["UPDATE customers_customer SET search_streets = '' WHERE search_streets <> ''"]},
        )
    ]
