"""Assignment rules (who owns a new lead) and first-response SLA policies
(how long it may wait). Both are admin-managed and read on every capture."""

from __future__ import annotations

from django.db import models


class AssignmentRule(models.Model):
    """The first active rule by ``position`` whose match fits a new lead picks
    its assignee among ``employee_ids``. An empty match list matches anything;
    the lists are ANDed."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", "Round robin"
        LEAST_OPEN = "least_open", "Fewest open leads"

    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    lead_types = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    campaign_ids = models.JSONField(default=list, blank=True)
    business_unit_ids = models.JSONField(default=list, blank=True)
    zip_prefixes = models.JSONField(default=list, blank=True)
    strategy = models.CharField(max_length=12, choices=Strategy.choices, default=Strategy.ROUND_ROBIN)
    # In turn order: round robin goes down this list.
    employee_ids = models.JSONField(default=list, blank=True)
    available_only = models.BooleanField(default=False)
    # The round robin's cursor: who got the rule's last lead. Read under a row
    # lock, so concurrent captures take turns instead of both taking the same.
    last_employee = models.ForeignKey(
        "accounts.Employee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(strategy__in=["round_robin", "least_open"]), name="rule_strategy_valid"
            ),
        ]
        indexes = [models.Index(fields=["active", "position", "id"])]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """A first-response target: ``minutes`` for the leads of these types and
    channels (empty: any), counted in business hours when the policy says so."""

    name = models.CharField(max_length=120)
    active = models.BooleanField(default=True)
    lead_types = models.JSONField(default=list, blank=True)
    channels = models.JSONField(default=list, blank=True)
    minutes = models.PositiveIntegerField()
    business_hours_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [models.CheckConstraint(condition=models.Q(minutes__gt=0), name="sla_minutes_positive")]

    def __str__(self) -> str:
        return self.name
