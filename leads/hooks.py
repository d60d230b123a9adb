"""Capture hooks: what other apps add to every new lead, whatever path captured it.

``lead_capture`` is the one door every intake path goes through (pages, the
API, calls, texts, bookings, the Job screen's flyout). Apps on a higher floor
(assignment: the owner and the first-response clock) register here from their
``AppConfig.ready`` so leads never imports them.

- a *plan* hook runs first, on the unsaved lead, and says whether the app's
  hooks will write anything beside the lead for this capture (a rule's turn
  to take, a clock's check to queue); it writes nothing. When no hook will
  and the capture has nothing else to write, the lead and its audit entry are
  one statement and need no transaction (``core.prepared.insert_together``);
  a hook may keep what it decided in ``context.notes`` for its prepare hook,
  so both act on one decision;
- a *prepare* hook runs before the row is inserted, inside the capture's
  transaction when its plan hook said it writes; it may set fields on the
  unsaved lead (so no extra UPDATE) and returns what the "captured" audit
  entry should also say;
- a *captured* hook runs after the insert (the lead has its id), in the same
  transaction, for what needs the id (notifications).

A prepare or captured hook writes only when its plan hook said so: otherwise
its write would not be in the capture's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accounts.actor import Actor
    from leads.models import Lead


@dataclass(frozen=True)
class CaptureContext:
    actor: Actor
    # The assignee the person capturing picked (None: let the rules decide).
    chosen_assignee_id: int | None
    # What each app's plan hook decided, for its prepare and captured hooks.
    notes: dict[str, Any] = field(default_factory=dict)


PlanHook = Callable[["Lead", CaptureContext], bool]
PrepareHook = Callable[["Lead", CaptureContext], dict[str, Any]]
CapturedHook = Callable[["Lead", CaptureContext], None]

_plan: list[PlanHook] = []
_prepare: list[PrepareHook] = []
_captured: list[CapturedHook] = []


def on_plan(hook: PlanHook) -> PlanHook:
    if hook not in _plan:
        _plan.append(hook)
    return hook


def on_prepare(hook: PrepareHook) -> PrepareHook:
    if hook not in _prepare:
        _prepare.append(hook)
    return hook


def on_captured(hook: CapturedHook) -> CapturedHook:
    if hook not in _captured:
        _captured.append(hook)
    return hook


def run_plan(lead: Lead, context: CaptureContext) -> bool:
    """Whether any app's hooks will write beside the lead (every plan hook runs)."""
    return any([hook(lead, context) for hook in _plan])


def run_prepare(lead: Lead, context: CaptureContext) -> dict[str, Any]:
    audit: dict[str, Any] = {}
    for hook in _prepare:
        audit.update(hook(lead, context))
    return audit


def run_captured(lead: Lead, context: CaptureContext) -> None:
    for hook in _captured:
        hook(lead, context)
