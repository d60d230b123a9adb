"""Ninety days of office activity for the demo company: calls, leads and bookings.

What a new user sees after ``make run`` should look lived in: a Follow Up
queue with overdue, due-today and later leads; leads with timelines; a calls
list with every classification; a Leads tab and a Bookings queue with work
waiting; and months of history behind the reports (campaign ROI,
technician-set leads, abandoned calls).

How it is written:

* Everything a rule decides goes through the real services: a long abandoned
  call is posted as telephony events and the calls service makes its lead;
  leads are captured, followed up, converted (job and invoice) and dismissed
  through ``leads.services``; bookings arrive through ``booking_receive`` and
  are accepted, converted or dismissed through their services.
* Calls no rule turns into anything else (short abandoned calls, short
  answered calls, calls closed as not a lead, calls that booked one of the
  demo's jobs) are bulk-inserted, each classified by ``call_classify``.
* A small event queue replays the 90 days in time order with the
  ``DemoClock`` set to each moment, so every timestamp a service writes (and
  every decision that depends on what is open at the time, such as a repeat
  caller folding into an open abandoned-call lead) is what it would have been.

Deterministic (one seeded generator) and loaded once: the first demo call's
provider id marks it as loaded.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial

from django.db.models import Prefetch
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Integration, Role
from bookings.email_intake import booking_receive_email
from bookings.models import Booking
from bookings.services import booking_accept, booking_convert, booking_dismiss, booking_receive
from calls.models import Call
from calls.services import (
    DEMO_RECORDING_URL,
    LeadDetails,
    call_back_attempt,
    call_book_job,
    call_capture_lead,
    call_classify,
    call_close,
    call_dismiss_follow_up,
    call_duration,
    call_event_record,
    call_excuse,
)
from catalog.models import BusinessUnit, Campaign, JobType, TrackingNumber
from customers.models import ContactPoint, Customer, Location
from customers.services import customer_create
from demo.company import (
    BUSINESS_UNITS,
    CAMPAIGNS,
    ELECTRICAL,
    EMAIL_DOMAINS,
    EMPLOYEES,
    FIRST_NAMES,
    HVAC_INSTALL,
    HVAC_SERVICE,
    JOB_TYPES,
    LAST_NAMES,
    PLUMBING,
    SEED,
    START_HOURS,
    STREETS,
    DemoClock,
    JobTypeSpec,
    Reference,
    finish_job,
    job_type_spec,
    new_phone,
    office_moment,
    weighted,
)
from jobs.models import Job
from leads.models import Lead, LeadActivity
from leads.services import (
    Contact,
    NewCustomer,
    lead_add_note,
    lead_capture,
    lead_capture_from_job,
    lead_convert,
    lead_dismiss,
    lead_follow_up,
    lead_update,
)

CALL_ID_PREFIX = "demo-call-"
# An old Yellow Pages number still printed somewhere, never set up as a tracking number.
UNKNOWN_NUMBER = "+15125550199"
MAIN_LINE_CAMPAIGN = "Repeat Customers"

# Calls a day by weekday (Monday first): Mondays are the busiest, Sundays nearly silent.
CALLS_PER_DAY = (40, 32, 31, 30, 27, 11, 5)
# When calls arrive, by hour; outside office hours nobody answers.
CALL_HOURS = (
    0.1,
    0.1,
    0.05,
    0.05,
    0.1,
    0.3,
    1.2,
    5,
    10,
    12,
    11,
    9,
    6,
    8,
    8,
    7,
    6,
    4,
    2.5,
    1.8,
    1.3,
    0.8,
    0.5,
    0.3,
)

LEAD_REASONS = {
    HVAC_SERVICE: "Repair request",
    HVAC_INSTALL: "New system quote",
    PLUMBING: "Plumbing service request",
    ELECTRICAL: "Electrical service request",
}

# What a technician on a finished job spots: origin job type → (new job type, what they wrote).
JOB_LEADS: dict[str, list[tuple[str, str]]] = {
    "HVAC Maintenance": [
        (
            "HVAC Replacement Estimate",
            "17-year-old R-22 system, coil rusted through; wants replacement options",
        ),
        (
            "HVAC Replacement Estimate",
            "Heat exchanger shows cracks; homeowner asked about a new furnace and AC",
        ),
        ("HVAC Replacement Estimate", "Upstairs never cools below 80; quote a second system or zoning"),
        ("Ductless Mini-Split Install", "Garage workshop hits 95°F; asked about a mini-split"),
        ("Water Heater Replacement", "Noticed the 12-year-old water heater weeping at the base"),
    ],
    "AC Repair": [
        (
            "HVAC Replacement Estimate",
            "Compressor pulling high amps on a 15-year-old unit; repair vs replace",
        ),
        ("HVAC Replacement Estimate", "Third capacitor this summer; customer wants new-system pricing"),
        ("HVAC Maintenance", "Wants a Comfort Club tune-up for the second system in the fall"),
    ],
    "Furnace Repair": [
        ("HVAC Replacement Estimate", "Furnace is 22 years old; customer wants a heat pump quote"),
        ("HVAC Maintenance", "Signed up for Comfort Club; schedule the spring tune-up"),
    ],
    "Drain Cleaning": [
        ("Leak Repair", "Camera showed a belly and a leak at the cleanout; needs repair"),
        ("Water Heater Replacement", "Water heater is 14 years old with rust in the water"),
    ],
    "Leak Repair": [
        ("Slab Leak Detection", "Meter still spins with everything off; suspect a slab leak"),
        ("Water Heater Replacement", "Tank is leaking at the drain valve; customer wants a tankless quote"),
    ],
    "Water Heater Replacement": [
        ("Leak Repair", "Two hose bibs leaking at the wall; wants them replaced"),
        ("Drain Cleaning", "Kitchen drain slow; asked for a main-line cleaning"),
    ],
    "Electrical Troubleshooting": [
        ("Panel Upgrade Estimate", "Federal Pacific panel; insurance wants it replaced"),
        ("EV Charger Install", "Buying an EV next month; wants a Level 2 charger"),
        ("Panel Upgrade Estimate", "Panel is full and double-tapped; quote a 200 A upgrade"),
    ],
    "EV Charger Install": [
        ("Panel Upgrade Estimate", "Charger maxes the 100 A service; quote a panel upgrade"),
    ],
    "HVAC Replacement Estimate": [
        ("Electrical Troubleshooting", "Outlets in the garage dead; asked for an electrician"),
    ],
}
# How often a finished visit of each type turns into a job-generated lead.
JOB_LEAD_RATES = {
    "HVAC Maintenance": 0.5,
    "AC Repair": 0.3,
    "Furnace Repair": 0.35,
    "Drain Cleaning": 0.22,
    "Leak Repair": 0.22,
    "Water Heater Replacement": 0.1,
    "Electrical Troubleshooting": 0.4,
    "EV Charger Install": 0.3,
    "HVAC Replacement Estimate": 0.04,
}

FOLLOW_UP_TEXT: dict[str, list[str]] = {
    LeadActivity.Outcome.NO_ANSWER: [
        "No answer, voicemail full.",
        "Rang out, no voicemail.",
        "No answer; will try again tomorrow morning.",
    ],
    LeadActivity.Outcome.LEFT_MESSAGE: [
        "Left a voicemail with our number.",
        "Left a message and sent a text with the booking link.",
        "Left a voicemail; mentioned we have openings tomorrow.",
    ],
    LeadActivity.Outcome.EMAILED: [
        "Emailed the options and financing sheet.",
        "Texted a link to the online booking form.",
        "Emailed a recap of the call and our availability this week.",
    ],
    LeadActivity.Outcome.CALL_BACK: [
        "Asked us to call back after 5 pm.",
        "Spouse decides; call back later in the week.",
        "At work; call back on Monday.",
    ],
    LeadActivity.Outcome.NOT_READY: [
        "Getting two more quotes; not ready to book.",
        "Wants to wait until after the holidays.",
        "Waiting on the home warranty company first.",
    ],
    LeadActivity.Outcome.SPOKE: [
        "Spoke with them; checking dates with the family.",
        "Spoke with them; wants to compare financing options first.",
        "Answered their questions; they will call us back to schedule.",
    ],
}
# The follow-up after which the lead was booked.
BOOKING_TEXT = [
    "Spoke with them; wants a morning appointment.",
    "Confirmed the address and gate code; ready to schedule.",
    "Went over pricing; they want to go ahead.",
]
NOTES = [
    ("Gate code #4471. Dog in the backyard, call on arrival.", True),
    ("Prefers text messages; works nights.", True),
    ("Spanish speaker: Miguel handles this one.", True),
    ("Landlord; the tenant will let us in.", True),
    ("Has a home warranty with Choice; check coverage before quoting.", False),
    ("Elderly homeowner, no AC upstairs: treat as priority.", True),
    ("Asked about financing; send the 18-month same-as-cash flyer.", False),
    ("Referred by a neighbour on the same street.", False),
    ("Called twice before; wants one person to deal with.", False),
    ("Second opinion: another company quoted a full replacement.", False),
]
NOT_LEAD_BY_CUSTOMERS = [
    ("Reschedule existing appointment", 35),
    ("Technician ETA / job status", 35),
    ("Billing question", 30),
]
NOT_LEAD_BY_PROSPECTS = [("Price too high", 45), ("Wrong number", 35), ("Duplicate request", 20)]
NOT_LEAD_JUNK = [("Spam / robocall", 45), ("Vendor/sales call", 30), ("Wrong number", 25)]
DISMISS_REASONS = [("Went with another company", 40), ("Price too high", 35), ("Duplicate request", 15)]
EXCUSE_NOTES = [
    "Only wanted a price on a part.",
    "Realtor collecting quotes for a listing, not the owner.",
    "Existing customer asking about warranty paperwork.",
]
EMAIL_SUBJECTS = [
    ("Quote for a new AC?", HVAC_INSTALL),
    ("Water heater leaking", PLUMBING),
    ("Need someone to look at my breaker box", ELECTRICAL),
    ("AC not keeping up", HVAC_SERVICE),
    ("Tune-up pricing", HVAC_SERVICE),
]
WINDOWS = [("Morning (8am–12pm)", 8), ("Afternoon (12–4pm)", 12), ("Evening (4–7pm)", 16), ("Any time", 8)]


@dataclass
class _Known:
    customer: Customer
    phones: list[str]
    locations: list[Location]


@dataclass
class _Person:
    """Who a prospect really is; a lead learns some of it, conversion the rest."""

    name: str
    phone: str
    email: str
    street: str
    city: str
    zip: str

    def address(self) -> dict[str, str]:
        return {"street": self.street, "unit": "", "city": self.city, "state": "TX", "zip": self.zip}


@dataclass
class _Sim:
    """The event queue: (when, order, story's generator, step), replayed in time order.

    Each story (a call, a booking, a lead set on a job, and what follows from
    it) draws from its own generator, seeded by what it is. A step runs with
    the generator of the story that queued it, so a load a few minutes later,
    which sees a few more or fewer recent events, still tells every other
    story the same way.
    """

    clock: DemoClock
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    queue: list[tuple[datetime, int, random.Random, Callable[[], object]]] = field(default_factory=list)
    order: int = 0

    def story(self, *key: object) -> random.Random:
        self.rng = random.Random(":".join(str(k) for k in (SEED, *key)))
        return self.rng

    def at(self, when: datetime, step: Callable[[], object]) -> None:
        if when >= self.clock.limit:
            return  # it has not happened yet
        heapq.heappush(self.queue, (when, self.order, self.rng, step))
        self.order += 1

    def run(self) -> None:
        while self.queue:
            when, _, self.rng, step = heapq.heappop(self.queue)
            self.clock.set(when)
            step()


@dataclass
class _World:
    clock: DemoClock
    sim: _Sim
    ref: Reference
    now: datetime
    today: date
    csrs: list[Employee]
    former_csr: Employee | None
    office: list[Employee]
    manager: Employee
    techs: list[Employee]
    techs_by_unit: dict[str, list[Employee]]
    known: list[_Known]
    by_phone: dict[str, _Known]
    by_customer: dict[int, _Known]
    taken: set[str]
    numbers: dict[str, Campaign]
    provider: Integration
    bulk: list[Call] = field(default_factory=list)
    abandoned_phones: list[tuple[datetime, str]] = field(default_factory=list)

    def actor(self, employee: Employee) -> Actor:
        return Actor(employee=employee)

    @property
    def rng(self) -> random.Random:
        """The generator of the story being told."""
        return self.sim.rng

    def csr(self) -> Employee:
        return self.rng.choice(self.csrs)


def activity_loaded(provider: Integration) -> bool:
    return Call.objects.filter(provider=provider, provider_call_id__startswith=CALL_ID_PREFIX).exists()


def load_activity(
    *, ref: Reference, employees: dict[str, Employee], clock: DemoClock, days_back: int
) -> bool:
    """Load the activity once; ``False`` when it is already there."""
    provider = ref.integrations["callrail"]
    if activity_loaded(provider):
        return False
    w = _world(ref=ref, employees=employees, clock=clock)
    start = w.today - timedelta(days=days_back)
    _plan_booked_calls(w, since=datetime.combine(start, time(0), tzinfo=timezone.get_current_timezone()))
    for offset in range(-days_back, 1):
        day = w.today + timedelta(days=offset)
        _plan_calls(w, day)
        _plan_office_leads(w, day)
        _plan_bookings(w, day)
    _plan_job_leads(w, since=start)
    _plan_recent_bookings(w)
    w.sim.run()
    _insert_bulk_calls(w)
    return True


def _world(*, ref: Reference, employees: dict[str, Employee], clock: DemoClock) -> _World:
    now = clock.limit
    by_role: dict[str, list[Employee]] = {}
    for spec in EMPLOYEES:
        if spec.active:
            by_role.setdefault(spec.role, []).append(employees[spec.username])
    techs_by_unit = {
        unit: [employees[s.username] for s in EMPLOYEES if unit in s.units and s.active]
        for unit in BUSINESS_UNITS
    }
    former = next((employees[s.username] for s in EMPLOYEES if s.role == Role.CSR and not s.active), None)
    known: list[_Known] = []
    taken: set[str] = set()
    customers = Customer.objects.prefetch_related(
        Prefetch("contacts", queryset=ContactPoint.objects.order_by("id")),
        Prefetch("locations", queryset=Location.objects.order_by("id")),
    ).order_by("id")
    for customer in customers:
        phones = [c.value for c in customer.contacts.all() if c.kind == ContactPoint.Kind.PHONE]
        taken.update(phones)
        locations = list(customer.locations.all())
        if phones and locations:
            known.append(_Known(customer, phones, locations))
    numbers = {
        row.number: row.campaign
        for row in TrackingNumber.objects.filter(active=True).select_related("campaign").order_by("number")
    }
    return _World(
        clock=clock,
        sim=_Sim(clock),
        ref=ref,
        now=now,
        today=timezone.localtime(now).date(),
        csrs=by_role[Role.CSR],
        former_csr=former,
        office=by_role[Role.OFFICE],
        manager=by_role[Role.MANAGER][0],
        techs=by_role[Role.TECHNICIAN],
        techs_by_unit=techs_by_unit,
        known=known,
        by_phone={p: k for k in known for p in k.phones},
        by_customer={k.customer.pk: k for k in known},
        taken=taken,
        numbers=numbers,
        provider=ref.integrations["callrail"],
    )


# --- small helpers -------------------------------------------------------------


def _is_open(at: datetime) -> bool:
    local = timezone.localtime(at)
    if local.weekday() == 6:
        return False
    if local.weekday() == 5:
        return 8 <= local.hour < 14
    return 7 <= local.hour < 19


def _office_after(w: _World, moment: datetime) -> datetime:
    """``moment`` if the office is open then, else a time on the next open morning."""
    if _is_open(moment):
        return moment
    day = timezone.localtime(moment).date()
    if timezone.localtime(moment).hour >= 7:
        day += timedelta(days=1)
    while day.weekday() == 6:
        day += timedelta(days=1)
    tz = timezone.get_current_timezone()
    return datetime.combine(day, time(8, w.rng.randint(0, 59)), tzinfo=tz) + timedelta(
        minutes=w.rng.randint(0, 150)
    )


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time(18, 30), tzinfo=timezone.get_current_timezone())


def _person(w: _World) -> _Person:
    rng = w.rng
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    street, city, zip_code = rng.choice(STREETS)
    return _Person(
        name=f"{first} {last}",
        phone=new_phone(rng, w.taken),
        email=f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}".lower(),
        street=f"{rng.randint(100, 12999)} {street}",
        city=city,
        zip=zip_code,
    )


def _campaign_work(w: _World, campaign: Campaign | None) -> tuple[BusinessUnit, JobType, JobTypeSpec]:
    """What a caller from this campaign wants: the campaign's trade when it has one."""
    unit_name = campaign.business_unit.name if campaign and campaign.business_unit else None
    specs = [(s, s.weight) for s in JOB_TYPES if s.weight and (unit_name is None or unit_name in s.units)]
    spec = weighted(w.rng, specs)
    unit = w.ref.units[unit_name or spec.units[0]]
    return unit, w.ref.job_types[spec.name], spec


def _reason_for(w: _World, unit: BusinessUnit, job_type: JobType) -> str:
    if job_type.name == "HVAC Maintenance":
        return "Maintenance / tune-up"
    if unit.name == HVAC_INSTALL and w.rng.random() < 0.25:
        return "Second opinion"
    return LEAD_REASONS[unit.name]


def _prospect_number(w: _World) -> str:
    if w.rng.random() < 0.015:
        return UNKNOWN_NUMBER
    weights = [(c.name, c.weight) for c in CAMPAIGNS if c.numbers and c.name != MAIN_LINE_CAMPAIGN]
    name = weighted(w.rng, weights)
    spec = next(c for c in CAMPAIGNS if c.name == name)
    return w.rng.choice(spec.numbers)


def _customer_number(w: _World) -> str:
    if w.rng.random() < 0.65:
        return next(c for c in CAMPAIGNS if c.name == MAIN_LINE_CAMPAIGN).numbers[0]
    return _prospect_number(w)


def _start_after(w: _World, moment: datetime) -> datetime:
    """A visit slot one to five working days after ``moment``."""
    day = timezone.localtime(moment).date() + timedelta(days=w.rng.randint(1, 5))
    while day.weekday() == 6:
        day += timedelta(days=1)
    return datetime.combine(day, time(w.rng.choice(START_HOURS)), tzinfo=timezone.get_current_timezone())


def _tech_for(w: _World, unit: BusinessUnit) -> Employee | None:
    pool = w.techs_by_unit.get(unit.name) or w.techs
    return w.rng.choice(pool) if pool else None


def _finish(w: _World, job: Job) -> None:
    finish_job(
        rng=w.rng, job=job, spec=job_type_spec(job.job_type.name), office=w.actor(w.office[-1]), clock=w.clock
    )


# --- calls -----------------------------------------------------------------------


def _bulk_call(
    w: _World,
    call_id: str,
    *,
    rang_at: datetime,
    from_number: str,
    to_number: str,
    answered_after: int | None,
    seconds: int,
    agent: Employee | None = None,
    reason: str | None = None,
    known: _Known | None = None,
    job: Job | None = None,
) -> None:
    """A call no rule turns into anything else: inserted in bulk, classified by the rules."""
    campaign = w.numbers.get(to_number)
    accepted_at = rang_at + timedelta(seconds=answered_after) if answered_after is not None else None
    ended_at = (accepted_at or rang_at) + timedelta(seconds=seconds)
    call = Call(
        provider=w.provider,
        provider_call_id=call_id,
        from_number=from_number,
        to_number=to_number,
        campaign=campaign,
        unknown_tracking_number=campaign is None,
        rang_at=rang_at,
        accepted_at=accepted_at,
        ended_at=ended_at,
        accepted_by=agent if accepted_at else None,
        call_reason=w.ref.reasons[reason] if reason else None,
        customer=job.customer if job else (known.customer if known else None),
        location=job.location if job else None,
        job=job,
        closed_at=ended_at + timedelta(seconds=w.rng.randint(20, 150)) if accepted_at else None,
        recording_url=DEMO_RECORDING_URL if accepted_at else "",
        created_at=rang_at,
    )
    call.duration_seconds = call_duration(call)
    call.classification = call_classify(call)
    w.bulk.append(call)


def _insert_bulk_calls(w: _World) -> None:
    stamps = [c.created_at for c in w.bulk]
    rows = Call.objects.bulk_create(w.bulk, batch_size=500)
    # auto_now_add stamps one moment on a bulk insert; each call really rang at its own.
    for row, stamp in zip(rows, stamps, strict=True):
        row.created_at = row.updated_at = stamp
    Call.objects.bulk_update(rows, ["created_at", "updated_at"], batch_size=500)


def _plan_booked_calls(w: _World, *, since: datetime) -> None:
    """The demo's jobs booked on the phone: a call to the campaign's number
    that ends a minute or two after the CSR booked the job."""
    jobs = (
        Job.objects.filter(created_at__gte=since, campaign__isnull=False, recall_for=None, warranty_for=None)
        .select_related("customer", "location", "business_unit", "job_type", "created_by")
        .order_by("id")
    )
    main = {c.name: c for c in CAMPAIGNS}
    for job in jobs:
        w.sim.story("job-call", job.pk)
        spec = main.get(job.campaign.name) if job.campaign else None
        known = w.by_customer.get(job.customer_id)
        if spec is None or not spec.numbers or known is None or w.rng.random() > 0.8:
            continue
        talk = w.rng.randint(240, 840)
        rang_at = job.created_at - timedelta(seconds=talk + w.rng.randint(3, 20))
        _bulk_call(
            w,
            f"{CALL_ID_PREFIX}job-{job.pk}",
            rang_at=rang_at,
            from_number=known.phones[0],
            to_number=w.rng.choice(spec.numbers),
            answered_after=w.rng.randint(3, 20),
            seconds=talk + w.rng.randint(40, 160),
            agent=job.created_by,
            reason=_reason_for(w, job.business_unit, job.job_type),
            job=job,
        )


def _plan_calls(w: _World, day: date) -> None:
    rng = w.sim.story("calls", day)
    count = round(CALLS_PER_DAY[day.weekday()] * rng.uniform(0.85, 1.15))
    tz = timezone.get_current_timezone()
    for i in range(count):
        hour = weighted(rng, list(enumerate(CALL_HOURS)))
        at = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=tz)
        if at >= w.now - timedelta(minutes=20):
            continue
        w.sim.story("call", day, i)
        _plan_call(w, at, f"{CALL_ID_PREFIX}{day:%Y%m%d}-{i:03d}")


def _plan_call(w: _World, at: datetime, call_id: str) -> None:
    rng = w.rng
    open_ = _is_open(at)
    local = timezone.localtime(at)
    roll = rng.random()
    kind = "junk" if roll < 0.12 else "customer" if roll < 0.48 else "prospect"
    known = rng.choice(w.known) if kind == "customer" else None
    if known is not None:
        from_number = rng.choice(known.phones)
        to_number = _customer_number(w)
    else:
        from_number = new_phone(rng, w.taken)
        to_number = _prospect_number(w)
    # Monday mornings the phones outrun the CSRs.
    answer_rate = 0.85 if local.weekday() == 0 and local.hour < 12 else 0.93
    if not open_ or rng.random() > answer_rate:
        long_rate = 0.05 if kind == "junk" else (0.55 if not open_ else 0.4)
        if rng.random() < long_rate:
            if kind == "prospect" and w.abandoned_phones and rng.random() < 0.12:
                # Some callers hang up, then try again a little later.
                recent = [p for t, p in w.abandoned_phones if at - timedelta(days=3) < t < at]
                from_number = rng.choice(recent) if recent else from_number
            w.abandoned_phones.append((at, from_number))
            wait = rng.randint(61, 300)
            w.sim.at(at, lambda: _abandoned_call(w, call_id, at, from_number, to_number, wait))
        else:
            seconds = rng.randint(3, 60)
            _bulk_call(
                w,
                call_id,
                rang_at=at,
                from_number=from_number,
                to_number=to_number,
                answered_after=None,
                seconds=seconds,
            )
        return
    agent = w.csr()
    if w.former_csr is not None and (w.now - at) > timedelta(days=60) and rng.random() < 0.25:
        agent = w.former_csr  # Tyler Brooks worked the phones until he left two months ago.
    answered_after = rng.randint(3, 25)
    if kind == "junk":
        reason = weighted(rng, NOT_LEAD_JUNK)
        _bulk_call(
            w,
            call_id,
            rang_at=at,
            from_number=from_number,
            to_number=to_number,
            answered_after=answered_after,
            seconds=rng.randint(8, 120),
            agent=agent,
            reason=reason,
        )
        return
    roll = rng.random()
    # Where each answered call ends: thresholds for not a lead, excused, booked, lead captured;
    # the rest booked nothing and wait on the Leads tab.
    not_lead, excused, booked, captured = (
        (0.45, 0.62, 0.76, 0.93) if kind == "customer" else (0.15, 0.33, 0.56, 0.87)
    )
    if roll < not_lead:
        reasons = NOT_LEAD_BY_CUSTOMERS if kind == "customer" else NOT_LEAD_BY_PROSPECTS
        _bulk_call(
            w,
            call_id,
            rang_at=at,
            from_number=from_number,
            to_number=to_number,
            answered_after=answered_after,
            seconds=rng.randint(30, 300),
            agent=agent,
            reason=weighted(rng, reasons),
            known=known,
        )
        return
    campaign = w.numbers.get(to_number)
    unit, job_type, _ = _campaign_work(w, campaign)
    if roll < excused:
        # A quick question, or the caller had to go: under a minute is excused.
        _bulk_call(
            w,
            call_id,
            rang_at=at,
            from_number=from_number,
            to_number=to_number,
            answered_after=answered_after,
            seconds=rng.randint(12, 59),
            agent=agent,
            reason=_reason_for(w, unit, job_type),
            known=known,
        )
        return
    if agent == w.former_csr:
        agent = w.csr()
    outcome = "booked" if roll < booked else "captured" if roll < captured else "unbooked"
    talk = rng.randint(60, 400) if outcome == "unbooked" else rng.randint(150, 720)
    w.sim.at(
        at,
        lambda: _answered_call(
            w, call_id, at, from_number, to_number, agent, answered_after, talk, known, outcome
        ),
    )


def _abandoned_call(
    w: _World, call_id: str, at: datetime, from_number: str, to_number: str, wait: int
) -> None:
    """A long unanswered call, posted as the provider's events: the calls service makes the lead."""
    system = Actor(integration=w.provider)
    call_event_record(
        actor=system,
        provider_call_id=call_id,
        event="ringing",
        at=at,
        from_number=from_number,
        to_number=to_number,
    )
    w.clock.set(at + timedelta(seconds=wait))
    call = call_event_record(
        actor=system, provider_call_id=call_id, event="ended", at=at + timedelta(seconds=wait)
    )
    lead = call.lead
    if lead is not None and lead.call_id == call.pk:
        _plan_lead(w, lead, at=w.clock.at, person=_person_for(w, from_number), worker=None)


def _person_for(w: _World, phone: str) -> _Person:
    person = _person(w)
    person.phone = phone
    return person


def _answered_call(
    w: _World,
    call_id: str,
    at: datetime,
    from_number: str,
    to_number: str,
    agent: Employee,
    answered_after: int,
    talk: int,
    known: _Known | None,
    outcome: str,
) -> None:
    """An answered call as the provider posts it, and what the CSR did with it."""
    rng = w.rng
    system = Actor(integration=w.provider)
    call = call_event_record(
        actor=system,
        provider_call_id=call_id,
        event="ringing",
        at=at,
        from_number=from_number,
        to_number=to_number,
    )
    accepted = w.clock.set(at + timedelta(seconds=answered_after))
    call_event_record(
        actor=system, provider_call_id=call_id, event="accepted", at=accepted, agent_id=agent.pk
    )
    person = _person_for(w, from_number)
    job: Job | None = None
    if outcome == "booked":
        w.clock.set(accepted + timedelta(seconds=talk * 0.8))
        job = _book_on_the_call(w, call, agent, person, known)
    ended = w.clock.set(accepted + timedelta(seconds=talk))
    call = call_event_record(
        actor=system,
        provider_call_id=call_id,
        event="ended",
        at=ended,
        recording_url=f"https://recordings.example.com/{call_id}.mp3",
    )
    closed = w.clock.set(ended + timedelta(seconds=rng.randint(20, 180)))
    campaign = (
        call.campaign or (w.ref.campaigns[rng.choice(["Website (organic)", "Referrals & Word of Mouth"])])
    )
    unit, job_type, _ = _campaign_work(w, campaign)
    reason = w.ref.reasons[_reason_for(w, unit, job_type)]
    if job is not None:
        reason = w.ref.reasons[_reason_for(w, job.business_unit, job.job_type)]
        call_close(actor=w.actor(agent), call=call, call_reason=reason, location=job.location)
        _finish(w, job)
        return
    if outcome == "unbooked":
        call_close(actor=w.actor(agent), call=call, call_reason=reason, confirm_without_location=True)
        _plan_unbooked(w, call, closed, person, known)
        return
    details = _lead_details(
        w,
        person=person,
        known=known,
        campaign=campaign,
        unit=unit,
        job_type=job_type,
        assignee=agent if rng.random() < 0.75 else None,
    )
    location = details.location
    result = call_close(
        actor=w.actor(agent),
        call=call,
        call_reason=reason,
        lead=details,
        location=location,
        confirm_without_location=True,
    )
    if result.lead is not None:
        _plan_lead(w, result.lead, at=closed, person=person, worker=details.assignee)


def _lead_details(
    w: _World,
    *,
    person: _Person,
    known: _Known | None,
    campaign: Campaign,
    unit: BusinessUnit,
    job_type: JobType,
    assignee: Employee | None,
) -> LeadDetails:
    """What a CSR types while on the phone: everything for a known customer,
    for a new caller anywhere from a phone number to a full address."""
    rng = w.rng
    spec = job_type_spec(job_type.name)
    classified = rng.random() < 0.75
    tags = [rng.choice(list(w.ref.tags.values()))] if rng.random() < 0.1 else []
    summary = rng.choice(spec.summaries)
    classified_unit = unit if classified else None
    classified_type = job_type if classified else None
    if known is not None:
        return LeadDetails(
            contact=Contact(name=known.customer.name, phone=person.phone),
            campaign=campaign,
            customer=known.customer,
            location=rng.choice(known.locations) if rng.random() < 0.7 else None,
            summary=summary,
            business_unit=classified_unit,
            job_type=classified_type,
            tags=tags,
            assignee=assignee,
        )
    roll = rng.random()
    contact = Contact(name=person.name if roll > 0.08 else "", phone=person.phone)
    if roll > 0.45:
        contact = Contact(name=person.name, phone=person.phone, city=person.city)
    if roll > 0.7:
        contact = Contact(
            name=person.name,
            phone=person.phone,
            email=person.email if rng.random() < 0.5 else "",
            street=person.street,
            city=person.city,
            state="TX",
            zip=person.zip,
        )
    return LeadDetails(
        contact=contact,
        campaign=campaign,
        summary=summary,
        business_unit=classified_unit,
        job_type=classified_type,
        tags=tags,
        assignee=assignee,
    )


def _book_on_the_call(w: _World, call: Call, agent: Employee, person: _Person, known: _Known | None) -> Job:
    """The CSR books the visit while the caller is on the line, creating the
    customer first when the caller is new."""
    unit, job_type, spec = _campaign_work(w, call.campaign)
    if known is None:
        customer = customer_create(
            name=person.name,
            phones=[person.phone],
            emails=[person.email] if w.rng.random() < 0.6 else [],
            locations=[person.address()],
        )
        location = customer.locations.get()
    else:
        customer, location = known.customer, w.rng.choice(known.locations)
    return call_book_job(
        actor=w.actor(agent),
        call=call,
        customer=customer,
        location=location,
        business_unit=unit,
        job_type=job_type,
        start=_start_after(w, w.clock.at),
        technician=_tech_for(w, unit),
        summary=w.rng.choice(spec.summaries),
    )


def _plan_unbooked(w: _World, call: Call, closed: datetime, person: _Person, known: _Known | None) -> None:
    """An answered call that booked nothing and captured no lead waits on the Leads tab."""
    rng = w.rng
    age = w.now - closed
    if age < timedelta(days=3):
        if rng.random() < 0.45:
            when = _office_after(w, closed + timedelta(hours=rng.randint(1, 20)))
            w.sim.at(when, lambda: _callback(w, call, LeadActivity.Outcome.NO_ANSWER))
        return
    roll = rng.random()
    first = _office_after(w, closed + timedelta(hours=rng.uniform(0.5, 20)))
    if roll < 0.35:
        w.sim.at(first, lambda: _capture_later(w, call, person, known))
    elif roll < 0.7:
        w.sim.at(first, lambda: _callback(w, call, LeadActivity.Outcome.LEFT_MESSAGE))
        later = _office_after(w, first + timedelta(days=rng.randint(1, 4)))
        w.sim.at(later, lambda: _dismiss_from_tab(w, call, weighted(rng, DISMISS_REASONS), ""))
    elif roll < 0.85 and known is not None:
        w.sim.at(first, lambda: _book_from_call(w, call, known))
    else:
        w.sim.at(
            first, lambda: call_excuse(actor=w.actor(w.manager), call=call, note=rng.choice(EXCUSE_NOTES))
        )


def _callback(w: _World, call: Call, outcome: str) -> None:
    text = "No answer." if outcome == LeadActivity.Outcome.NO_ANSWER else "Left a voicemail."
    call_back_attempt(actor=w.actor(w.csr()), call=call, outcome=outcome, note=text)


def _dismiss_from_tab(w: _World, call: Call, reason: str, note: str) -> None:
    call_dismiss_follow_up(actor=w.actor(w.csr()), call=call, reason=w.ref.reasons[reason], note=note)


def _capture_later(w: _World, call: Call, person: _Person, known: _Known | None) -> None:
    csr = w.csr()
    campaign = call.campaign or w.ref.campaigns["Website (organic)"]
    unit, job_type, _ = _campaign_work(w, campaign)
    details = _lead_details(
        w, person=person, known=known, campaign=campaign, unit=unit, job_type=job_type, assignee=csr
    )
    lead, _ = call_capture_lead(actor=w.actor(csr), call=call, call_reason=None, lead=details)
    _plan_lead(w, lead, at=w.clock.at, person=person, worker=csr)


def _book_from_call(w: _World, call: Call, known: _Known) -> None:
    campaign = call.campaign
    unit, job_type, _ = _campaign_work(w, campaign)
    when = w.clock.at
    # Whoever works the Leads tab takes the call over from the CSR who answered it.
    job = call_book_job(
        actor=w.actor(w.csr()),
        call=call,
        customer=known.customer,
        location=known.locations[0],
        business_unit=unit,
        job_type=job_type,
        start=_start_after(w, when),
        technician=_tech_for(w, unit),
        summary=w.rng.choice(job_type_spec(job_type.name).summaries),
        takeover=True,
    )
    _finish(w, job)


# --- leads from the office (email, chat, social, referrals) ------------------------


def _plan_office_leads(w: _World, day: date) -> None:
    rng = w.sim.story("office-leads", day)
    if day.weekday() == 6:
        return
    for i in range(rng.choice((0, 1, 1, 1, 2, 2) if day.weekday() < 5 else (0, 0, 1))):
        at = office_moment(rng, day)
        w.sim.story("office-lead", day, i)
        if at < w.now - timedelta(minutes=10):
            w.sim.at(at, lambda: _office_lead(w))


def _office_lead(w: _World) -> None:
    """A lead a CSR enters from an email, a Facebook message, a chat or a referral."""
    rng = w.rng
    csr = w.csr()
    source = weighted(
        rng,
        [
            ("Facebook - Comfort Club Offer", 30),
            ("Website (organic)", 30),
            ("Referrals & Word of Mouth", 30),
            (MAIN_LINE_CAMPAIGN, 10),
        ],
    )
    campaign = w.ref.campaigns[source]
    unit, job_type, spec = _campaign_work(w, campaign)
    person = _person(w)
    known = rng.choice(w.known) if source == MAIN_LINE_CAMPAIGN else None
    roll = rng.random()
    if known is not None:
        contact = Contact(name=known.customer.name)
    elif roll < 0.4:  # a message with only a name and an email address
        contact = Contact(name=person.name, email=person.email)
    elif roll < 0.75:
        contact = Contact(name=person.name, phone=person.phone)
    else:
        contact = Contact(name=person.name, phone=person.phone, email=person.email, city=person.city)
    assignee = csr if rng.random() < 0.8 else None
    lead = lead_capture(
        actor=w.actor(csr),
        type=Lead.Type.MARKETING,
        contact=contact,
        campaign=campaign,
        customer=known.customer if known else None,
        location=known.locations[0] if known else None,
        summary=rng.choice(spec.summaries),
        business_unit=unit if rng.random() < 0.6 else None,
        job_type=job_type if rng.random() < 0.6 else None,
        assignee=assignee,
        with_matches=False,
    ).lead
    if known is not None:
        person.phone = known.phones[0]
    _plan_lead(w, lead, at=w.clock.at, person=person, worker=assignee)


# --- job-generated leads -----------------------------------------------------------


def _plan_job_leads(w: _World, *, since: date) -> None:
    tz = timezone.get_current_timezone()
    jobs = (
        Job.objects.filter(
            status=Job.Status.COMPLETED,
            start__gte=datetime.combine(since, time(0), tzinfo=tz),
            technician__isnull=False,
            recall_for=None,
            warranty_for=None,
        )
        .select_related("job_type", "technician", "customer", "location")
        .order_by("start", "id")
    )
    for job in jobs:
        rng = w.sim.story("job-lead", job.pk)
        choices = JOB_LEADS.get(job.job_type.name)
        if not choices or job.start is None or rng.random() > JOB_LEAD_RATES.get(job.job_type.name, 0):
            continue
        target, summary = rng.choice(choices)
        at = job.start + timedelta(minutes=rng.randint(60, 170))
        by_office = rng.random() < 0.12
        w.sim.at(
            at if not by_office else _office_after(w, at + timedelta(hours=20)),
            partial(_job_lead, w, job, target, summary, by_office),
        )


def _job_lead(w: _World, job: Job, target: str, summary: str, by_office: bool) -> None:
    """A technician (or the office, from the tech's notes or the customer's
    call about the invoice) sets a lead on a finished job."""
    rng = w.rng
    spec = job_type_spec(target)
    unit = w.ref.units[spec.units[0]]
    tech = job.technician
    assert tech is not None
    setter_actor = w.actor(tech)
    setter = tech
    book = False
    if by_office:
        clerk = rng.choice(w.office)
        setter_actor = w.actor(clerk)
        setter = clerk if rng.random() < 0.5 else tech
        book = rng.random() < 0.3
    start_date = None
    if book or rng.random() < 0.3:
        start_date = _start_after(w, w.clock.at).date()
    installer = _tech_for(w, unit) if unit.name != HVAC_SERVICE or rng.random() < 0.5 else tech
    lead, new_job = lead_capture_from_job(
        actor=setter_actor,
        job=job,
        business_unit=unit,
        job_type=w.ref.job_types[target],
        priority="high" if rng.random() < 0.2 else None,
        start_date=start_date,
        start_time=time(rng.choice(START_HOURS)) if start_date else None,
        lead_setting_employee=setter,
        technician=installer,
        summary=summary,
        book=book,
    )
    if new_job is not None:
        _finish(w, new_job)
        return
    person = _Person(job.customer.name, "", "", "", "", "")
    _plan_lead(w, lead, at=w.clock.at, person=person, worker=None, convert_rate=0.6)


# --- bookings -----------------------------------------------------------------------


def _plan_bookings(w: _World, day: date) -> None:
    rng = w.sim.story("bookings", day)
    tz = timezone.get_current_timezone()
    for i in range(rng.choice((0, 0, 0, 1, 1, 1))):
        # Forms and emails arrive at any hour; people fill them in at night too.
        at = datetime.combine(day, time(rng.randint(6, 23), rng.randint(0, 59)), tzinfo=tz)
        w.sim.story("booking", day, i)
        if at < w.now - timedelta(minutes=30):
            w.sim.at(at, lambda: _booking(w))


def _plan_recent_bookings(w: _World) -> None:
    """A handful that arrived since the office last looked: the Bookings queue's work."""
    for i in range(7):
        rng = w.sim.story("recent-booking", i)
        w.sim.at(w.now - timedelta(hours=rng.uniform(0.3, 30)), lambda: _booking(w))


def _booking(w: _World) -> None:
    rng = w.rng
    person = _person(w)
    spec = weighted(rng, [(s, s.weight) for s in JOB_TYPES if s.weight])
    job_type = w.ref.job_types[spec.name]
    channel = weighted(rng, [("online", 60), ("partner", 25), ("email", 15)])
    n = w.sim.order
    if channel == "email":
        subject, unit_name = rng.choice(EMAIL_SUBJECTS)
        spec = weighted(rng, [(s, s.weight) for s in JOB_TYPES if s.weight and unit_name in s.units])
        phone_line = (
            f"\nYou can reach me at {person.phone[2:5]}-{person.phone[5:8]}-{person.phone[8:]}."
            if rng.random() < 0.6
            else ""
        )
        raw = (
            f"From: {person.name} <{person.email}>\r\nTo: service@lonestarcomfort.example\r\n"
            f"Subject: {subject}\r\nMessage-ID: <demo-{n}@mail.example.com>\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n"
            f"Hi, we're in {person.city}. {rng.choice(spec.summaries)}. "
            f"What would it cost and when could someone come out?{phone_line}\r\n\r\n"
            f"Thanks,\r\n{person.name.split()[0]}\r\n"
        ).encode()
        booking = booking_receive_email(integration=w.ref.integrations["email"], raw=raw).booking
    else:
        window, hour = rng.choice(WINDOWS)
        preferred = _start_after(w, w.clock.at).date()
        attribution = _attribution(w, spec) if channel == "online" else {}
        units = spec.units
        booking = booking_receive(
            integration=w.ref.integrations["website" if channel == "online" else "angi"],
            external_id=f"form:{rng.getrandbits(64):016x}"
            if channel == "online"
            else f"ANGI-{rng.randint(10**7, 10**8 - 1)}",
            channel=channel,
            contact=Contact(
                name=person.name,
                phone=person.phone,
                email=person.email if channel == "partner" or rng.random() < 0.8 else "",
                street=person.street,
                city=person.city,
                state="TX",
                zip=person.zip,
            ),
            requested_start=datetime.combine(preferred, time(hour), tzinfo=timezone.get_current_timezone()),
            requested_window=window,
            summary=(f"Angi request: {spec.name}. " if channel == "partner" else "")
            + rng.choice(spec.summaries),
            business_unit_id=w.ref.units[units[0]].pk if len(units) == 1 else None,
            job_type_id=job_type.pk,
            attribution=attribution,
            raw_payload={"demo": True, "attribution": attribution},
        ).booking
    _plan_booking(w, booking, person)


def _attribution(w: _World, spec: JobTypeSpec) -> dict[str, str]:
    rng = w.rng
    slug = spec.name.lower().replace(" ", "-")
    site = "https://www.lonestarcomfort.example"
    roll = rng.random()
    if roll < 0.4:
        return {
            "landing_page": f"{site}/{slug}/?utm_source=google&utm_medium=cpc&utm_campaign=austin-{slug}",
            "referrer": "https://www.google.com/",
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": f"austin-{slug}",
            "utm_term": f"{spec.name.lower()} near me",
            "gclid": f"Cj0KCQjw{rng.getrandbits(80):020x}",
        }
    if roll < 0.6:
        return {
            "landing_page": f"{site}/comfort-club/?utm_source=facebook&utm_medium=paid_social",
            "referrer": "https://m.facebook.com/",
            "utm_source": "facebook",
            "utm_medium": "paid_social",
            "utm_campaign": "comfort-club-offer",
            "utm_content": rng.choice(["video-tech-intro", "carousel-tuneup"]),
            "fbclid": f"IwAR{rng.getrandbits(96):024x}",
        }
    return {
        "landing_page": f"{site}/{slug}/",
        "referrer": rng.choice(["https://www.google.com/", "https://www.bing.com/", ""]),
    }


def _plan_booking(w: _World, booking: Booking, person: _Person) -> None:
    rng = w.rng
    arrived = w.clock.at
    if w.now - arrived < timedelta(hours=36) and rng.random() < 0.85:
        return  # still new in the queue
    handled = _office_after(w, arrived + timedelta(minutes=rng.randint(10, 240)))
    roll = rng.random()
    if roll < 0.5 and booking.street:
        w.sim.at(handled, lambda: _accept_booking(w, booking))
    elif roll < 0.82:
        w.sim.at(handled, lambda: _convert_booking(w, booking, person))
    else:
        reason = weighted(
            rng, [("Duplicate request", 40), ("Spam / robocall", 20), ("Went with another company", 40)]
        )
        w.sim.at(
            handled,
            lambda: booking_dismiss(
                actor=w.actor(w.csr()), booking=booking, reason=w.ref.reasons[reason], note=""
            ),
        )


def _accept_booking(w: _World, booking: Booking) -> None:
    known = w.by_phone.get(booking.phone)
    job_type = booking.job_type
    unit = booking.business_unit
    if unit is None and job_type is not None:
        unit = job_type.business_units.order_by("id").first()
    assert unit is not None and job_type is not None
    start = booking.requested_start
    if start is None or start <= w.clock.at:
        start = _start_after(w, w.clock.at)
    job = booking_accept(
        actor=w.actor(w.csr()),
        booking=booking,
        customer=known.customer if known else None,
        location=known.locations[0] if known else None,
        business_unit=unit,
        job_type=job_type,
        start=start,
        technician=_tech_for(w, unit),
    )
    _finish(w, job)


def _convert_booking(w: _World, booking: Booking, person: _Person) -> None:
    csr = w.csr()
    campaign = None
    if booking.campaign_id is None:
        campaign = w.ref.campaigns[w.rng.choice(["Website (organic)", "Referrals & Word of Mouth"])]
    lead = booking_convert(actor=w.actor(csr), booking=booking, campaign=campaign, assignee=csr).lead
    _plan_lead(w, lead, at=w.clock.at, person=person, worker=csr)


# --- a lead's life: follow-ups, notes, then converted, dismissed or still open --------


def _plan_lead(
    w: _World,
    lead: Lead,
    *,
    at: datetime,
    person: _Person,
    worker: Employee | None,
    convert_rate: float = 0.5,
) -> None:
    """Decide now what will have happened to the lead by today, and queue it."""
    rng = w.rng
    age_days = (w.now - at).total_seconds() / 86400
    if age_days > 21:
        p_convert, p_dismiss = convert_rate, (1 - convert_rate) * 0.85
    elif age_days > 7:
        p_convert, p_dismiss = convert_rate * 0.75, 0.2
    elif age_days > 2:
        p_convert, p_dismiss = convert_rate * 0.45, 0.1
    else:
        p_convert, p_dismiss = convert_rate * 0.2, 0.04
    if lead.type == Lead.Type.ABANDONED_CALL and age_days > 2:
        # A hang-up is called back within days: it books or is let go, rarely lingers.
        p_convert = max(p_convert, convert_rate * 0.8)
        p_dismiss = 1 - p_convert - (0.03 if age_days > 7 else 0.15)
    roll = rng.random()
    fate = "converted" if roll < p_convert else "dismissed" if roll < p_convert + p_dismiss else "open"
    worker = worker or w.csr()
    end: datetime
    follow_up_on: date | None = None
    if fate == "converted":
        delay = rng.choice(
            (
                timedelta(minutes=rng.randint(20, 300)),
                timedelta(days=rng.uniform(1, 4)),
                timedelta(days=rng.uniform(4, 16)),
            )
        )
        end = _office_after(w, at + delay)
    elif fate == "dismissed":
        end = _office_after(w, at + timedelta(days=rng.uniform(1, 18)))
    else:
        end = w.now - timedelta(minutes=10)
    if end >= w.now - timedelta(minutes=10):
        fate, end = "open", w.now - timedelta(minutes=10)
    if fate == "open":
        r = rng.random()
        if r < 0.25:
            follow_up_on = w.today - timedelta(days=rng.randint(1, 7))
        elif r < 0.55:
            follow_up_on = w.today
        else:
            follow_up_on = w.today + timedelta(
                days=rng.randint(1, 7) if rng.random() < 0.85 else rng.randint(14, 45)
            )
        if follow_up_on != w.today and follow_up_on.weekday() == 6:
            follow_up_on += timedelta(days=1 if follow_up_on > w.today else -1)  # the office is closed
        follow_up_on = max(follow_up_on, timezone.localtime(at).date())
        end = min(end, _end_of(follow_up_on))
    hours = (end - at).total_seconds() / 3600
    count = 0 if hours < 4 else rng.choice((1, 1, 2, 2, 3)) if fate != "dismissed" else rng.randint(1, 4)
    times = sorted(
        t
        for t in (
            _office_after(w, at + timedelta(hours=rng.uniform(0.3, max(hours, 0.5)))) for _ in range(count)
        )
        if at < t < end
    )
    said: set[str] = set()
    for i, t in enumerate(times):
        last = i == len(times) - 1
        upcoming = times[i + 1] if not last else (end if fate != "open" else None)
        next_on = timezone.localtime(upcoming).date() if upcoming else follow_up_on
        outcome = _outcome(rng, last=last, fate=fate)
        # Nobody writes the same sentence twice on one lead.
        lines = BOOKING_TEXT if last and fate == "converted" else FOLLOW_UP_TEXT[outcome]
        text = rng.choice([line for line in lines if line not in said] or lines)
        said.add(text)
        w.sim.at(
            t,
            partial(_follow_up, w, lead, worker, outcome, next_on, text, person, i == 0),
        )
    note_at = _office_after(w, at + (end - at) * rng.uniform(0.05, 0.9))
    if rng.random() < 0.25 and note_at < end:
        note, pinned = rng.choice(NOTES)
        w.sim.at(note_at, partial(lead_add_note, actor=w.actor(worker), lead=lead, text=note, pinned=pinned))
    if fate == "converted":
        w.sim.at(end, lambda: _convert(w, lead, worker, person))
    elif fate == "dismissed":
        reason = weighted(rng, DISMISS_REASONS)
        note = rng.choice(["", "", "Went with the company that could come today.", "Decided to wait."])
        w.sim.at(end, lambda: _dismiss(w, lead, worker, reason, note))


def _outcome(rng: random.Random, *, last: bool, fate: str) -> str:
    o = LeadActivity.Outcome
    if last and fate == "converted":
        return o.SPOKE
    if last and fate == "dismissed":
        return rng.choice((o.NOT_READY, o.NO_ANSWER, o.SPOKE))
    if last and fate == "open":
        return rng.choice((o.CALL_BACK, o.LEFT_MESSAGE, o.NOT_READY, o.SPOKE, o.EMAILED))
    return rng.choice((o.NO_ANSWER, o.LEFT_MESSAGE, o.LEFT_MESSAGE, o.EMAILED, o.CALL_BACK))


def _follow_up(
    w: _World,
    lead: Lead,
    worker: Employee,
    outcome: str,
    next_on: date | None,
    text: str,
    person: _Person,
    first: bool,
) -> None:
    actor = w.actor(worker)
    if first and lead.type == Lead.Type.ABANDONED_CALL:
        # Whoever calls back first takes the lead; reaching them gets a name.
        changes: dict[str, object] = {"assignee": worker}
        if outcome == LeadActivity.Outcome.SPOKE and lead.customer_id is None:
            changes |= {"name": person.name, "city": person.city}
        lead_update(actor=actor, lead=lead, changes=changes)
    lead_follow_up(actor=actor, lead=lead, note=text, outcome=outcome, next_follow_up_on=next_on)


def _convert(w: _World, lead: Lead, worker: Employee, person: _Person) -> None:
    lead.refresh_from_db()
    unit = lead.business_unit
    job_type = lead.job_type
    if job_type is None or unit is None:
        unit, job_type, _ = _campaign_work(w, lead.campaign)
    customer = lead.customer
    location = lead.location
    new_customer = None
    new_location = None
    if customer is None:
        new_customer = NewCustomer(name="" if lead.name else person.name)
        new_location = person.address()
    elif location is None:
        location = customer.locations.order_by("id").first()
    when = w.clock.at
    job = lead_convert(
        actor=w.actor(worker),
        lead=lead,
        customer=customer,
        location=location,
        new_customer=new_customer,
        new_location=new_location,
        business_unit=unit,
        job_type=job_type,
        start=lead.start if lead.start and lead.start > when else _start_after(w, when),
        technician=lead.technician or _tech_for(w, unit),
    )
    _off_the_leads_tab(w, lead, "Duplicate request", f"Booked as job {job.number} from the lead.")
    _finish(w, job)


def _dismiss(w: _World, lead: Lead, worker: Employee, reason: str, note: str) -> None:
    lead_dismiss(actor=w.actor(worker), lead=lead, reason=w.ref.reasons[reason], note=note)
    _off_the_leads_tab(w, lead, reason, "Lead dismissed on the Follow Up screen.")


def _off_the_leads_tab(w: _World, lead: Lead, reason: str, note: str) -> None:
    """Converting or dismissing an abandoned-call lead does not clear its call
    from the Leads tab; the CSR does, as in the product today."""
    if lead.type != Lead.Type.ABANDONED_CALL:
        return
    waiting = Call.objects.filter(lead=lead, follow_up_at__isnull=False, follow_up_resolved_at__isnull=True)
    for call in waiting.order_by("id"):
        call_dismiss_follow_up(actor=w.actor(w.csr()), call=call, reason=w.ref.reasons[reason], note=note)
