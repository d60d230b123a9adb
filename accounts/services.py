"""Employees' logins and API keys: the workflows Settings and the
``issue_api_key`` command share."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from accounts.actor import Actor
from accounts.models import ApiKey, Employee, Integration, Role
from accounts.roles import Perm
from core.errors import FieldError, collect, conflict, forbidden, invalid
from core.models import AuditEntry


def role_check(role: str) -> str:
    if role not in Role.values:
        raise invalid("role", f"'{role}' is not a role; use one of {', '.join(Role.values)}")
    return role


def employee_login_check(*, employee: Employee | None, username: str, password: str | None = None) -> str:
    """The username an employee may sign in with: not another employee's
    login, and a password the validators accept. Returns it stripped."""
    username = (username or "").strip()
    errors: list[FieldError] = []
    if not username:
        errors.append(FieldError("username", "is required"))
    else:
        User = get_user_model()
        others = Employee.objects.filter(user__username__iexact=username)
        if employee is not None and employee.pk is not None:
            others = others.exclude(pk=employee.pk)
        owner = others.first()
        if owner is not None:
            errors.append(FieldError("username", f"'{username}' is already the login of {owner}"))
        elif employee is None or employee.user_id is None:
            # An existing user without an employee (say, a superuser from
            # createsuperuser) is linked rather than refused.
            pass
        elif User.objects.filter(username__iexact=username).exclude(pk=employee.user_id).exists():
            errors.append(FieldError("username", f"'{username}' is taken by another login"))
    if password:
        try:
            validate_password(password)
        except ValidationError as exc:
            errors.extend(FieldError("password", m) for m in exc.messages)
    collect(errors)
    return username


@transaction.atomic
def employee_set_login(*, employee: Employee, username: str, password: str | None = None) -> AbstractBaseUser:
    """Give an employee a login, rename it, or set its password.

    ``password=None`` keeps the current one; a new login without a password
    gets an unusable one, so it cannot sign in until an admin sets it. The
    login follows the employee's ``active`` flag: a person who left cannot sign in.
    """
    username = employee_login_check(employee=employee, username=username, password=password)
    User = get_user_model()
    user = employee.user
    if user is None:
        user = User.objects.filter(username__iexact=username, employee__isnull=True).first() or User(
            username=username
        )
        if password is None and user.pk is None:
            user.set_unusable_password()
    user.username = username
    if password:
        user.set_password(password)
    user.is_active = employee.active
    user.save()
    if employee.user_id != user.pk:
        employee.user = user
        employee.save(update_fields=["user"])
    return user


@transaction.atomic
def employee_create(
    *,
    name: str,
    role: str,
    email: str = "",
    phone: str = "",
    active: bool = True,
    username: str = "",
    password: str | None = None,
) -> Employee:
    """A new employee, with a login when a username is given."""
    name = (name or "").strip()
    if not name:
        raise invalid("name", "is required")
    employee = Employee.objects.create(
        name=name, role=role_check(role), email=email, phone=phone, active=active
    )
    if username:
        employee_set_login(employee=employee, username=username, password=password)
    return employee


@transaction.atomic
def integration_get_or_create(*, name: str) -> tuple[Integration, bool]:
    """The integration called ``name``, created with a free slug when missing."""
    name = (name or "").strip()
    if not name:
        raise invalid("name", "is required")
    existing = Integration.objects.filter(name__iexact=name).first()
    if existing is not None:
        return existing, False
    base = slugify(name)[:50] or "integration"
    slug, n = base, 1
    while Integration.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Integration.objects.create(name=name, slug=slug), True


@transaction.atomic
def api_key_issue(
    *, employee: Employee | None = None, integration: Integration | None = None, name: str = ""
) -> tuple[ApiKey, str]:
    """A new key for exactly one owner, returned with its secret.

    The secret exists only in this return value (the row keeps a hash), so
    the caller shows it once and never stores or logs it.
    """
    if (employee is None) == (integration is None):
        raise invalid("owner", "a key belongs to exactly one employee or one integration")
    owner = employee or integration
    assert owner is not None
    if not owner.active:
        raise conflict(f"{owner} is inactive; activate it before issuing a key.", code="inactive_owner")
    return ApiKey.issue(employee=employee, integration=integration, name=(name or "").strip())


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Stop a key from authenticating; revoking twice keeps the first time."""
    key.revoke()
    return key


@transaction.atomic
def employee_set_available(*, actor: Actor, employee: Employee, available: bool) -> Employee:
    """A CSR's Available / Away switch. Anyone may flip their own; managers and
    admins anyone's. Assignment rules with ``available_only`` (and ringing) skip
    someone Away; ``available_changed_at`` says since when."""
    me = actor.employee
    if not (me is not None and me.pk == employee.pk and actor.role is not None) and not actor.can(
        Perm.REPORTS
    ):
        raise forbidden("Only managers and admins may switch someone else between Available and Away.")
    locked = Employee.objects.select_for_update().get(pk=employee.pk)
    if locked.available != available:
        locked.available = available
        locked.available_changed_at = timezone.now()
        locked.save(update_fields=["available", "available_changed_at"])
        AuditEntry.record(
            actor=actor,
            entity="employee",
            entity_id=locked.pk,
            action="available" if available else "away",
            changes={"available": available},
        )
    employee.available, employee.available_changed_at = locked.available, locked.available_changed_at
    return locked
