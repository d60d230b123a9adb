from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tests.factories import EmployeeFactory
from notifications.models import Notification
from notifications.services import notify, notify_roles, unread_count

pytestmark = pytest.mark.django_db


def test_it_tells_each_active_employee_once():
    csr = EmployeeFactory(role=Role.CSR)
    gone = EmployeeFactory(role=Role.CSR, active=False)
    told = notify(employees=[csr, gone.pk], kind="booking_new", text="New booking", url="/bookings/1/")
    assert told == 1
    row = Notification.objects.get()
    assert (row.employee, row.kind, row.url, row.read_at) == (csr, "booking_new", "/bookings/1/", None)


def test_it_tells_a_keyed_thing_only_once():
    csr = EmployeeFactory(role=Role.CSR)
    assert notify(employees=[csr], kind="sla_breached", text="Late", key="sla:1") == 1
    assert notify(employees=[csr], kind="sla_breached", text="Late", key="sla:1") == 0
    assert Notification.objects.count() == 1


def test_it_refuses_an_unknown_kind():
    csr = EmployeeFactory(role=Role.CSR)
    with pytest.raises(ValueError):
        notify(employees=[csr], kind="party", text="?")


def test_it_tells_a_role():
    m1, m2 = EmployeeFactory(role=Role.MANAGER), EmployeeFactory(role=Role.MANAGER)
    EmployeeFactory(role=Role.CSR)
    assert notify_roles(roles=[Role.MANAGER], kind="abandoned_call", text="Missed") == 2
    assert set(Notification.objects.values_list("employee", flat=True)) == {m1.pk, m2.pk}


def test_it_lists_only_my_own_notifications_newest_first(api_as):
    me = api_as(Role.CSR)
    other = EmployeeFactory(role=Role.CSR)
    notify(employees=[me.employee], kind="booking_new", text="first")
    notify(employees=[me.employee], kind="text_received", text="second")
    notify(employees=[other], kind="booking_new", text="not mine")
    r = me.get("/notifications")
    assert r.status_code == 200
    assert [n["text"] for n in r.json()["items"]] == ["second", "first"]
    assert set(r.json()["items"][0]) == {"id", "kind", "text", "url", "created_at", "read_at"}


def test_it_marks_read_and_filters_unread(api_as):
    me = api_as(Role.CSR)
    notify(employees=[me.employee], kind="booking_new", text="a")
    notify(employees=[me.employee], kind="booking_new", text="b")
    first = Notification.objects.get(text="a")
    r = me.post(f"/notifications/{first.pk}/read", {})
    assert r.status_code == 200 and r.json()["read_at"] is not None
    assert [n["text"] for n in me.get("/notifications?unread=true").json()["items"]] == ["b"]
    assert unread_count(me.employee) == 1


def test_it_will_not_mark_someone_elses(api_as):
    me = api_as(Role.CSR)
    other = EmployeeFactory(role=Role.CSR)
    notify(employees=[other], kind="booking_new", text="theirs")
    r = me.post(f"/notifications/{Notification.objects.get().pk}/read", {})
    assert r.status_code == 404
    assert Notification.objects.get().read_at is None


def test_it_is_not_for_integrations(integration_api):
    assert integration_api.get("/notifications").status_code == 403


def test_it_tells_roles_in_one_statement_once_per_key(django_assert_num_queries):
    csrs = EmployeeFactory.create_batch(2, role=Role.CSR)
    office = EmployeeFactory(role=Role.OFFICE)
    EmployeeFactory(role=Role.CSR, active=False)
    EmployeeFactory(role=Role.MANAGER)
    long_text = "x" * 400
    with django_assert_num_queries(1):
        told = notify_roles(
            roles=[Role.CSR, Role.OFFICE], kind="booking_new", text=long_text, url="/bookings/7/", key="b:7"
        )
    assert told == 3
    rows = list(Notification.objects.order_by("employee_id"))
    assert [r.employee_id for r in rows] == sorted(e.pk for e in [*csrs, office])
    assert {(r.kind, r.text, r.url, r.key, r.read_at) for r in rows} == {
        ("booking_new", "x" * 300, "/bookings/7/", "b:7", None)
    }
    assert all(r.created_at is not None for r in rows)
    # Told again under the same key: nobody twice; a new CSR is told now.
    late = EmployeeFactory(role=Role.CSR)
    assert notify_roles(roles=[Role.CSR, Role.OFFICE], kind="booking_new", text="again", key="b:7") == 1
    assert Notification.objects.filter(employee=late, key="b:7").count() == 1
    assert Notification.objects.count() == 4
    # Without a key every call tells everyone again.
    assert notify_roles(roles=[Role.OFFICE], kind="booking_new", text="plain") == 1
    assert notify_roles(roles=[Role.OFFICE], kind="booking_new", text="plain") == 1
    assert notify_roles(roles=[], kind="booking_new", text="nobody") == 0
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify_roles(roles=[Role.CSR], kind="nonsense", text="x")
