"""Read emails into bookings: ``manage.py ingest_email <file-or-maildir> --integration <slug>``.

A file is one raw RFC 822 message; a directory is a Maildir (its ``new`` and
``cur`` messages). Running it again is safe: a Message-ID already read is the
same booking, so a cron job can re-scan a Maildir without keeping state.
"""

from __future__ import annotations

import mailbox
from argparse import ArgumentParser
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Integration
from bookings.email_intake import booking_receive_email
from core.errors import DomainError


def _messages(path: Path) -> Iterator[tuple[str, bytes]]:
    if path.is_file():
        yield str(path), path.read_bytes()
        return
    if not (path / "new").is_dir() and not (path / "cur").is_dir():
        raise CommandError(f"{path} is neither a file nor a Maildir (no new/ or cur/ inside)")
    box = mailbox.Maildir(str(path), factory=None, create=False)
    for key in sorted(box.keys()):
        yield key, box.get_bytes(key)


class Command(BaseCommand):
    help = "Turn raw emails (a file or a Maildir) into bookings on the email channel."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", help="An RFC 822 file or a Maildir folder")
        parser.add_argument(
            "--integration", required=True, help="The slug of the integration they came through"
        )

    def handle(self, *args: Any, path: str, integration: str, **options: Any) -> None:
        source = Integration.objects.filter(slug=integration, active=True).first()
        if source is None:
            raise CommandError(f"No active integration with slug '{integration}'")
        target = Path(path)
        if not target.exists():
            raise CommandError(f"{target} does not exist")
        created = known = failed = 0
        for name, raw in _messages(target):
            try:
                received = booking_receive_email(integration=source, raw=raw)
            except DomainError as exc:
                failed += 1
                self.stderr.write(f"{name}: skipped: {exc.detail}")
                continue
            if received.created:
                created += 1
                self.stdout.write(f"{name}: booking {received.booking.pk} created")
            else:
                known += 1
        self.stdout.write(f"{created} created, {known} already known, {failed} skipped")
