"""Capture hooks: what other apps add to every new lead, whatever path captured it.

``lead_capture`` is the one door every intake path goes through (pages, the
API, calls, texts, bookings, the Job screen's flyout). Apps on a higher floor
(assignment: the owner and the first-response clock) register here from their
``AppConfig.ready`` so leads never imports them.

- a *prepare* hook runs before the row is inserted, inside the capture's
  transaction; it may set fields on the unsaved lead (so no extra UPDATE) and
  returns what the "captured" audit entry should also say;
- a *captured* hook runs after the insert (the lead has its id), still inside
  the transaction, for what needs the id (notifications).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.actor import Actor
    from leads.models import Lead


@dataclass(frozen=True)
class CaptureContext:
    actor: Actor
    # The assignee the person capturing picked (None: let the rules decide).
    chosen_assignee_id: int | None


PrepareHook = Callable[["Lead", CaptureContext], dict[str, Any]]
CapturedHook = Callable[["Lead", CaptureContext], None]

_prepare: list[PrepareHook] = []
_captured: list[CapturedHook] = []


def on_prepare(hook: PrepareHook) -> PrepareHook:
    if hook not in _prepare:
        _prepare.append(hook)
    return hook


def on_captured(hook: CapturedHook) -> CapturedHook:
    if hook not in _captured:
        _captured.append(hook)
    return hook


def run_prepare(lead: Lead, context: CaptureContext) -> dict[str, Any]:
    audit: dict[str, Any] = {}
    for hook in _prepare:
        audit.update(hook(lead, context))
    return audit


def run_captured(lead: Lead, context: CaptureContext) -> None:
    for hook in _captured:
        hook(lead, context)
