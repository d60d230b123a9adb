"""Who may do what (DESIGN.md): one table, read by pages and API alike."""

from __future__ import annotations

from enum import StrEnum

from accounts.models import Role


class Perm(StrEnum):
    WORK_LEADS = "work_leads"  # take calls, capture/follow up/convert leads, bookings
    WORK_CUSTOMERS = "work_customers"
    BOOK_JOBS = "book_jobs"
    VIEW_ALL_JOBS = "view_all_jobs"
    MANAGE_JOBS = "manage_jobs"  # change jobs and invoices after booking
    VIEW_ASSIGNED_JOBS = "view_assigned_jobs"
    SET_LEADS_ON_OWN_JOBS = "set_leads_on_own_jobs"
    REPORTS = "reports"
    EXCUSE_CALLS = "excuse_calls"
    SETTINGS = "settings"
    OVERBOOK = "overbook"  # book into a full arrival window on purpose (admins; audited)


_CSR = {
    Perm.WORK_LEADS,
    Perm.WORK_CUSTOMERS,
    Perm.BOOK_JOBS,
    Perm.VIEW_ALL_JOBS,
    Perm.VIEW_ASSIGNED_JOBS,
    Perm.SET_LEADS_ON_OWN_JOBS,
}
_OFFICE = _CSR | {Perm.MANAGE_JOBS}
_MANAGER = _OFFICE | {Perm.REPORTS, Perm.EXCUSE_CALLS}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.CSR: frozenset(_CSR),
    Role.TECHNICIAN: frozenset({Perm.VIEW_ASSIGNED_JOBS, Perm.SET_LEADS_ON_OWN_JOBS}),
    Role.OFFICE: frozenset(_OFFICE),
    Role.MANAGER: frozenset(_MANAGER),
    Role.ADMIN: frozenset(set(Perm)),
}


def role_can(role: str | None, perm: Perm) -> bool:
    return role is not None and perm in ROLE_PERMS.get(role, frozenset())
