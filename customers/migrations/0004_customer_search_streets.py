"""On PostgreSQL, a copy of each customer's location streets on the customer
(``customers_customer.search_streets``), kept by triggers, so the search box
finds a street fragment in the customer table itself and a page needs no join
(``customers.services.customers_search``). Django does not know the column, so
no ``save()`` can write a stale copy over the triggers' one; SQLite has none
and keeps searching the locations.

``customers_location_streets(customer)`` is the one definition of the copy:
the customer's streets as stored, in location order, joined by a newline (the
search uses the copy only for a fragment without one, so a match never spans
two streets). Every writer goes through it: the triggers here, the backfill
(0005) and ``bench/generate.py``, which bulk-loads with triggers off.
"""

from django.db import migrations

from core.dbops import VendorSQL

FORWARD = [
    "ALTER TABLE customers_customer ADD COLUMN IF NOT EXISTS search_streets text NOT NULL DEFAULT ''",
    """
CREATE OR REPLACE FUNCTION customers_location_streets(customer bigint) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT coalesce(string_agg(street, E'\\n' ORDER BY id), '')
  FROM customers_location WHERE customer_id = customer
$$
""",
    """
CREATE OR REPLACE FUNCTION customers_streets_refresh(customer bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  streets text;
BEGIN
  -- Wait for any other transaction refreshing this customer to finish, so the
  -- streets read next (a new snapshot) include its locations: without the
  -- lock, two writers adding a location each could each store a copy without
  -- the other's.
  PERFORM 1 FROM customers_customer WHERE id = customer FOR NO KEY UPDATE;
  streets := customers_location_streets(customer);
  UPDATE customers_customer SET search_streets = streets
  WHERE id = customer AND search_streets IS DISTINCT FROM streets;
END $$
""",
    """
CREATE OR REPLACE FUNCTION customers_location_streets_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    UPDATE customers_customer SET search_streets = '' WHERE search_streets <> '';
    RETURN NULL;
  END IF;
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM customers_streets_refresh(OLD.customer_id);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.customer_id IS DISTINCT FROM OLD.customer_id) THEN
    PERFORM customers_streets_refresh(NEW.customer_id);
  END IF;
  RETURN NULL;
END $$
""",
    """
CREATE OR REPLACE FUNCTION customers_customer_streets_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- Foreign keys are checked at commit, so a location may be written before
  -- its customer (a fixture, a restore); the new customer starts with them.
  NEW.search_streets := customers_location_streets(NEW.id);
  RETURN NEW;
END $$
""",
    "DROP TRIGGER IF EXISTS customers_location_streets_insert_delete ON customers_location",
    """
CREATE TRIGGER customers_location_streets_insert_delete
AFTER INSERT OR DELETE ON customers_location
FOR EACH ROW EXECUTE FUNCTION customers_location_streets_changed()
""",
    "DROP TRIGGER IF EXISTS customers_location_streets_update ON customers_location",
    """
CREATE TRIGGER customers_location_streets_update
AFTER UPDATE OF street, customer_id ON customers_location
FOR EACH ROW WHEN (OLD.street IS DISTINCT FROM NEW.street OR OLD.customer_id IS DISTINCT FROM NEW.customer_id)
EXECUTE FUNCTION customers_location_streets_changed()
""",
    "DROP TRIGGER IF EXISTS customers_location_streets_truncate ON customers_location",
    """
CREATE TRIGGER customers_location_streets_truncate
AFTER TRUNCATE ON customers_location
FOR EACH STATEMENT EXECUTE FUNCTION customers_location_streets_changed()
""",
    "DROP TRIGGER IF EXISTS customers_customer_streets_insert ON customers_customer",
    """
CREATE TRIGGER customers_customer_streets_insert
BEFORE INSERT ON customers_customer
FOR EACH ROW EXECUTE FUNCTION customers_customer_streets_on_insert()
""",
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_customer_streets_insert ON customers_customer",
    "DROP TRIGGER IF EXISTS customers_location_streets_truncate ON customers_location",
    "DROP TRIGGER IF EXISTS customers_location_streets_update ON customers_location",
    "DROP TRIGGER IF EXISTS customers_location_streets_insert_delete ON customers_location",
    "DROP FUNCTION IF EXISTS customers_customer_streets_on_insert()",
    "DROP FUNCTION IF EXISTS customers_location_streets_changed()",
    "DROP FUNCTION IF EXISTS customers_streets_refresh(bigint)",
    "DROP FUNCTION IF EXISTS customers_location_streets(bigint)",
    "ALTER TABLE customers_customer DROP COLUMN IF EXISTS search_streets",
]


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_trigram_search")]

    operations = [VendorSQL(forward={"postgresql": FORWARD}, backward={"postgresql": BACKWARD})]
