"""Every screen of the site, for the browser tests that look at all of them
(390 px layouts, the accessibility audit). Named URLs come from the URL conf:
``test_it_knows_every_screen`` fails when a new one is neither a screen here
nor listed as not a page, so a new screen is audited too."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Role
from accounts.tests.factories import IntegrationFactory
from bookings.models import Booking
from bookings.tests.factories import BookingFactory
from calls.models import Call
from calls.tests.factories import play_call, ring
from catalog.tests.factories import CallReasonFactory, JobTypeFactory, TrackingNumberFactory
from conftest import make_employee
from customers.tests.factories import LocationFactory
from jobs.models import Job
from jobs.tests.factories import book_job
from leads.models import Lead
from leads.services import Contact, lead_capture
from notifications.services import notify


@dataclass
class World:
    admin: Employee
    csr: Employee
    tech: Employee
    lead: Lead
    job: Job
    booking: Booking
    call: Call
    form_slug: str


def build_world() -> World:
    """A small office with one of everything a screen shows."""
    admin, csr = make_employee(Role.ADMIN), make_employee(Role.CSR, name="Casey Rivera")
    tech = make_employee(Role.TECHNICIAN, name="Luis Garza")
    tracking = TrackingNumberFactory(number="+15125550100")
    CallReasonFactory(name="Wants a quote", is_lead=True)
    CallReasonFactory(name="Wrong number", is_lead=False)
    location = LocationFactory(street="4573 W Slaughter Ln", city="Austin", zip="78749")
    job_type = JobTypeFactory(name="AC Repair")
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time(10, 0)))
    job = book_job(location=location, job_type=job_type, technician=tech, start=start, summary="No cooling")
    lead = lead_capture(
        actor=Actor(employee=csr),
        type="marketing",
        campaign=tracking.campaign,
        contact=Contact(name="Pat Doe", phone="5128675309", city="Austin"),
        summary="Furnace makes a noise",
        with_matches=False,
    ).lead
    booking = BookingFactory(campaign=tracking.campaign)
    form = IntegrationFactory(booking_form_enabled=True)
    call = play_call(agent=csr, from_number="+15125550142")
    play_call(seconds=90, from_number="+15125550177")  # abandoned: a lead on the Leads tab
    ring(from_number="+15125550199", to_number=tracking.number)  # a bubble on the Calls screen
    for who in (csr, admin, tech):
        notify(employees=[who], kind="booking_new", text="New online booking", url=f"/bookings/{booking.pk}/")
    return World(admin, csr, tech, lead, job, booking, call, form.slug)


@dataclass(frozen=True)
class Screen:
    name: str  # the URL name
    role: str  # who looks at it ("" for a page without a sign-in)
    path: Callable[[World], str]


def _p(path: str) -> Callable[[World], str]:
    return lambda w: path


SCREENS: list[Screen] = [
    Screen("login", "", _p("/login/")),
    Screen("booking_form", "", lambda w: f"/book/{w.form_slug}/"),
    Screen("home", Role.ADMIN, _p("/")),
    Screen("today", Role.TECHNICIAN, _p("/today/")),
    Screen("calls_screen", Role.CSR, _p("/calls/")),
    Screen("call_detail", Role.CSR, lambda w: f"/calls/{w.call.pk}/"),
    Screen("calls_list", Role.CSR, _p("/calls/list/")),
    Screen("dashboard_leads", Role.CSR, _p("/calls/queue/")),
    Screen("booking_queue", Role.CSR, _p("/bookings/")),
    Screen("booking_detail", Role.CSR, lambda w: f"/bookings/{w.booking.pk}/"),
    Screen("follow_up", Role.CSR, _p("/leads/")),
    Screen("lead_new", Role.CSR, _p("/leads/new/")),
    Screen("lead_detail", Role.CSR, lambda w: f"/leads/{w.lead.pk}/"),
    Screen("lead_edit", Role.CSR, lambda w: f"/leads/{w.lead.pk}/edit/"),
    Screen("lead_convert", Role.CSR, lambda w: f"/leads/{w.lead.pk}/convert/"),
    Screen("job_lead", Role.TECHNICIAN, lambda w: f"/leads/from-job/{w.job.pk}/"),
    Screen("customer_search", Role.CSR, _p("/customers/?q=a")),
    Screen("customer_new", Role.CSR, _p("/customers/new/")),
    Screen("customer_detail", Role.CSR, lambda w: f"/customers/{w.job.customer_id}/"),
    Screen("customer_edit", Role.CSR, lambda w: f"/customers/{w.job.customer_id}/edit/"),
    Screen("customer_merge", Role.CSR, lambda w: f"/customers/{w.job.customer_id}/merge/"),
    Screen(
        "customer_location_edit",
        Role.CSR,
        lambda w: f"/customers/{w.job.customer_id}/locations/{w.job.location_id}/edit/",
    ),
    Screen("job_list", Role.CSR, _p("/jobs/")),
    Screen("job_new", Role.CSR, _p("/jobs/new/")),
    Screen("job_detail", Role.TECHNICIAN, lambda w: f"/jobs/{w.job.pk}/"),
    Screen("job_edit", Role.ADMIN, lambda w: f"/jobs/{w.job.pk}/edit/"),
    Screen("texts_inbox", Role.CSR, _p("/messages/")),
    Screen("notifications", Role.CSR, _p("/notifications/")),
    Screen("reports_index", Role.ADMIN, _p("/reports/")),
    Screen("report_campaigns", Role.ADMIN, _p("/reports/campaigns/")),
    Screen("report_technician_leads", Role.ADMIN, _p("/reports/technician-leads/")),
    Screen("report_abandoned_calls", Role.ADMIN, _p("/reports/abandoned-calls/")),
    Screen("report_csr_scorecard", Role.ADMIN, _p("/reports/csr-scorecard/")),
]

# Named URLs that are not pages of their own: what a form posts to, the htmx
# fragments a screen loads into itself (audited as part of that screen), files.
NOT_SCREENS = {
    "logout": "POST",
    "healthz": "JSON for load balancers and monitors (ops)",
    "customer_search_hx": "fragment of customer_search",
    "customer_location_add": "POST from customer_detail",
    "customer_location_retire": "POST from customer_detail",
    "job_type_options_hx": "fragment of job forms",
    "job_status": "POST",
    "invoice_line_add": "POST",
    "invoice_status": "POST",
    "follow_up_export": "CSV file",
    "follow_up_bulk": "POST",
    "follow_up_view_save": "POST from follow_up",
    "follow_up_view_apply": "redirect to follow_up with a saved view's query",
    "follow_up_view_delete": "POST from follow_up",
    "lead_matches_hx": "fragment of lead_new",
    "lead_job_types_hx": "fragment of lead forms",
    "lead_follow_up": "POST",
    "lead_note": "POST",
    "lead_note_pin": "POST",
    "lead_dismiss": "POST",
    "lead_reopen": "POST",
    "lead_merge": "POST",
    "lead_link": "POST",
    "lead_convert_customers_hx": "fragment of lead_convert",
    "job_lead_hx": "the Create Lead flyout on job_detail (audited there, opened)",
    "call_recording": "audio file",
    "calls_incoming_hx": "fragment of calls_screen",
    "calls_availability": "POST from calls_screen (the Available / Away switch)",
    "call_guide_hx": "fragment of call_detail",
    "call_accept": "POST",
    "call_close": "POST",
    "call_capture": "POST",
    "call_book": "POST",
    "call_callback": "POST",
    "call_dismiss": "POST",
    "call_excuse": "POST",
    "lead_conversation": "fragment of lead_detail",
    "call_conversation": "fragment of call_detail",
    "text_mark_read": "POST",
    "texts_unread_count": "fragment of the navigation",
    "booking_queue_hx": "fragment of booking_queue",
    "booking_locations_hx": "fragment of booking_detail",
    "booking_accept": "POST",
    "booking_convert": "POST",
    "booking_dismiss": "POST",
    "notifications_bell": "fragment of the navigation",
    "notifications_read_all": "POST",
    "notification_open": "POST",
    "notification_read": "POST",
    "slots_hx": "fragment of the booking forms (arrival windows)",
    "booking_form_windows": "fragment of booking_form",
    "booking_form_draft": "POST from booking_form (the draft as the visitor types)",
}


def named_urls() -> Iterator[str]:
    """Every named URL of the site's pages (the API and the Settings site aside)."""

    def walk(patterns: list[URLPattern | URLResolver]) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.namespace == "admin" or str(p.pattern).startswith("api/"):
                    continue
                yield from walk(p.url_patterns)
            elif p.name:
                yield p.name

    yield from walk(get_resolver().url_patterns)
