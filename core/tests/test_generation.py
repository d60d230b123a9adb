"""core.generation: a kept lookup answers from what it read only while nothing
it reads has changed, whoever changed it and however."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, cast

import pytest
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext

from accounts.models import Employee
from accounts.tests.factories import EmployeeFactory, IntegrationFactory
from assignment.models import AssignmentRule, SlaPolicy
from assignment.services import _ACTIVE_RULES
from bookings.models import CampaignRule
from bookings.tests.factories import CampaignRuleFactory
from catalog.models import Campaign, TrackingNumber
from catalog.tests.factories import CampaignFactory, TrackingNumberFactory
from core import generation
from core.models import ConfigGeneration
from core.prepared import Prepared, by_pk
from leads.models import Lead

pytestmark = pytest.mark.django_db


def value() -> int:
    return ConfigGeneration.objects.get(pk=1).value


@pytest.fixture(autouse=True)
def _nothing_noted() -> Iterator[None]:
    generation.forget()
    yield
    generation.forget()


def _rule() -> AssignmentRule:
    return AssignmentRule.objects.create(name="Everyone", employee_ids=[EmployeeFactory().pk])


# One way to make a row of each kept model: a model kept without its trigger fails below.
MAKERS: dict[type[Model], Callable[[], Any]] = {
    Campaign: CampaignFactory,
    TrackingNumber: TrackingNumberFactory,
    Employee: EmployeeFactory,
    AssignmentRule: _rule,
    SlaPolicy: lambda: SlaPolicy.objects.create(name="Respond", minutes=15),
    CampaignRule: lambda: CampaignRuleFactory(integration=IntegrationFactory()),
}


def test_every_kept_model_is_tested_here() -> None:
    assert set(MAKERS) == generation._kept


@pytest.mark.parametrize("model", list(MAKERS), ids=lambda m: m.__name__)
def test_every_write_to_a_kept_table_moves_the_generation(model: type[Model]) -> None:
    seen = [value()]

    def moved() -> bool:
        seen.append(value())
        return seen[-1] != seen[-2]

    obj = MAKERS[model]()
    assert moved(), "insert"
    obj.save()
    assert moved(), "save"
    model._default_manager.filter(pk=obj.pk).update(
        **{_plain_field(model): getattr(obj, _plain_field(model))}
    )
    assert moved(), "queryset update"
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(model._meta.get_field(_plain_field(model)).column)
        cursor.execute(f"UPDATE {table} SET {column} = {column} WHERE id = %s", [obj.pk])
    assert moved(), "raw SQL"
    if model is not Employee:  # employees are retired, never deleted (a key or a lead points at them)
        obj.delete()
        assert moved(), "delete"


def _plain_field(model: type[Model]) -> str:
    return next(f.name for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation)


def test_without_its_row_nothing_is_kept_until_a_write_brings_it_back(csr_api: Any) -> None:
    ConfigGeneration.objects.all().delete()  # as a test database's flush leaves it
    campaign = CampaignFactory()  # the trigger writes the row back
    generation.note(value())
    assert _statements(lambda: by_pk(Campaign).first(pk=campaign.pk))[1] == 1
    assert _statements(lambda: by_pk(Campaign).first(pk=campaign.pk))[1] == 0
    ConfigGeneration.objects.all().delete()
    generation.forget()
    csr_api.get("/leads")  # the key's lookup reads no generation: nothing noted
    assert generation.noted() is None


def test_the_round_robin_cursor_does_not_move_it() -> None:
    rule = _rule()
    before = value()
    AssignmentRule.objects.filter(pk=rule.pk).update(last_employee_id=rule.employee_ids[0])
    assert value() == before
    rule.name = "Renamed"
    rule.save()
    assert value() != before


def _statements(run: Callable[[], Any]) -> tuple[Any, int]:
    with CaptureQueriesContext(connection) as captured:
        result = run()
    return result, len(captured.captured_queries)


def test_outside_an_api_request_every_lookup_reads() -> None:
    campaign = CampaignFactory()
    for _ in range(2):
        found, sent = _statements(lambda: by_pk(Campaign).first(pk=campaign.pk))
        assert found == campaign and sent == 1


def test_under_one_generation_a_kept_lookup_reads_once_and_answers_fresh_instances() -> None:
    campaign = CampaignFactory(name="Yard signs")
    generation.note(value())
    first, sent = _statements(lambda: by_pk(Campaign).first(pk=campaign.pk))
    assert sent == 1
    second, sent = _statements(lambda: by_pk(Campaign).first(pk=campaign.pk))
    assert sent == 0
    assert second == first and second is not first and second.name == "Yard signs"
    # A miss is held too (an insert would move the generation), and another id is read.
    assert _statements(lambda: by_pk(Campaign).first(pk=campaign.pk + 1000)) == (None, 1)
    assert _statements(lambda: by_pk(Campaign).first(pk=campaign.pk + 1000)) == (None, 0)


def test_a_change_made_elsewhere_is_read_on_the_next_generation() -> None:
    campaign = CampaignFactory(name="Yard signs")
    generation.note(value())
    assert by_pk(Campaign).first(pk=campaign.pk).name == "Yard signs"
    with connection.cursor() as cursor:  # another process: no signal reaches this one
        cursor.execute("UPDATE catalog_campaign SET name = 'Door hangers' WHERE id = %s", [campaign.pk])
    generation.note(value())  # the next request's key lookup
    found, sent = _statements(lambda: by_pk(Campaign).first(pk=campaign.pk))
    assert sent == 1 and found.name == "Door hangers"


def test_a_request_that_writes_a_kept_table_reads_its_own_writes() -> None:
    campaign = cast(Campaign, CampaignFactory(name="Yard signs"))
    generation.note(value())
    by_pk(Campaign).first(pk=campaign.pk)
    campaign.name = "Door hangers"
    campaign.save()
    assert generation.noted() is None
    assert by_pk(Campaign).first(pk=campaign.pk).name == "Door hangers"


def test_a_change_rolled_back_leaves_nothing_stale() -> None:
    campaign = CampaignFactory(name="Yard signs")
    before = value()
    generation.note(before)
    assert by_pk(Campaign).first(pk=campaign.pk).name == "Yard signs"
    with pytest.raises(RuntimeError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE catalog_campaign SET name = 'Door hangers' WHERE id = %s", [campaign.pk])
        generation.note(value())
        assert by_pk(Campaign).first(pk=campaign.pk).name == "Door hangers"
        raise RuntimeError("roll back")
    assert value() == before
    generation.note(value())
    assert by_pk(Campaign).first(pk=campaign.pk).name == "Yard signs"
    # The number the rolled-back change took is never used again.
    campaign.save()
    assert value() != before


def test_instances_from_held_rows_share_nothing_mutable() -> None:
    _rule()
    generation.note(value())
    first = _ACTIVE_RULES.all()
    first[0].employee_ids.append(-1)
    again = _ACTIVE_RULES.all()
    assert -1 not in again[0].employee_ids


def test_a_lookup_that_reads_an_unkept_table_cannot_be_kept() -> None:
    lookup = Prepared(lambda pk: Lead.objects.filter(pk=pk)[:1], kept=True, pk=int)
    with pytest.raises(ValueError, match="leads_lead"):
        lookup.first(pk=1)
    joined = Prepared(
        lambda pk: TrackingNumber.objects.select_related("campaign__business_unit").filter(pk=pk)[:1],
        kept=True,
        pk=int,
    )
    with pytest.raises(ValueError, match="catalog_businessunit"):
        joined.first(pk=1)


def test_an_api_request_reads_campaigns_and_rules_once_per_change(csr_api: Any) -> None:
    campaign = CampaignFactory()
    body = {
        "type": "marketing",
        "campaign_id": campaign.pk,
        "contact": {"name": "Pat", "phone": "5128675309"},
    }

    def capture() -> tuple[Any, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            r = csr_api.post("/leads", body)
        return r, [q["sql"] for q in captured.captured_queries]

    r, sql = capture()
    assert r.status_code == 201 and any("catalog_campaign" in s for s in sql)
    r, sql = capture()
    assert r.status_code == 201
    assert not any("catalog_campaign" in s or "assignment_" in s for s in sql), sql
    # Switched off by another process: the next request's key lookup sees the generation move.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_campaign SET active = %s WHERE id = %s", [False, campaign.pk])
    r, _ = capture()
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "campaign_id"
    # A rule made elsewhere applies to the very next capture.
    csr = EmployeeFactory(role="csr")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE catalog_campaign SET active = %s WHERE id = %s", [True, campaign.pk])
    _rule_for = AssignmentRule.objects.create(name="All to one", employee_ids=[csr.pk])
    r, _ = capture()
    assert r.status_code == 201 and r.json()["assignee_id"] == csr.pk and _rule_for.pk
