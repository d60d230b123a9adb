import pytest

from accounts.models import Role
from assignment.models import AssignmentRule, SlaPolicy
from assignment.tests.helpers import csrs
from catalog.tests.factories import BusinessUnitFactory, CampaignFactory
from core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_it_creates_lists_and_patches_rules_as_admin(admin_api):
    a, b = csrs(2)
    campaign, unit = CampaignFactory(), BusinessUnitFactory()
    body = {
        "name": "Austin web leads",
        "match": {
            "lead_types": ["marketing"],
            "channels": ["online", "text"],
            "campaign_ids": [campaign.pk],
            "business_unit_ids": [unit.pk],
            "zip_prefixes": ["787"],
        },
        "strategy": "least_open",
        "employee_ids": [b.pk, a.pk],
        "available_only": True,
    }
    r = admin_api.post("/assignment-rules", body, headers={"Idempotency-Key": "rule-1"})
    assert r.status_code == 201, r.content
    out = r.json()
    assert out["match"] == body["match"] and out["employee_ids"] == [b.pk, a.pk]
    assert out["position"] == 0 and out["active"] is True and out["strategy"] == "least_open"
    again = admin_api.post("/assignment-rules", body, headers={"Idempotency-Key": "rule-1"})
    assert again.status_code == 201 and AssignmentRule.objects.count() == 1
    second = admin_api.post("/assignment-rules", {"name": "Rest", "employee_ids": [a.pk]}).json()
    assert second["position"] == 1 and second["match"]["channels"] == []
    listed = admin_api.get("/assignment-rules").json()["items"]
    assert [x["id"] for x in listed] == [out["id"], second["id"]]
    patched = admin_api.patch(
        f"/assignment-rules/{out['id']}", {"position": 3, "match": {"zip_prefixes": ["786"]}}
    ).json()
    assert patched["position"] == 3 and patched["match"]["zip_prefixes"] == ["786"]
    assert patched["match"]["channels"] == ["online", "text"]  # lists not named stay
    assert AuditEntry.objects.filter(entity="assignment_rule", action="updated").count() == 1


def test_it_names_each_bad_rule_field(admin_api):
    tech = csrs(1, role=Role.TECHNICIAN)[0]
    r = admin_api.post(
        "/assignment-rules",
        {
            "name": " ",
            "match": {"campaign_ids": [999999], "zip_prefixes": ["78a"]},
            "employee_ids": [tech.pk, 888888],
        },
    )
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {
        "name",
        "match.campaign_ids.0",
        "match.zip_prefixes.0",
        "employee_ids.0",
        "employee_ids.1",
    }
    bad_enum = admin_api.post("/assignment-rules", {"name": "x", "employee_ids": [], "strategy": "random"})
    assert bad_enum.status_code == 422 and bad_enum.json()["errors"][0]["field"] == "strategy"
    empty = admin_api.post("/assignment-rules", {"name": "x", "employee_ids": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "employee_ids"
    assert admin_api.patch("/assignment-rules/424242", {"name": "y"}).status_code == 404
    assert not AssignmentRule.objects.exists()


def test_it_keeps_rules_to_admins(api_as):
    for role in (Role.CSR, Role.MANAGER):
        client = api_as(role)
        assert client.get("/assignment-rules").status_code == 403
        assert client.post("/assignment-rules", {"name": "x", "employee_ids": []}).status_code == 403


def test_it_creates_and_patches_sla_policies(admin_api, csr_api):
    body = {
        "name": "Web",
        "lead_types": ["marketing"],
        "channels": ["online"],
        "minutes": 15,
        "business_hours_only": True,
    }
    r = admin_api.post("/sla-policies", body)
    assert r.status_code == 201, r.content
    pid = r.json()["id"]
    assert r.json() == {"id": pid, "active": True, **body}
    assert csr_api.get("/sla-policies").json()["items"][0]["minutes"] == 15
    assert csr_api.post("/sla-policies", body).status_code == 403
    bad = admin_api.patch(f"/sla-policies/{pid}", {"minutes": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "minutes"
    ok = admin_api.patch(f"/sla-policies/{pid}", {"minutes": 30, "active": False}).json()
    assert ok["minutes"] == 30 and ok["active"] is False
    assert SlaPolicy.objects.get().minutes == 30


def test_it_switches_an_employee_away_and_back(api_as, admin_api):
    csr = api_as(Role.CSR)
    me = csr.employee
    r = csr.patch(f"/employees/{me.pk}", {"available": False})
    assert r.status_code == 200, r.content
    assert r.json()["available"] is False
    me.refresh_from_db()
    assert me.available is False and me.available_changed_at is not None
    assert AuditEntry.objects.filter(entity="employee", entity_id=me.pk, action="away").exists()
    other = csrs(1)[0]
    assert csr.patch(f"/employees/{other.pk}", {"available": False}).status_code == 403
    assert csr.patch(f"/employees/{me.pk}", {"available": True, "name": "Me"}).status_code == 403
    manager = api_as(Role.MANAGER)
    assert manager.patch(f"/employees/{other.pk}", {"available": False}).json()["available"] is False
    assert admin_api.patch(f"/employees/{me.pk}", {"available": True}).json()["available"] is True


def test_it_edits_rules_in_settings():
    from django.test import Client

    from accounts.tests.factories import EmployeeFactory

    admin_employee = EmployeeFactory(role=Role.ADMIN)
    c = Client()
    c.force_login(admin_employee.user)
    a, b = csrs(2)
    form = {
        "name": "Web",
        "active": "on",
        "position": "0",
        "strategy": "round_robin",
        "channels": ["online"],
        "zips": "787, 786",
        "employees": f"{b.pk}, {a.pk}",
    }
    r = c.post("/settings/assignment/assignmentrule/add/", form)
    assert r.status_code == 302, r.content.decode()[:2000]
    rule = AssignmentRule.objects.get()
    assert rule.channels == ["online"] and rule.zip_prefixes == ["787", "786"]
    assert rule.employee_ids == [b.pk, a.pk]
    bad = c.post("/settings/assignment/assignmentrule/add/", {**form, "zips": "7a", "employees": "999999"})
    assert bad.status_code == 200 and AssignmentRule.objects.count() == 1
    assert "must be 1 to 5 digits" in bad.content.decode()
    p = c.post("/settings/assignment/slapolicy/add/", {"name": "Any", "active": "on", "minutes": "20"})
    assert p.status_code == 302 and SlaPolicy.objects.get().minutes == 20
    assert c.get("/settings/").status_code == 200
    assert "Assignment and SLAs" in c.get("/settings/").content.decode()


def test_it_escapes_employee_names_in_the_rule_forms_list():
    """Found by the payload render test (issue 10 item 12): the admin shows help
    text as HTML, and the rule form listed employee names in it as they were."""
    from django.test import Client

    from accounts.tests.factories import EmployeeFactory

    admin_employee = EmployeeFactory(role=Role.ADMIN)
    EmployeeFactory(role=Role.CSR, name='<script>alert("x")</script>')
    c = Client()
    c.force_login(admin_employee.user)
    html = c.get("/settings/assignment/assignmentrule/add/").content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<script>alert("x")</script>' not in html
