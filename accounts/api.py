from __future__ import annotations

from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from accounts.api_auth import actor
from accounts.models import Employee
from accounts.roles import Perm
from accounts.services import employee_set_available
from core.api import responses
from core.errors import not_found
from core.pagination import keyset_page
from core.phones import normalize_email, normalize_phone
from core.schemas import CURSOR, DEFAULT_LIMIT, LIMIT, Page

router = Router(tags=["Reference data"])

RoleName = Literal["csr", "technician", "office", "manager", "admin"]


class EmployeeIn(Schema):
    name: str = Field(..., min_length=1, max_length=120)
    role: RoleName
    active: bool = True
    email: str = ""
    phone: str = ""


class EmployeePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    role: RoleName | None = None
    active: bool | None = None
    email: str | None = None
    phone: str | None = None
    available: bool | None = Field(
        None, description="Available / Away: a CSR may switch their own; managers and admins anyone's."
    )


class EmployeeOut(Schema):
    id: int
    name: str
    role: RoleName
    active: bool
    email: str
    phone: str
    available: bool


def _contact(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("email"):
        data["email"] = normalize_email(data["email"])
    if data.get("phone"):
        data["phone"] = normalize_phone(data["phone"])
    return data


@router.get("/employees", response=responses({200: Page[EmployeeOut]}))
def list_employees(
    request: HttpRequest,
    role: RoleName | None = None,
    active: bool | None = None,
    cursor: CURSOR = "",
    limit: LIMIT = DEFAULT_LIMIT,
) -> dict[str, Any]:
    actor(request).require_staff()
    qs = Employee.objects.all()
    if role is not None:
        qs = qs.filter(role=role)
    if active is not None:
        qs = qs.filter(active=active)
    items, next_cursor = keyset_page(qs, order=("id",), cursor=cursor, limit=limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/employees", response=responses({201: EmployeeOut}))
def create_employee(request: HttpRequest, payload: EmployeeIn) -> Status:
    actor(request).require(Perm.SETTINGS)
    data = _contact(payload.dict())
    data["name"] = data["name"].strip()
    return Status(201, Employee.objects.create(**data))


@router.patch("/employees/{employee_id}", response=responses({200: EmployeeOut}))
def update_employee(request: HttpRequest, employee_id: int, payload: EmployeePatch) -> Employee:
    """Change an employee (admin). ``available`` alone (the Away switch) is also
    open to the employee themself and to managers."""
    who = actor(request)
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    available = changes.pop("available", None)
    if changes or available is None:
        who.require(Perm.SETTINGS)
    else:
        who.require_staff()
    employee = Employee.objects.filter(pk=employee_id).first()
    if employee is None:
        raise not_found(f"employee {employee_id}")
    with transaction.atomic():
        if changes:
            for name, value in _contact(changes).items():
                setattr(employee, name, value)
            employee.save()
        if available is not None:
            employee = employee_set_available(actor=who, employee=employee, available=available)
    return employee
