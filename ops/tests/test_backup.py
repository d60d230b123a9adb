"""manage.py backup / restore: back up, change, restore, find the data as it was."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from catalog.models import Tag
from ops import backup as backup_module

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_backs_up_changes_restores_and_finds_the_data_as_it_was(tmp_path, capsys):
    Tag.objects.create(name="Before")
    Tag.objects.create(name="Kept")
    path = tmp_path / "leadline.backup"
    call_command("backup", str(path))
    assert f"Backed up {connection.vendor} database to {path}" in capsys.readouterr().out
    magic = b"SQLite format 3\x00" if connection.vendor == "sqlite" else b"PGDMP"
    assert path.read_bytes().startswith(magic)

    Tag.objects.filter(name="Before").update(name="After")
    Tag.objects.filter(name="Kept").delete()
    Tag.objects.create(name="New since")

    call_command("restore", str(path), "--no-input")
    connection.close()
    assert sorted(Tag.objects.values_list("name", flat=True)) == ["Before", "Kept"]
    # The restored database takes new rows as before (sequences came back too).
    Tag.objects.create(name="Written after the restore")
    assert Tag.objects.count() == 3


def test_it_refuses_a_backup_of_the_other_kind(tmp_path):
    path = tmp_path / "other.backup"
    path.write_bytes(b"PGDMP-not-ours" if connection.vendor == "sqlite" else b"SQLite format 3\x00xx")
    with pytest.raises(CommandError, match="is not a"):
        call_command("restore", str(path), "--no-input")


def test_it_says_what_to_install_when_pg_dump_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(backup_module.shutil, "which", lambda name: None)
    with pytest.raises(backup_module.BackupError, match=r"pg_dump is not installed.*postgresql-client-15"):
        backup_module._pg_tool("pg_dump", 15)


def test_it_asks_before_replacing_the_database(tmp_path, monkeypatch):
    path = tmp_path / "x.backup"
    call_command("backup", str(path))
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Restore cancelled"):
        call_command("restore", str(path))
