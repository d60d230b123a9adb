from __future__ import annotations

from typing import Any, Protocol

from django.db import models

from core.generation import GENERATION_TABLE
from core.prepared import insert


class AuditActor(Protocol):
    """Who did it, as the audit trail needs it (``accounts.actor.Actor`` is one)."""

    @property
    def employee(self) -> models.Model | None: ...

    @property
    def integration(self) -> models.Model | None: ...

    @property
    def label(self) -> str: ...


class AuditEntry(models.Model):
    """Who changed what and when, for leads, jobs and invoices.

    One table for every audited entity keeps the rule ("every change records
    who and when") in one place; the entity's own page reads its rows.
    """

    entity = models.CharField(max_length=20)
    entity_id = models.BigIntegerField()
    action = models.CharField(max_length=40)
    at = models.DateTimeField(auto_now_add=True)
    employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    integration = models.ForeignKey(
        "accounts.Integration", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=160)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["entity", "entity_id", "at"])]
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.entity} {self.entity_id} {self.action} by {self.actor_label}"

    @classmethod
    def record(
        cls,
        *,
        actor: AuditActor,
        entity: str,
        entity_id: int,
        action: str,
        changes: dict[str, Any] | None = None,
    ) -> AuditEntry:
        entry = cls.entry(actor=actor, entity=entity, entity_id=entity_id, action=action, changes=changes)
        insert(entry)  # every write records one: the INSERT is compiled once
        return entry

    @classmethod
    def entry(
        cls,
        *,
        actor: AuditActor,
        entity: str,
        entity_id: int | None,
        action: str,
        changes: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """The entry ``record`` saves, unsaved: for a write that inserts it
        together with the row it is about (``core.prepared.insert_together``)."""
        entry = cls(
            entity=entity,
            action=action,
            employee_id=actor.employee.pk if actor.employee else None,
            integration_id=actor.integration.pk if actor.integration else None,
            actor_label=actor.label,
            changes=changes or {},
        )
        if entity_id is not None:  # None: the row it is about is not written yet
            entry.entity_id = entity_id
        return entry

    @classmethod
    def for_entity(cls, entity: str, entity_id: int) -> models.QuerySet[AuditEntry]:
        return cls.objects.filter(entity=entity, entity_id=entity_id).select_related("employee")


class IdempotencyRecord(models.Model):
    """A creating POST's response, kept so a retry with the same
    ``Idempotency-Key`` replays it instead of creating anything again."""

    scope = models.CharField(max_length=80, help_text="Who sent it: a hash of the key, or the user.")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    content_type = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key})"


class ConfigGeneration(models.Model):
    """One row (id 1): the number every change to a kept table moves (``core.generation``)."""

    value = models.BigIntegerField()

    class Meta:
        db_table = GENERATION_TABLE

    def __str__(self) -> str:
        return f"configuration generation {self.value}"
