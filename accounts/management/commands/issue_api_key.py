"""Issue an API key from the command line, creating its owner when missing.

    python manage.py issue_api_key --username U --role ROLE [--name N] [--password P]
    python manage.py issue_api_key --integration NAME

The key is the last line of the output, so scripts can take it with ``tail -n1``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import ApiKey, Employee, Role
from accounts.services import api_key_issue, employee_create, integration_get_or_create, role_check
from core.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API key for an employee (created with a login when missing) or an integration."

    def add_arguments(self, parser: CommandParser) -> None:
        owner = parser.add_mutually_exclusive_group(required=True)
        owner.add_argument("--username", help="The employee's login username.")
        owner.add_argument("--integration", help="The integration's name.")
        parser.add_argument("--role", help=f"The employee's role: {', '.join(Role.values)}.")
        parser.add_argument("--name", default="", help="The employee's full name (default: the username).")
        parser.add_argument(
            "--password", default=None, help="A password for a new login (default: none usable)."
        )
        parser.add_argument("--label", default="", help="What the key is for, shown in Settings.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key, raw = self._issue(options)
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        owner = key.employee or key.integration
        self.stdout.write(f"Issued key {key.prefix}… for {owner}. It is shown once; store it now:")
        self.stdout.write(raw)

    def _issue(self, options: dict[str, Any]) -> tuple[ApiKey, str]:
        label = options["label"]
        if options["integration"] is not None:
            integration, created = integration_get_or_create(name=options["integration"])
            if created:
                self.stdout.write(f"Created integration {integration.name} ({integration.slug}).")
            return api_key_issue(integration=integration, name=label)

        username = options["username"].strip()
        role = options["role"]
        if not role:
            raise CommandError(f"--role is required with --username; use one of {', '.join(Role.values)}.")
        try:
            role_check(role)
        except DomainError:
            raise CommandError(f"Unknown role '{role}'; use one of {', '.join(Role.values)}.") from None
        employee = Employee.objects.select_related("user").filter(user__username__iexact=username).first()
        if employee is None:
            employee = employee_create(
                name=options["name"] or username, role=role, username=username, password=options["password"]
            )
            self.stdout.write(f"Created employee {employee.name} ({role}) with login {username}.")
        elif employee.role != role:
            # Silently changing someone's role from a script would be a surprise; Settings does that.
            raise CommandError(
                f"Employee {employee.name} ({username}) has role {employee.role}, not {role}; "
                f"pass --role {employee.role} or change the role in Settings."
            )
        return api_key_issue(employee=employee, name=label)
