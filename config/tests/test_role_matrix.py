"""Who may call what, generated from the served OpenAPI document (issue 10 item 12).

Every operation of ``/api/v1/openapi.json`` is called by every role (DESIGN.md
"Who may do what") and by an integration's key, each on records it owns and on
records of others, and the answer's status class is checked against ONE table,
``MAY`` below. An operation the table does not name fails the test: a new
endpoint lands with a decision or not at all.

Reading the table:

- ``OK``: the caller reaches the handler and the realistic request built here
  succeeds (2xx). ``NO``: 403. ``HIDDEN``: 404, where the design does not tell
  the caller that the record exists (a technician asking for another
  technician's job or lead). A bare number is that exact status.
- ``technician`` acts on their own job and the lead they set; ``technician_others``
  on another technician's job and a lead they did not set. ``integration`` acts on
  its own bookings and calls; ``integration_others`` on another integration's.
  Where a row does not name the ``*_others`` column it is the same as its owner's.
- Without a key every operation that declares security is a 401; a provider
  webhook (no Leadline key, the integration's own signature) refuses an unsigned
  request with 403 whoever sends it.

Each request runs in a savepoint that is rolled back, so every caller meets
the same records. What comes back is checked too: an integration is never told
a customer's name, phones, emails or id, nor who else matches; a technician is
never told about a customer none of their jobs is for.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

import pytest
from django.db import transaction
from django.test import Client

from accounts.models import ApiKey, Employee, Provider, Role
from accounts.tests.factories import EmployeeFactory, IntegrationFactory
from assignment.models import AssignmentRule, SlaPolicy
from bookings.tests.factories import BookingFactory
from calls.tests.factories import play_call, provider_actor, ring
from catalog.tests.factories import (
    BookingGuideFactory,
    CallReasonFactory,
    CampaignFactory,
    DismissReasonFactory,
    JobTypeFactory,
    TagFactory,
    TrackingNumberFactory,
)
from customers.tests.factories import LocationFactory, PhoneFactory
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.tests.factories import LeadFactory
from notifications.models import Notification
from scheduling.models import ArrivalWindow

pytestmark = pytest.mark.django_db

OK, NO, HIDDEN = "ok", 403, 404
ROLES = ("admin", "manager", "office", "csr", "technician")
CALLERS = (*ROLES, "technician_others", "integration", "integration_others")


@dataclass(frozen=True)
class May:
    """What each caller gets: OK (2xx), NO (403), HIDDEN (404) or an exact status."""

    admin: Any
    manager: Any
    office: Any
    csr: Any
    technician: Any
    integration: Any
    technician_others: Any = None
    integration_others: Any = None

    def expected(self, caller: str) -> Any:
        value = getattr(self, caller)
        if value is None:  # the *_others column defaults to the owner's
            return getattr(self, caller.removesuffix("_others"))
        return value


# Shapes that recur, named after DESIGN.md's table.
ADMIN_ONLY = May(OK, NO, NO, NO, NO, NO)  # Settings: reference data, employees, integrations, rules
STAFF = May(OK, OK, OK, OK, OK, NO)  # reference data every employee reads (the flyout's pickers)
CSR_UP = May(OK, OK, OK, OK, NO, NO)  # calls, leads, bookings, customers: CSR and up
OFFICE_UP = May(OK, OK, OK, NO, NO, NO)  # jobs and invoices after booking
MANAGER_UP = May(OK, OK, NO, NO, NO, NO)  # reports, excusing calls
# A lead by id: CSR and up any lead; a technician reads the leads they set, is
# refused changing them, and is not told that other leads exist.
LEAD_READ = May(OK, OK, OK, OK, OK, NO, technician_others=HIDDEN)
LEAD_WRITE = May(OK, OK, OK, OK, NO, NO, technician_others=HIDDEN)
WEBHOOK = May(NO, NO, NO, NO, NO, NO)  # unsigned: refused for everyone

MAY: dict[tuple[str, str], May] = {
    # Reference data: every employee reads; admins write (API.md "Writes need the admin role").
    ("GET", "/business-units"): STAFF,
    ("POST", "/business-units"): ADMIN_ONLY,
    ("PATCH", "/business-units/{unit_id}"): ADMIN_ONLY,
    ("GET", "/job-types"): STAFF,
    ("POST", "/job-types"): ADMIN_ONLY,
    ("PATCH", "/job-types/{job_type_id}"): ADMIN_ONLY,
    ("GET", "/campaigns"): STAFF,
    ("POST", "/campaigns"): ADMIN_ONLY,
    ("PATCH", "/campaigns/{campaign_id}"): ADMIN_ONLY,
    ("GET", "/call-reasons"): STAFF,
    ("POST", "/call-reasons"): ADMIN_ONLY,
    ("PATCH", "/call-reasons/{reason_id}"): ADMIN_ONLY,
    ("GET", "/tags"): STAFF,
    ("POST", "/tags"): ADMIN_ONLY,
    ("PATCH", "/tags/{tag_id}"): ADMIN_ONLY,
    ("GET", "/booking-guides"): STAFF,
    ("POST", "/booking-guides"): ADMIN_ONLY,
    ("PATCH", "/booking-guides/{guide_id}"): ADMIN_ONLY,
    ("GET", "/business-hours"): STAFF,
    ("PUT", "/business-hours"): ADMIN_ONLY,
    ("GET", "/arrival-windows"): STAFF,
    ("POST", "/arrival-windows"): ADMIN_ONLY,
    ("PATCH", "/arrival-windows/{window_id}"): ADMIN_ONLY,
    ("GET", "/availability"): STAFF,  # the flyout's Book now picks a window
    ("GET", "/employees"): STAFF,
    ("POST", "/employees"): ADMIN_ONLY,
    # The row's body changes a name: admins only. (Available/Away alone is the
    # employee's own or a manager's: assignment/tests/test_api.py.)
    ("PATCH", "/employees/{employee_id}"): ADMIN_ONLY,
    # Customers: CSR and up find, create and edit them.
    ("POST", "/customers"): CSR_UP,
    ("GET", "/customers"): CSR_UP,
    ("GET", "/customers/{customer_id}"): CSR_UP,
    ("PATCH", "/customers/{customer_id}"): CSR_UP,
    ("POST", "/customers/{customer_id}/locations"): CSR_UP,
    ("PATCH", "/customers/{customer_id}/locations/{location_id}"): CSR_UP,
    ("POST", "/customers/{customer_id}/merge"): CSR_UP,
    # Jobs: CSRs book; the office changes jobs and invoices; a technician sees
    # and moves along their own jobs and is not told that others exist.
    ("POST", "/jobs"): CSR_UP,
    ("GET", "/jobs"): May(OK, OK, OK, OK, OK, NO),  # a technician's list is their own jobs
    ("GET", "/jobs/{job_id}"): May(OK, OK, OK, OK, OK, NO, technician_others=HIDDEN),
    ("PATCH", "/jobs/{job_id}"): May(OK, OK, OK, NO, NO, NO, technician_others=HIDDEN),
    ("POST", "/jobs/{job_id}/status"): May(OK, OK, OK, NO, OK, NO, technician_others=HIDDEN),
    ("POST", "/jobs/{job_id}/invoice/lines"): May(OK, OK, OK, NO, NO, NO, technician_others=HIDDEN),
    ("POST", "/jobs/{job_id}/invoice/status"): May(OK, OK, OK, NO, NO, NO, technician_others=HIDDEN),
    ("POST", "/jobs/{job_id}/leads"): May(OK, OK, OK, OK, OK, NO, technician_others=HIDDEN),
    # Leads. A technician posts job-generated leads from their own jobs only;
    # an integration marketing leads about its own calls (another's call id is
    # answered as unknown: 422, so ids cannot be probed).
    ("POST", "/leads"): May(OK, OK, OK, OK, OK, OK, technician_others=NO, integration_others=422),
    ("GET", "/leads"): May(OK, OK, OK, OK, OK, NO),  # a technician's list is the leads they set
    ("GET", "/leads/{lead_id}"): LEAD_READ,
    ("PATCH", "/leads/{lead_id}"): LEAD_WRITE,
    ("POST", "/leads/{lead_id}/follow-ups"): LEAD_WRITE,
    ("POST", "/leads/{lead_id}/notes"): LEAD_WRITE,
    ("POST", "/leads/{lead_id}/dismiss"): LEAD_WRITE,
    ("POST", "/leads/{lead_id}/reopen"): LEAD_WRITE,
    ("POST", "/leads/{lead_id}/merge"): LEAD_WRITE,
    ("POST", "/leads/{lead_id}/convert"): LEAD_WRITE,
    ("POST", "/leads/{lead_id}/messages"): CSR_UP,  # texting: CSR and up
    ("GET", "/leads/{lead_id}/messages"): CSR_UP,
    ("GET", "/messages"): CSR_UP,
    ("GET", "/opt-outs"): CSR_UP,
    # Calls: providers post events with their own key; CSRs take and close calls;
    # managers excuse them.
    ("POST", "/calls/events"): May(NO, NO, NO, NO, NO, OK),
    ("GET", "/calls"): CSR_UP,
    ("GET", "/calls/{call_id}"): CSR_UP,
    ("POST", "/calls/{call_id}/accept"): CSR_UP,
    ("POST", "/calls/{call_id}/close"): CSR_UP,
    ("POST", "/calls/{call_id}/book"): CSR_UP,
    ("POST", "/calls/{call_id}/excuse"): MANAGER_UP,
    ("POST", "/calls/{call_id}/callback"): CSR_UP,
    # Bookings: posted by an integration (its own); read and worked by CSRs. An
    # integration reads back its own bookings only (the answer to its POST).
    ("POST", "/bookings"): May(NO, NO, NO, NO, NO, OK),
    ("POST", "/inbound-email"): May(NO, NO, NO, NO, NO, OK),
    ("GET", "/bookings"): May(OK, OK, OK, OK, NO, OK),
    ("GET", "/bookings/{booking_id}"): May(OK, OK, OK, OK, NO, OK, integration_others=NO),
    ("POST", "/bookings/{booking_id}/accept"): CSR_UP,
    ("POST", "/bookings/{booking_id}/convert"): CSR_UP,
    ("POST", "/bookings/{booking_id}/dismiss"): CSR_UP,
    # Assignment and SLAs: admins configure; every employee may read the SLA policies.
    ("GET", "/assignment-rules"): ADMIN_ONLY,
    ("POST", "/assignment-rules"): ADMIN_ONLY,
    ("PATCH", "/assignment-rules/{rule_id}"): ADMIN_ONLY,
    ("GET", "/sla-policies"): STAFF,
    ("POST", "/sla-policies"): ADMIN_ONLY,
    ("PATCH", "/sla-policies/{policy_id}"): ADMIN_ONLY,
    # Reports: managers and admins.
    ("GET", "/reports/campaigns"): MANAGER_UP,
    ("GET", "/reports/technician-leads"): MANAGER_UP,
    ("GET", "/reports/abandoned-calls"): MANAGER_UP,
    ("GET", "/reports/csr-scorecard"): MANAGER_UP,
    # Notifications: every person their own (another's is not found).
    ("GET", "/notifications"): STAFF,
    ("POST", "/notifications/{notification_id}/read"): May(OK, OK, OK, OK, OK, NO, technician_others=HIDDEN),
    # Integrations: admins.
    ("GET", "/integrations"): ADMIN_ONLY,
    ("POST", "/integrations"): ADMIN_ONLY,
    ("PATCH", "/integrations/{integration_id}"): ADMIN_ONLY,
    # Provider webhooks: verified with the integration's own secret, never a key.
    ("POST", "/telephony/twilio/{integration_id}/voice"): WEBHOOK,
    ("POST", "/telephony/twilio/{integration_id}/status"): WEBHOOK,
    ("POST", "/telephony/twilio/{integration_id}/sms"): WEBHOOK,
    ("POST", "/telephony/callrail/{integration_id}"): WEBHOOK,
}

PREFIX = "/api/v1"
SECRET_NAME = "Zed Quillfeather"
SECRET_PHONE = "+15125550177"
SECRET_EMAIL = "zed.quillfeather@example.com"


@dataclass
class World:
    """The records every caller is pointed at; built once per test."""

    keys: dict[str, str] = field(default_factory=dict)
    employees: dict[str, Employee] = field(default_factory=dict)
    refs: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["refs"][name]
        except KeyError:
            raise AttributeError(name) from None


def build_world() -> World:
    w = World()
    for role in ROLES:
        employee = cast(Employee, EmployeeFactory(role=role))
        w.employees[role] = employee
        w.keys[role] = ApiKey.issue(employee=employee)[1]
        Notification.objects.create(employee=employee, kind="lead_assigned", text="A lead for you")
    tech = w.employees["technician"]
    other_tech = EmployeeFactory(role=Role.TECHNICIAN)
    integration, other_integration = IntegrationFactory(), IntegrationFactory()
    w.keys["integration"] = ApiKey.issue(integration=integration)[1]
    r = w.refs
    r["integration"], r["other_integration"] = integration, other_integration
    r["other_notification"] = Notification.objects.create(employee=other_tech, kind="lead_assigned", text="x")

    job_type = JobTypeFactory()
    r["job_type"], r["unit"] = job_type, job_type.business_units.get()
    r["campaign"] = CampaignFactory()
    r["tracking"] = TrackingNumberFactory(campaign=r["campaign"])
    r["reason"] = CallReasonFactory(is_lead=True)
    r["dismiss_reason"] = DismissReasonFactory()
    r["tag"] = TagFactory()
    r["guide"] = BookingGuideFactory()
    r["window"] = ArrivalWindow.objects.create(
        business_unit=r["unit"],
        weekday=0,
        start_time="08:00",
        end_time="10:00",
        capacity=4,
    )
    r["rule"] = AssignmentRule.objects.create(name="Everyone")
    r["policy"] = SlaPolicy.objects.create(name="Fast", minutes=15)
    r["staff_member"] = EmployeeFactory(role=Role.CSR)

    # A customer with a job for the technician, and one none of their jobs is for.
    location = LocationFactory()
    r["customer"], r["location"] = location.customer, location
    PhoneFactory(customer=location.customer)
    secret = LocationFactory(customer__name=SECRET_NAME, street="9 Hidden Way").customer
    PhoneFactory(customer=secret, value=SECRET_PHONE)
    secret.contacts.create(kind="email", value=SECRET_EMAIL)
    r["secret_customer"] = secret
    r["merge_customer"] = LocationFactory().customer

    r["own_job"] = book_job(location=location, job_type=job_type, technician=tech)
    r["other_job"] = book_job(location=secret.locations.get(), job_type=job_type, technician=other_tech)
    # The lead the technician set, and leads they did not.
    r["own_lead"] = LeadFactory(
        type=Lead.Type.JOB_GENERATED,
        campaign=None,
        origin_job=r["own_job"],
        lead_setting_employee=tech,
        customer=r["customer"],
        location=location,
    )
    r["own_lead_2"] = LeadFactory(
        type=Lead.Type.JOB_GENERATED,
        campaign=None,
        origin_job=r["own_job"],
        lead_setting_employee=tech,
        customer=r["customer"],
        location=location,
    )
    r["own_dismissed_lead"] = LeadFactory(
        type=Lead.Type.JOB_GENERATED,
        campaign=None,
        origin_job=r["own_job"],
        lead_setting_employee=tech,
        customer=r["customer"],
        location=location,
        status=Lead.Status.DISMISSED,
        dismiss_reason=r["reason"],
    )
    r["other_lead"] = LeadFactory(campaign=r["campaign"])
    r["dismissed_lead"] = LeadFactory(
        campaign=r["campaign"], status=Lead.Status.DISMISSED, dismiss_reason=r["reason"]
    )
    r["merge_lead"] = LeadFactory(campaign=r["campaign"], phone=r["other_lead"].phone)

    actor = provider_actor(integration)
    r["ringing_call"] = ring(actor=actor, from_number=SECRET_PHONE, to_number=r["tracking"].number)
    r["ended_call"] = play_call(actor=actor, seconds=90, to_number=r["tracking"].number)
    r["others_call"] = ring(actor=provider_actor(other_integration), to_number=r["tracking"].number)

    r["booking"] = BookingFactory(integration=integration, campaign=r["campaign"], phone=SECRET_PHONE)
    r["others_booking"] = BookingFactory(integration=other_integration, campaign=r["campaign"])
    r["twilio"] = IntegrationFactory(provider=Provider.TWILIO)
    r["callrail"] = IntegrationFactory(provider=Provider.CALLRAIL)
    return w


def _owned(w: World, caller: str) -> dict[str, Any]:
    """Path ids: a caller's own records, or (``*_others``) someone else's."""
    tech_others = caller == "technician_others"
    int_others = caller == "integration_others"
    return {
        "unit_id": w.unit.pk,
        "job_type_id": w.job_type.pk,
        "campaign_id": w.campaign.pk,
        "reason_id": w.reason.pk,
        "tag_id": w.tag.pk,
        "guide_id": w.guide.pk,
        "window_id": w.window.pk,
        "employee_id": w.staff_member.pk,
        "customer_id": w.customer.pk,
        "location_id": w.location.pk,
        "job_id": (w.other_job if tech_others else w.own_job).pk,
        "lead_id": (w.own_lead if caller == "technician" else w.other_lead).pk,
        "call_id": w.ended_call.pk,
        "booking_id": (w.others_booking if int_others else w.booking).pk,
        "rule_id": w.rule.pk,
        "policy_id": w.policy.pk,
        "notification_id": (
            w.other_notification
            if tech_others
            else Notification.objects.filter(employee=w.employees.get(caller.removesuffix("_others"))).first()
            if caller.removesuffix("_others") in w.employees
            else w.other_notification
        ).pk,
        "integration_id": w.integration.pk,
    }


def _lead_body(w: World, caller: str) -> dict[str, Any]:
    if caller == "technician":
        job = w.own_job
    elif caller == "technician_others":
        job = w.other_job
    else:
        job = None
    if job is not None:
        return {
            "type": "job_generated",
            "origin_job_id": job.pk,
            "lead_setting_employee_id": w.employees["technician"].pk,
            "summary": "Quote a new unit",
        }
    body: dict[str, Any] = {
        "type": "marketing",
        "campaign_id": w.campaign.pk,
        # The phone and email of a customer: the capture must not tell an integration who that is.
        "contact": {"name": "Pat Caller", "phone": SECRET_PHONE, "email": SECRET_EMAIL, "city": "Austin"},
        "summary": "No heat upstairs",
    }
    if caller.startswith("integration"):
        body["call_id"] = (w.others_call if caller == "integration_others" else w.ringing_call).pk
        body["call_reason_id"] = w.reason.pk
    return body


def _booking_body(w: World) -> dict[str, Any]:
    return {
        "external_id": "matrix-1",
        "channel": "online",
        "contact": {"name": "Web Visitor", "phone": SECRET_PHONE, "email": SECRET_EMAIL},
        "summary": "Water heater leaking",
    }


def _book_body(w: World) -> dict[str, Any]:
    return {
        "customer_id": w.customer.pk,
        "location_id": w.location.pk,
        "business_unit_id": w.unit.pk,
        "job_type_id": w.job_type.pk,
    }


EMAIL = (
    b"From: Ana Ruiz <ana@example.com>\r\nTo: book@example.com\r\nSubject: AC is out\r\n"
    b"Message-ID: <matrix-1@example.com>\r\nContent-Type: text/plain\r\n\r\nPlease call 512-555-0199.\r\n"
)

# The realistic request of each operation: (query, body). Built per caller
# where the caller changes what makes sense to ask.
Request = tuple[dict[str, Any] | None, Any]
BUILDERS: dict[tuple[str, str], Callable[[World, str], Request]] = {
    ("POST", "/business-units"): lambda w, c: (None, {"name": "Generators"}),
    ("PATCH", "/business-units/{unit_id}"): lambda w, c: (None, {"name": "HVAC"}),
    ("POST", "/job-types"): lambda w, c: (None, {"name": "Tune-up", "business_unit_ids": [w.unit.pk]}),
    ("PATCH", "/job-types/{job_type_id}"): lambda w, c: (None, {"name": "Tune-up"}),
    ("POST", "/campaigns"): lambda w, c: (None, {"name": "Radio spring"}),
    ("PATCH", "/campaigns/{campaign_id}"): lambda w, c: (None, {"name": "Radio fall"}),
    ("POST", "/call-reasons"): lambda w, c: (None, {"name": "New install"}),
    ("PATCH", "/call-reasons/{reason_id}"): lambda w, c: (None, {"name": "Repair"}),
    ("POST", "/tags"): lambda w, c: (None, {"name": "vip"}),
    ("PATCH", "/tags/{tag_id}"): lambda w, c: (None, {"name": "gold"}),
    ("POST", "/booking-guides"): lambda w, c: (None, {"kind": "lead", "name": "Intake", "script": "Ask."}),
    ("PATCH", "/booking-guides/{guide_id}"): lambda w, c: (None, {"name": "Intake 2"}),
    ("PUT", "/business-hours"): lambda w, c: (
        None,
        {"timezone": "America/Chicago", "days": {"mon": [["08:00", "17:00"]]}, "closures": []},
    ),
    ("POST", "/arrival-windows"): lambda w, c: (
        None,
        {
            "business_unit_id": w.unit.pk,
            "weekday": 2,
            "start_time": "13:00",
            "end_time": "15:00",
            "capacity": 2,
        },
    ),
    ("PATCH", "/arrival-windows/{window_id}"): lambda w, c: (None, {"capacity": 5}),
    ("GET", "/availability"): lambda w, c: ({"business_unit_id": w.unit.pk}, None),
    ("POST", "/employees"): lambda w, c: (None, {"name": "New Hire", "role": "csr"}),
    ("PATCH", "/employees/{employee_id}"): lambda w, c: (None, {"name": "Renamed"}),
    ("POST", "/customers"): lambda w, c: (None, {"name": "Ann Lee", "phones": ["512-555-0142"]}),
    ("GET", "/customers"): lambda w, c: ({"phone": SECRET_PHONE}, None),
    ("PATCH", "/customers/{customer_id}"): lambda w, c: (None, {"name": "Renamed Customer"}),
    ("POST", "/customers/{customer_id}/locations"): lambda w, c: (
        None,
        {"street": "1 Main St", "city": "Austin", "state": "TX", "zip": "78701"},
    ),
    ("PATCH", "/customers/{customer_id}/locations/{location_id}"): lambda w, c: (None, {"unit": "B"}),
    ("POST", "/customers/{customer_id}/merge"): lambda w, c: (
        None,
        {"other_customer_id": w.merge_customer.pk},
    ),
    ("POST", "/jobs"): lambda w, c: (None, _book_body(w)),
    ("GET", "/jobs"): lambda w, c: ({"customer_id": w.secret_customer.pk}, None),
    ("PATCH", "/jobs/{job_id}"): lambda w, c: (None, {"summary": "Bring the ladder"}),
    ("POST", "/jobs/{job_id}/status"): lambda w, c: (None, {"status": "dispatched"}),
    ("POST", "/jobs/{job_id}/invoice/lines"): lambda w, c: (
        None,
        {"description": "Capacitor", "unit_price": "45.00"},
    ),
    ("POST", "/jobs/{job_id}/invoice/status"): lambda w, c: (None, {"status": "posted"}),
    ("POST", "/jobs/{job_id}/leads"): lambda w, c: (None, {"summary": "Replace the unit"}),
    ("POST", "/leads"): lambda w, c: (None, _lead_body(w, c)),
    ("GET", "/leads"): lambda w, c: ({"q": SECRET_NAME}, None),
    ("PATCH", "/leads/{lead_id}"): lambda w, c: (None, {"summary": "Call after 5"}),
    ("POST", "/leads/{lead_id}/follow-ups"): lambda w, c: (None, {"note": "Left a message"}),
    ("POST", "/leads/{lead_id}/notes"): lambda w, c: (None, {"text": "Has a dog"}),
    ("POST", "/leads/{lead_id}/dismiss"): lambda w, c: (None, {"reason_id": w.dismiss_reason.pk}),
    ("POST", "/leads/{lead_id}/merge"): lambda w, c: (
        None,
        {"other_lead_id": (w.own_lead_2 if c == "technician" else w.merge_lead).pk},
    ),
    ("POST", "/leads/{lead_id}/convert"): lambda w, c: (None, _book_body(w)),
    ("POST", "/leads/{lead_id}/messages"): lambda w, c: (None, {"body": "We can come Tuesday."}),
    ("POST", "/calls/events"): lambda w, c: (
        None,
        {
            "provider_call_id": "matrix-call",
            "event": "ringing",
            "from_number": SECRET_PHONE,
            "to_number": w.tracking.number,
        },
    ),
    ("POST", "/calls/{call_id}/accept"): lambda w, c: (None, {}),
    ("POST", "/calls/{call_id}/close"): lambda w, c: (None, {"call_reason_id": w.reason.pk}),
    ("POST", "/calls/{call_id}/book"): lambda w, c: (None, _book_body(w)),
    ("POST", "/calls/{call_id}/excuse"): lambda w, c: (None, {"note": "Caller hung up at once"}),
    ("POST", "/calls/{call_id}/callback"): lambda w, c: (None, {"outcome": "voicemail"}),
    ("POST", "/bookings"): lambda w, c: (None, _booking_body(w)),
    ("POST", "/inbound-email"): lambda w, c: (None, EMAIL),
    ("POST", "/bookings/{booking_id}/accept"): lambda w, c: (None, _book_body(w)),
    ("POST", "/bookings/{booking_id}/convert"): lambda w, c: (None, {}),
    ("POST", "/bookings/{booking_id}/dismiss"): lambda w, c: (None, {"reason_id": w.dismiss_reason.pk}),
    ("POST", "/assignment-rules"): lambda w, c: (
        None,
        {"name": "CSRs", "employee_ids": [w.staff_member.pk]},
    ),
    ("PATCH", "/assignment-rules/{rule_id}"): lambda w, c: (
        None,
        {"name": "All CSRs", "employee_ids": [w.staff_member.pk]},
    ),
    ("POST", "/sla-policies"): lambda w, c: (None, {"name": "Five", "minutes": 5}),
    ("PATCH", "/sla-policies/{policy_id}"): lambda w, c: (None, {"minutes": 30}),
    ("POST", "/integrations"): lambda w, c: (None, {"name": "Angi"}),
    ("PATCH", "/integrations/{integration_id}"): lambda w, c: (None, {"name": "Angi Leads"}),
}
for _report in ("campaigns", "technician-leads", "abandoned-calls", "csr-scorecard"):
    BUILDERS[("GET", f"/reports/{_report}")] = lambda w, c: (
        {"from": str(date.today() - timedelta(days=30)), "to": str(date.today())},
        None,
    )


@functools.cache
def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    document = json.loads(Client().get(f"{PREFIX}/openapi.json").content)
    found = []
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            found.append((method.upper(), path.removeprefix(PREFIX), op))
    return found


def _call(w: World, caller: str, method: str, path: str) -> tuple[int, str]:
    ids = _owned(w, caller)
    if path.endswith("/reopen"):
        ids["lead_id"] = (w.own_dismissed_lead if caller == "technician" else w.dismissed_lead).pk
    if path.endswith("/accept") and path.startswith("/calls/"):
        ids["call_id"] = w.ringing_call.pk
    if path.startswith("/telephony/"):
        ids["integration_id"] = (w.twilio if "/twilio/" in path else w.callrail).pk
    url = PREFIX + path.format(**ids)
    query, body = BUILDERS.get((method, path), lambda w, c: (None, None))(w, caller)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    key = w.keys.get(caller.removesuffix("_others"))
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    data: bytes | str = body if isinstance(body, bytes) else json.dumps(body if body is not None else {})
    content_type = "message/rfc822" if isinstance(body, bytes) else "application/json"
    client = Client()
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.generic(method, url, data, content_type=content_type, headers=headers)
        transaction.set_rollback(True)
    return response.status_code, response.content.decode(errors="replace")


def _matches(expected: Any, status: int) -> bool:
    if expected == OK:
        return 200 <= status < 300
    return status == expected


def _leaks(w: World, caller: str, text: str) -> list[str]:
    """What a caller must never be told, found in an answer."""
    found = [s for s in (SECRET_NAME, SECRET_PHONE, SECRET_EMAIL, "9 Hidden Way") if s in text]
    if caller.startswith("integration"):
        # The integration typed the phone and email itself: they may come back, a customer may not.
        found = [s for s in found if s not in (SECRET_PHONE, SECRET_EMAIL)]
        for customer in (w.secret_customer, w.customer):
            if customer.name in text:
                found.append(customer.name)
        try:
            payload = json.loads(text)
        except ValueError:
            payload = None
        found.extend(_customer_refs(payload))
    return found


def _customer_refs(value: Any, where: str = "") -> list[str]:
    out: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "customer_id" and v is not None:
                out.append(f"{where}.customer_id={v}")
            elif k == "matches" and any(v.values() if isinstance(v, dict) else [v]):
                out.append(f"{where}.matches")
            else:
                out.extend(_customer_refs(v, f"{where}.{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_customer_refs(v, f"{where}[{i}]"))
    return out


def test_it_has_a_decision_for_every_operation_of_the_document():
    served = {(m, p) for m, p, _ in _operations()}
    assert sorted(served - set(MAY)) == [], "new endpoints without a decision in MAY"
    assert sorted(set(MAY) - served) == [], "decisions about endpoints that are not served"


def test_it_answers_every_role_and_key_as_the_table_says():
    w = build_world()
    mismatches: list[str] = []
    leaks: list[str] = []
    cells = 0
    for method, path, _op in _operations():
        rule = MAY[(method, path)]
        for caller in CALLERS:
            if caller == "integration_others" and rule.integration_others is None and "{" not in path:
                continue  # no record of another integration's is named: the same call as "integration"
            expected = rule.expected(caller)
            status, text = _call(w, caller, method, path)
            cells += 1
            if not _matches(expected, status):
                mismatches.append(f"{method} {path} as {caller}: {status}, expected {expected}: {text[:200]}")
            elif 200 <= status < 300 and caller.startswith(("technician", "integration")):
                leaks.extend(f"{method} {path} as {caller}: {s}" for s in _leaks(w, caller, text))
    assert not mismatches, "\n".join(mismatches)
    assert not leaks, "\n".join(leaks)
    assert cells >= 89 * 7


def test_it_answers_401_without_a_key_and_refuses_unsigned_webhooks():
    w = build_world()
    wrong = []
    for method, path, op in _operations():
        status, _ = _call(w, "anonymous", method, path)
        expected = 401 if op.get("security") else 403
        if status != expected:
            wrong.append(f"{method} {path}: {status}, expected {expected}")
    assert not wrong, "\n".join(wrong)


def test_it_names_the_webhook_integrations_by_their_provider():
    # The webhooks are tried against integrations of their own provider, so a 403
    # in the table is the signature's refusal, not a wrong provider's.
    w = build_world()
    assert w.twilio.provider == Provider.TWILIO and w.callrail.provider == Provider.CALLRAIL
    for provider, path in (("twilio", "/telephony/twilio/{}/voice"), ("callrail", "/telephony/callrail/{}")):
        response = Client().post(PREFIX + path.format(getattr(w, provider).pk), {})
        assert response.status_code == 403
        assert response.json()["code"] == "bad_signature"
