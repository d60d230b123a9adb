"""The actor behind a request: an employee (page session or employee key) or
an integration (integration key)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest

from accounts.models import Employee, Integration, Role
from accounts.roles import Perm, role_can
from core.errors import forbidden


@dataclass(frozen=True)
class Actor:
    employee: Employee | None = None
    integration: Integration | None = None
    # A superuser without an employee record still administers the system.
    superuser: bool = False
    # The system acting on an integration's behalf (an abandoned call's lead,
    # matched to a customer by us, not by the integration): never from a request.
    system: bool = False

    @property
    def role(self) -> str | None:
        if self.employee is not None and self.employee.active:
            return self.employee.role
        if self.superuser:
            return Role.ADMIN
        return None

    @property
    def label(self) -> str:
        if self.employee is not None:
            return self.employee.name
        if self.integration is not None:
            return f"integration {self.integration.name}"
        return "system" if not self.superuser else "superuser"

    def can(self, perm: Perm) -> bool:
        return role_can(self.role, perm)

    def require(self, perm: Perm) -> None:
        if not self.can(perm):
            role = self.role or ("integration" if self.integration else "no role")
            raise forbidden(f"The {role} role may not do this ({perm.value.replace('_', ' ')}).")

    def require_staff(self) -> None:
        """Any employee with a role; never an integration."""
        self.require_employee()
        if self.role is None:
            raise forbidden("Your login is not linked to an active employee.")

    def require_employee(self) -> Employee | None:
        """Integrations only post their own intake; everything else needs a person."""
        if self.integration is not None:
            raise forbidden("An integration key may only post its own bookings, leads and call events.")
        return self.employee


SYSTEM = Actor()


def actor_from_request(request: HttpRequest) -> Actor:
    user = request.user
    if not user.is_authenticated:
        return SYSTEM
    employee = getattr(user, "employee", None)
    return Actor(employee=employee, superuser=bool(user.is_superuser))
