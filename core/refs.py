from __future__ import annotations

from typing import TypeVar

from django.db.models import Model

from core.errors import invalid
from core.prepared import by_pk

M = TypeVar("M", bound=Model)

# Ids are 64-bit integers; a larger number cannot name a row (and the database
# driver would refuse it with an error that is not the caller's fault).
MAX_ID = 2**63 - 1


def in_id_range(pk: int) -> bool:
    """Whether ``pk`` can name a row at all (the one range check every id lookup shares)."""
    return 1 <= pk <= MAX_ID


def resolve(model: type[M], pk: int | None, field: str, *, require_active: bool = True) -> M | None:
    """The row a request refers to by id, or a 422 naming the field when it
    does not exist or is switched off. ``None`` stays ``None``."""
    if pk is None:
        return None
    # A primary-key read compiled once per model (core.prepared): every intake
    # request resolves its ids here.
    obj = by_pk(model).first(pk=pk) if in_id_range(pk) else None
    label = model._meta.verbose_name
    if obj is None:
        raise invalid(field, f"{label} {pk} does not exist", code="unknown_reference")
    if require_active and getattr(obj, "active", True) is False:
        raise invalid(field, f"{label} {pk} ({obj}) is inactive", code="inactive_reference")
    return obj


def resolve_many(model: type[M], pks: list[int], field: str) -> list[M]:
    wanted = list(dict.fromkeys(pks))
    if not wanted:
        # Most requests name no tags: an empty IN sends nothing but still costs compiling.
        return []
    found = {
        obj.pk: obj for obj in model._default_manager.filter(pk__in=[pk for pk in wanted if in_id_range(pk)])
    }
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        label = model._meta.verbose_name_plural
        raise invalid(field, f"{label} {', '.join(map(str, missing))} do not exist", code="unknown_reference")
    return [found[pk] for pk in wanted]
