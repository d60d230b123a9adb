from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from ops.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back the database up to PATH: SQLite with the online backup API (safe while "
        "serving), PostgreSQL with pg_dump --format=custom."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the file to write (replaced when it exists)")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, path: str, database: str, **options: Any) -> None:
        target = Path(path).expanduser().resolve()
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder")
        started = time.monotonic()
        try:
            info = backup(target, database)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Backed up {connections[database].vendor} database to {target} "
            f"({info['bytes']:,} bytes in {seconds:.1f} s)."
        )
