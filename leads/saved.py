"""Saved Follow Up views: a name and a query string per employee (issue 13).

Only the Follow Up filters and sort are kept (``LeadFilters``), never a page
cursor; an employee saves, applies and deletes only their own."""

from __future__ import annotations

from urllib.parse import urlencode

from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from pydantic import ValidationError

from accounts.actor import Actor
from accounts.models import Employee
from accounts.roles import Perm
from core.errors import forbidden, invalid, not_found
from leads.models import SavedFilter
from leads.selectors import LeadFilters

NAME_MAX = 80


def saved_filter_clean_query(query: str) -> str:
    """The query string reduced to Follow Up's filters and sort, in a stable order."""
    given = QueryDict(query.lstrip("?"))
    kept = {k: given[k] for k in sorted(given) if k in LeadFilters.model_fields and given[k] != ""}
    try:
        LeadFilters.model_validate(kept)
    except ValidationError as exc:
        bad = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors()}))
        raise invalid("query", f"has filters that are not valid: {bad}") from None
    return urlencode(kept)


def _employee(actor: Actor) -> Employee:
    actor.require(Perm.WORK_LEADS)
    employee = actor.require_employee()
    if employee is None:
        raise forbidden("Saved views belong to an employee.")
    return employee


def saved_filters_for(actor: Actor) -> QuerySet[SavedFilter]:
    return SavedFilter.objects.filter(employee=_employee(actor))


@transaction.atomic
def saved_filter_save(*, actor: Actor, name: str, query: str) -> SavedFilter:
    """Save the view under ``name``; saving a name again replaces that view."""
    employee = _employee(actor)
    name = " ".join(name.split())
    if not name:
        raise invalid("name", "is required to save a view")
    if len(name) > NAME_MAX:
        raise invalid("name", f"must be at most {NAME_MAX} characters")
    saved, _ = SavedFilter.objects.update_or_create(
        employee=employee, name=name, defaults={"query": saved_filter_clean_query(query)}
    )
    return saved


def saved_filter_get(*, actor: Actor, pk: int) -> SavedFilter:
    """One of the actor's own views; another employee's answers as if it did not exist."""
    saved = saved_filters_for(actor).filter(pk=pk).first()
    if saved is None:
        raise not_found(f"saved view {pk}")
    return saved


@transaction.atomic
def saved_filter_delete(*, actor: Actor, pk: int) -> None:
    saved_filter_get(actor=actor, pk=pk).delete()
