from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model

from core.errors import invalid

M = TypeVar("M", bound=Model)

# Ids are 64-bit integers; a larger number cannot name a row (and the database
# driver would refuse it with an error that is not the caller's fault).
MAX_ID = 2**63 - 1


def _in_range(pk: int) -> bool:
    return 1 <= pk <= MAX_ID


def resolve(model: type[M], pk: int | None, field: str, *, require_active: bool = True) -> M | None:
    """The row a request refers to by id, or a 422 naming the field when it
    does not exist or is switched off. ``None`` stays ``None``."""
    if pk is None:
        return None
    obj = None
    if _in_range(pk):
        # get(), not first(): a primary key needs no ORDER BY.
        try:
            obj = model._default_manager.get(pk=pk)
        except ObjectDoesNotExist:
            obj = None
    label = model._meta.verbose_name
    if obj is None:
        raise invalid(field, f"{label} {pk} does not exist", code="unknown_reference")
    if require_active and getattr(obj, "active", True) is False:
        raise invalid(field, f"{label} {pk} ({obj}) is inactive", code="inactive_reference")
    return obj


def resolve_many(model: type[M], pks: list[int], field: str) -> list[M]:
    wanted = list(dict.fromkeys(pks))
    found = {
        obj.pk: obj for obj in model._default_manager.filter(pk__in=[pk for pk in wanted if _in_range(pk)])
    }
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        label = model._meta.verbose_name_plural
        raise invalid(field, f"{label} {', '.join(map(str, missing))} do not exist", code="unknown_reference")
    return [found[pk] for pk in wanted]
