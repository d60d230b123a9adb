"""Abandoned online bookings become leads (issue 15, item 5).

- As soon as the visitor has typed a phone or an email that could reach them,
  the public form keeps a draft (``draft_save``, posted by htmx as they type),
  one row per form token, rate-limited per client like the form itself.
- Creating the draft enqueues ``draft_abandon`` for ``LEADLINE_FORM_ABANDON_MINUTES``
  later (default 5). When it runs it looks at the last keystroke: still typing
  means it waits again; the form sent means nothing to do; otherwise the draft
  becomes an online booking (``bookings.services.booking_receive``: the form's
  campaign rules and attribution, as a sent form would) turned into a marketing
  lead "Started an online booking and left" (``booking_abandoned_lead``, through
  ``lead_capture``: assignment rules and the first-response clock apply), and,
  with the form's text-back on, the lead is texted (``messaging.textback``).
- The visitor sending the form later folds into that booking and lead
  (``bookings.services.booking_public_submit``): never a second lead.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from accounts.models import Integration
from bookings.models import ATTRIBUTION_FIELDS, Booking
from bookings.services import (
    ABANDONED_SUMMARY,
    booking_abandoned_lead,
    booking_receive,
    public_form_throttle,
    public_windows,
)
from core.errors import DomainError
from formdrafts.models import FormDraft
from leads.models import Lead
from leads.services import Contact, normalize_contact
from messaging.textback import lead_text_back_schedule
from scheduling.services import slot_from_key

log = logging.getLogger("leadline.formdrafts")

# What the form posts, and how much of each is kept.
DRAFT_FIELDS = {
    "job_type_id": 12,
    "business_unit_id": 12,
    "window": 40,
    "description": 4000,
    "name": 200,
    "phone": 40,
    "email": 254,
    "street": 200,
    "unit": 40,
    "city": 100,
    "state": 40,
    "zip": 20,
}
CONTACT = ("name", "phone", "email", "street", "unit", "city", "state", "zip")
# The worker may run a task a little early or late against the clock.
SLACK = timedelta(seconds=2)


def abandon_after() -> timedelta:
    return timedelta(minutes=float(getattr(settings, "LEADLINE_FORM_ABANDON_MINUTES", 5)))


def _usable(fields: Mapping[str, str]) -> dict[str, str]:
    """The contact fields that are valid on their own (a half-typed email is left out)."""
    kept: dict[str, str] = {}
    for name in CONTACT:
        value = fields.get(name, "").strip()
        if not value:
            continue
        try:
            kept[name] = normalize_contact(Contact(**{name: value}))[name]
        except DomainError:
            continue
    return kept


def _reachable(fields: Mapping[str, str]) -> bool:
    usable = _usable(fields)
    return bool(usable.get("phone") or usable.get("email"))


def draft_save(
    *,
    integration: Integration,
    client_ip: str,
    token: str,
    fields: Mapping[str, str],
    attribution: Mapping[str, str],
) -> FormDraft | None:
    """Keep what the visitor has typed so far; nothing until a phone or an email
    could reach them. The first save of a form counts against the client's rate
    limit (429) and starts the abandon clock; later saves move ``typed_at``."""
    token = token.strip()[:64]
    if not token:
        return None
    kept = {name: str(fields.get(name, ""))[:limit] for name, limit in DRAFT_FIELDS.items()}
    source = {name: str(attribution.get(name, ""))[:1000] for name in ATTRIBUTION_FIELDS}
    now = timezone.now()
    draft = FormDraft.objects.filter(integration=integration, token=token).first()
    if draft is None:
        if not _reachable(kept):
            return None
        public_form_throttle(client_ip=f"draft:{client_ip}")
        try:
            with transaction.atomic():
                draft = FormDraft.objects.create(
                    integration=integration, token=token, fields=kept, attribution=source, typed_at=now
                )
                draft_abandon.using(run_after=now + abandon_after()).enqueue(draft.pk)
        except IntegrityError:
            draft = FormDraft.objects.filter(integration=integration, token=token).first()
        return draft
    if draft.status == FormDraft.Status.OPEN:
        FormDraft.objects.filter(pk=draft.pk, status=FormDraft.Status.OPEN).update(
            fields=kept, attribution=source, typed_at=now
        )
    return draft


def _booking_of(draft: FormDraft) -> Booking | None:
    """The draft as an online booking (what a sent form would have made, marked
    abandoned); ``None`` when the visitor's own booking got there first."""
    fields = draft.fields
    offered = public_windows(
        job_type_id=int(fields["job_type_id"]) if str(fields.get("job_type_id", "")).isdigit() else None,
        business_unit_id=int(fields["business_unit_id"])
        if str(fields.get("business_unit_id", "")).isdigit()
        else None,
    )
    slot = slot_from_key(fields.get("window", "")) if fields.get("window") else None
    if slot is not None and (
        offered.unit is None
        or slot.business_unit_id != offered.unit.pk
        or slot.open <= 0
        or slot.end <= timezone.now()
    ):
        slot = None  # a window gone full or past is left to the CSR
    description = str(fields.get("description", "")).strip()
    received = booking_receive(
        integration=draft.integration,
        external_id=f"form:{draft.token}",
        channel=Booking.Channel.ONLINE,
        contact=Contact(**_usable(fields)),
        window_start=slot.start if slot else None,
        window_end=slot.end if slot else None,
        summary=f"{ABANDONED_SUMMARY}: {description}" if description else ABANDONED_SUMMARY,
        business_unit_id=offered.unit.pk if offered.unit else None,
        job_type_id=offered.job_type.pk if offered.job_type else None,
        attribution=draft.attribution,
        raw_payload={"abandoned": True, "form": fields, "attribution": draft.attribution},
    )
    return received.booking if received.created else None


@task()
def draft_abandon(draft_id: int) -> str:
    """Run by the worker ``LEADLINE_FORM_ABANDON_MINUTES`` after the draft's first
    save: waits again while the visitor is still typing; once they have been gone
    that long, the draft becomes a lead (once: the draft row is locked)."""
    now = timezone.now()
    with transaction.atomic():
        draft = (
            FormDraft.objects.select_for_update(of=("self",))
            .select_related("integration")
            .filter(pk=draft_id)
            .first()
        )
        if draft is None or draft.status != FormDraft.Status.OPEN:
            return "skipped"
        due = draft.typed_at + abandon_after()
        if due > now + SLACK:
            draft_abandon.using(run_after=due).enqueue(draft.pk)
            return "waiting"
        if Booking.objects.filter(integration=draft.integration, external_id=f"form:{draft.token}").exists():
            draft.status = FormDraft.Status.SUBMITTED
            draft.save(update_fields=["status"])
            return "submitted"
        lead: Lead | None = None
        try:
            with transaction.atomic():
                booking = _booking_of(draft)
        except DomainError as exc:
            draft.status, draft.reason = FormDraft.Status.SKIPPED, exc.detail[:200]
            draft.save(update_fields=["status", "reason"])
            log.warning("form draft %s left without a lead: %s", draft.pk, exc.detail)
            return "skipped"
        if booking is None:
            draft.status = FormDraft.Status.SUBMITTED
            draft.save(update_fields=["status"])
            return "submitted"
        try:
            with transaction.atomic():
                lead = booking_abandoned_lead(booking=booking)
        except DomainError as exc:
            # No lead (say, no campaign rule names one): the booking stays new on the
            # Bookings screen, so the visitor is not lost.
            draft.status, draft.reason = FormDraft.Status.SKIPPED, f"booking {booking.pk}: {exc.detail}"[:200]
            draft.save(update_fields=["status", "reason"])
            log.warning(
                "form draft %s kept as booking %s without a lead: %s", draft.pk, booking.pk, exc.detail
            )
            return "skipped"
        draft.status, draft.lead, draft.captured_at = FormDraft.Status.CAPTURED, lead, now
        draft.save(update_fields=["status", "lead", "captured_at"])
    if lead is not None:
        log.info(
            "form draft %s became lead %s %.1f s after the last keystroke",
            draft.pk,
            lead.pk,
            (lead.created_at - draft.typed_at).total_seconds(),
        )
        lead_text_back_schedule(lead=lead, integration=draft.integration)
    return "captured"
