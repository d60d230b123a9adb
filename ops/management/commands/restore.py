from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from ops.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Replace the whole database with the backup at PATH (made by `manage.py backup` on the "
        "same kind of database). Stop the web servers and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a file written by `manage.py backup`")
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--no-input", "--noinput", action="store_false", dest="interactive", help="do not ask to confirm"
        )

    def handle(self, *args: Any, path: str, database: str, interactive: bool, **options: Any) -> None:
        source = Path(path).expanduser().resolve()
        name = connections[database].settings_dict["NAME"]
        if interactive:
            answer = input(
                f"Every row of the database {name} will be replaced by {source}. Type 'yes' to go on: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        started = time.monotonic()
        try:
            info = restore(source, database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        self.stdout.write(f"Restored {name} from {source} ({info['bytes']:,} bytes in {seconds:.1f} s).")
