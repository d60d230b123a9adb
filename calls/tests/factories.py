"""Calls are made through the real event service, as a provider would."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Integration
from accounts.tests.factories import IntegrationFactory
from calls.models import Call
from calls.services import call_event_record

_seq = iter(range(1, 10**9))


def provider_actor(integration: Integration | None = None) -> Actor:
    return Actor(integration=integration or IntegrationFactory())


def ring(
    *,
    actor: Actor | None = None,
    call_id: str | None = None,
    from_number: str = "+15128675309",
    to_number: str = "+15125550100",
    at: datetime | None = None,
) -> Call:
    return call_event_record(
        actor=actor or provider_actor(),
        provider_call_id=call_id or f"sim-{next(_seq)}",
        event="ringing",
        at=at or timezone.now(),
        from_number=from_number,
        to_number=to_number,
    )


def play_call(
    *,
    actor: Actor | None = None,
    agent: Employee | None = None,
    seconds: int = 90,
    from_number: str = "+15128675309",
    to_number: str = "+15125550100",
    call_id: str | None = None,
) -> Call:
    """A whole call: ringing, then accepted by ``agent`` (if any), then ended.

    ``seconds`` is the talk time when answered, the wait when abandoned.
    """
    actor = actor or provider_actor()
    call_id = call_id or f"sim-{next(_seq)}"
    start = timezone.now() - timedelta(seconds=seconds + 30)
    ring(actor=actor, call_id=call_id, from_number=from_number, to_number=to_number, at=start)
    answered = start
    if agent is not None:
        answered = start + timedelta(seconds=8)
        call_event_record(
            actor=actor, provider_call_id=call_id, event="accepted", at=answered, agent_id=agent.pk
        )
    return call_event_record(
        actor=actor,
        provider_call_id=call_id,
        event="ended",
        at=answered + timedelta(seconds=seconds),
    )
