"""The demo company: Lone Star Comfort & Plumbing, Austin TX.

``load_demo`` fills an empty database with a believable office: reference data,
employees with logins, a few hundred customers and 90 days of jobs with their
invoices. Everything random comes from one seeded generator, so two loads on
the same day produce the same company.

Reference data and employees are found or created by their natural keys, so a
second load adds nothing; customers and jobs are loaded once, detected by the
first demo customer's phone number.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TypeVar

import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.actor import Actor
from accounts.models import Employee, Integration, Role
from assignment.models import AssignmentRule, SlaPolicy
from assignment.services import (
    assignment_rule_create,
    facts_of,
    first_response_due,
    sla_policy_create,
    sla_policy_for,
)
from bookings.models import CampaignRule
from catalog.models import BookingGuide, BusinessUnit, CallReason, Campaign, JobType, Tag
from catalog.services import (
    campaign_choose_for_job_generated,
    campaign_set_tracking_numbers,
    job_generated_campaign,
)
from core.choices import Priority
from customers.models import ContactPoint, Customer, Location
from jobs.models import Invoice, Job
from jobs.services import invoice_add_line, invoice_set_status, job_book, job_set_status
from leads.models import Lead
from messaging.models import MessageTemplate
from scheduling.models import ArrivalWindow, WindowPlace
from scheduling.services import place_take

COMPANY = "Lone Star Comfort & Plumbing"
DEMO_PASSWORD = "leadline-demo"
SEED = 5120737

T = TypeVar("T")

HVAC_SERVICE = "HVAC Service"
HVAC_INSTALL = "HVAC Install"
PLUMBING = "Plumbing"
ELECTRICAL = "Electrical"
BUSINESS_UNITS = [HVAC_SERVICE, HVAC_INSTALL, PLUMBING, ELECTRICAL]


@dataclass(frozen=True)
class JobTypeSpec:
    name: str
    units: tuple[str, ...]
    priority: str
    sold_threshold: Decimal
    weight: int
    summaries: tuple[str, ...]
    # Lines a finished visit of this type bills: (description, unit price).
    base_lines: tuple[tuple[str, str], ...] = ()
    extra_lines: tuple[tuple[str, str], ...] = ()
    # Estimates: what a sold estimate bills, and how often one is sold.
    sold_lines: tuple[tuple[str, str], ...] = ()
    sold_rate: float = 0.0


JOB_TYPES = [
    JobTypeSpec(
        "AC Repair",
        (HVAC_SERVICE,),
        Priority.HIGH,
        Decimal("250"),
        18,
        (
            "AC blowing warm air upstairs",
            "Outdoor unit humming, fan not spinning",
            "Water leaking from the attic air handler",
            "Thermostat blank, AC not cooling",
            "Ice on the refrigerant lines",
        ),
        base_lines=(("Diagnostic fee", "89.00"),),
        extra_lines=(
            ("Replace run capacitor 45/5 MFD", "245.00"),
            ("Replace condenser fan motor", "585.00"),
            ("Refrigerant recharge, R-410A (2 lb)", "340.00"),
            ("Replace contactor", "189.00"),
            ("Clear condensate drain line and treat pan", "149.00"),
        ),
    ),
    JobTypeSpec(
        "Furnace Repair",
        (HVAC_SERVICE,),
        Priority.HIGH,
        Decimal("250"),
        6,
        ("Furnace clicks but no heat", "Burning smell when heat comes on", "Furnace short-cycling"),
        base_lines=(("Diagnostic fee", "89.00"),),
        extra_lines=(
            ("Replace hot surface igniter", "265.00"),
            ("Clean and replace flame sensor", "175.00"),
            ("Replace inducer motor", "895.00"),
            ("Replace pressure switch", "235.00"),
        ),
    ),
    JobTypeSpec(
        "HVAC Maintenance",
        (HVAC_SERVICE,),
        Priority.NORMAL,
        Decimal("0"),
        14,
        ("Spring AC tune-up (Comfort Club)", "Fall heating tune-up", "Annual maintenance, two systems"),
        base_lines=(("Comfort Club 21-point tune-up", "129.00"),),
        extra_lines=(("Replace 16x25x1 pleated filter", "18.00"), ("Coil cleaning", "189.00")),
    ),
    JobTypeSpec(
        "HVAC Replacement Estimate",
        (HVAC_INSTALL,),
        Priority.NORMAL,
        Decimal("5000"),
        7,
        (
            "18-year-old system, wants options for replacement",
            "Second opinion on a new AC quote",
            "Adding an upstairs zone; quote for new system",
        ),
        base_lines=(("In-home comfort consultation (no charge)", "0.00"),),
        sold_lines=(
            ("3-ton 16 SEER2 heat pump system, installed", "11850.00"),
            ("4-ton 15.2 SEER2 AC and 80k BTU furnace, installed", "13975.00"),
        ),
        sold_rate=0.4,
    ),
    JobTypeSpec(
        "Ductless Mini-Split Install",
        (HVAC_INSTALL,),
        Priority.NORMAL,
        Decimal("3000"),
        2,
        ("Garage workshop mini-split", "Sunroom too hot; single-zone ductless"),
        base_lines=(("12k BTU single-zone mini-split, installed", "4650.00"),),
    ),
    JobTypeSpec(
        "Drain Cleaning",
        (PLUMBING,),
        Priority.NORMAL,
        Decimal("150"),
        10,
        ("Kitchen sink backing up", "Main line slow, toilets gurgling", "Shower drain clogged"),
        extra_lines=(
            ("Clear main line through cleanout", "289.00"),
            ("Clear kitchen sink drain", "189.00"),
            ("Hydro-jet main sewer line", "595.00"),
            ("Sewer camera inspection", "225.00"),
        ),
    ),
    JobTypeSpec(
        "Water Heater Replacement",
        (PLUMBING,),
        Priority.HIGH,
        Decimal("1200"),
        5,
        ("No hot water, tank leaking in garage", "12-year-old water heater, rust in water"),
        base_lines=(("50-gallon gas water heater, installed", "2150.00"), ("Haul away old tank", "75.00")),
        extra_lines=(("Install thermal expansion tank", "285.00"), ("Replace gas flex line", "95.00")),
    ),
    JobTypeSpec(
        "Leak Repair",
        (PLUMBING,),
        Priority.URGENT,
        Decimal("200"),
        7,
        ("Water under the kitchen sink", "Ceiling stain below upstairs bath", "Hose bib leaking at the wall"),
        base_lines=(("Service call", "79.00"),),
        extra_lines=(
            ("Replace supply line and angle stop", "265.00"),
            ("Repair copper line in wall", "485.00"),
            ("Replace hose bib", "210.00"),
        ),
    ),
    JobTypeSpec(
        "Slab Leak Detection",
        (PLUMBING,),
        Priority.HIGH,
        Decimal("400"),
        2,
        ("Water bill doubled, warm spot on floor",),
        base_lines=(("Electronic slab leak detection", "450.00"),),
    ),
    JobTypeSpec(
        "Electrical Troubleshooting",
        (ELECTRICAL,),
        Priority.HIGH,
        Decimal("200"),
        6,
        ("Breaker keeps tripping in kitchen", "Half the outlets in living room dead", "Flickering lights"),
        base_lines=(("Diagnostic fee", "99.00"),),
        extra_lines=(
            ("Replace 20A breaker", "225.00"),
            ("Replace GFCI receptacle", "165.00"),
            ("Repair loose neutral at panel", "310.00"),
        ),
    ),
    JobTypeSpec(
        "Panel Upgrade Estimate",
        (ELECTRICAL,),
        Priority.NORMAL,
        Decimal("2000"),
        3,
        ("Old Federal Pacific panel; insurance wants it replaced", "Adding EV charger, panel is full"),
        base_lines=(("Panel upgrade consultation (no charge)", "0.00"),),
        sold_lines=(("200A panel upgrade with permit", "3850.00"),),
        sold_rate=0.45,
    ),
    JobTypeSpec(
        "EV Charger Install",
        (ELECTRICAL,),
        Priority.NORMAL,
        Decimal("800"),
        3,
        ("Level 2 charger for new Tesla", "Install customer-supplied wall charger"),
        base_lines=(("Level 2 EV charger circuit, 50A", "1250.00"),),
    ),
    JobTypeSpec(
        "Recall",
        tuple(BUSINESS_UNITS),
        Priority.HIGH,
        Decimal("0"),
        0,
        ("Callback: problem came back",),
        base_lines=(("Recall visit (no charge)", "0.00"),),
    ),
    JobTypeSpec(
        "Warranty Visit",
        tuple(BUSINESS_UNITS),
        Priority.NORMAL,
        Decimal("0"),
        0,
        ("Warranty: part failed",),
        base_lines=(("Warranty labor (no charge)", "0.00"), ("Warranty part (manufacturer)", "0.00")),
    ),
]


@dataclass(frozen=True)
class CampaignSpec:
    name: str
    category: str
    unit: str | None
    monthly_cost: Decimal
    numbers: tuple[str, ...]
    weight: int


# 555-0100..0199 are the numbers set aside for fiction, and phonenumbers
# accepts them as valid in both Austin area codes.
CAMPAIGNS = [
    CampaignSpec(
        "Google Ads - HVAC Repair",
        Campaign.Category.PAID_SEARCH,
        HVAC_SERVICE,
        Decimal("4500"),
        ("+15125550101", "+15125550102"),
        20,
    ),
    CampaignSpec(
        "Google Local Services Ads",
        Campaign.Category.LOCAL_SERVICES,
        None,
        Decimal("2800"),
        ("+15125550111",),
        15,
    ),
    CampaignSpec(
        "Facebook - Comfort Club Offer",
        Campaign.Category.SOCIAL,
        HVAC_SERVICE,
        Decimal("1200"),
        ("+17375550121",),
        8,
    ),
    CampaignSpec(
        "Direct Mail - Water Heaters",
        Campaign.Category.DIRECT_MAIL,
        PLUMBING,
        Decimal("1850"),
        ("+15125550131",),
        6,
    ),
    CampaignSpec(
        "KVET Radio Spots", Campaign.Category.RADIO_TV, HVAC_INSTALL, Decimal("6000"), ("+15125550141",), 7
    ),
    CampaignSpec(
        "Truck Wraps & Yard Signs", Campaign.Category.VEHICLE, None, Decimal("350"), ("+17375550151",), 5
    ),
    CampaignSpec("Website (organic)", Campaign.Category.WEBSITE, None, Decimal("600"), ("+15125550161",), 12),
    CampaignSpec("Angi Leads", Campaign.Category.PARTNER, None, Decimal("900"), ("+17375550171",), 6),
    CampaignSpec("Referrals & Word of Mouth", Campaign.Category.REFERRAL, None, Decimal("0"), (), 8),
    CampaignSpec("Repeat Customers", Campaign.Category.REPEAT, None, Decimal("0"), ("+15125550100",), 13),
]

# Why a lead, a booking or a Leads-tab row is dismissed (Settings → Call reasons, "dismisses").
DISMISS_REASONS = (
    "Went with another company",
    "Price too high",
    "Duplicate request",
    "Wrong number",
    "Spam / robocall",
)
CALL_REASONS = [
    ("New system quote", True),
    ("Repair request", True),
    ("Maintenance / tune-up", True),
    ("Plumbing service request", True),
    ("Electrical service request", True),
    ("Second opinion", True),
    ("Wrong number", False),
    ("Billing question", False),
    ("Spam / robocall", False),
    ("Vendor/sales call", False),
    ("Reschedule existing appointment", False),
    ("Technician ETA / job status", False),
    ("Went with another company", False),
    ("Price too high", False),
    ("Duplicate request", False),
]

REASON_GUIDES = {
    "New system quote": "New system quote",
    "Repair request": "AC or heating repair",
    "Maintenance / tune-up": "AC or heating repair",
    "Plumbing service request": "Plumbing service call",
    "Wrong number": "General inbound call",
    "Billing question": "General inbound call",
}

TAGS = [
    "Comfort Club member",
    "Senior discount",
    "Military discount",
    "Financing interest",
    "Gate code",
    "Dog on property",
    "Landlord / property manager",
    "VIP",
    "Same-day request",
    "Spanish speaker",
]


@dataclass(frozen=True)
class GuideSpec:
    kind: str
    name: str
    unit: str | None
    job_type: str | None
    script: str


GUIDES = [
    GuideSpec(
        BookingGuide.Kind.LEAD,
        "New system quote",
        HVAC_INSTALL,
        "HVAC Replacement Estimate",
        "Thank you for calling Lone Star Comfort & Plumbing, this is {csr}.\n"
        "I can set up a free in-home estimate with one of our comfort advisors.\n"
        "How old is your current system, and is it heating, cooling or both?\n"
        "Roughly how many square feet is the home, and how many floors?\n"
        "Is anything not working right now, or are you planning ahead?\n"
        "Will everyone who makes the decision be home for the visit?\n"
        "Would you like to hear about financing options when our comfort advisor visits?\n"
        "Our advisor's visit takes about 90 minutes. Morning or afternoon?",
    ),
    GuideSpec(
        BookingGuide.Kind.LEAD,
        "AC or heating repair",
        HVAC_SERVICE,
        "AC Repair",
        "I'm sorry you're without cooling; let's get a technician out.\n"
        "What is the system doing (not cooling, noise, leaking water, not turning on)?\n"
        "Is the outdoor unit running? Is the thermostat screen on?\n"
        "Is anyone in the home elderly, an infant or medically at risk? (If yes: high priority.)\n"
        "Are you a Comfort Club member? Members skip the diagnostic fee.\n"
        "Our diagnostic is $89 and goes toward the repair. Is today or tomorrow better?",
    ),
    GuideSpec(
        BookingGuide.Kind.LEAD,
        "Plumbing service call",
        PLUMBING,
        "Leak Repair",
        "Is water actively leaking right now? If yes: ask them to shut the main valve, then book urgent.\n"
        "Where is the problem (kitchen, bath, water heater, yard)?\n"
        "Is the home on a slab or pier-and-beam foundation?\n"
        "How old is the water heater, if they know?\n"
        "Any gate code or pets we should know about?",
    ),
    GuideSpec(
        BookingGuide.Kind.RECALL,
        "Recall (callback) visit",
        None,
        "Recall",
        "Find the original job and confirm the date and technician.\n"
        "What is happening now, and is it the same problem as before?\n"
        "Recalls are no charge: book the original technician when possible.\n"
        "Link the new job to the original job so it bills $0.00.",
    ),
    GuideSpec(
        BookingGuide.Kind.WARRANTY,
        "Warranty claim",
        None,
        "Warranty Visit",
        "Find the install or repair job and the equipment's model and serial number.\n"
        "Is the equipment still under manufacturer warranty (10 years parts on registered systems)?\n"
        "Is it under our labor warranty (1 year on repairs, 2 years on installs)?\n"
        "Explain that covered parts and labor are $0.00; anything not covered is quoted before work.\n"
        "Link the new job to the original job.",
    ),
    GuideSpec(
        BookingGuide.Kind.GENERAL,
        "General inbound call",
        None,
        None,
        "Thank you for calling Lone Star Comfort & Plumbing, this is {csr}. How can I help?\n"
        "Search the caller's number first: existing customer or open lead?\n"
        "Confirm name, best phone, email and the service address (city at least).\n"
        "Ask how they heard about us if the number dialled is the main line.\n"
        "Not a lead (billing, vendor, wrong number)? Close the call with that reason.",
    ),
]


@dataclass(frozen=True)
class EmployeeSpec:
    username: str
    name: str
    role: str
    units: tuple[str, ...] = ()
    active: bool = True


EMPLOYEES = [
    EmployeeSpec("admin", "Dana Whitfield", Role.ADMIN),
    EmployeeSpec("manager", "Marcus Reyes", Role.MANAGER),
    EmployeeSpec("marketing", "Priya Natarajan", Role.MANAGER),
    EmployeeSpec("office", "Linda Okafor", Role.OFFICE),
    EmployeeSpec("billing", "Tom Brennan", Role.OFFICE),
    EmployeeSpec("csr", "Jasmine Carter", Role.CSR),
    EmployeeSpec("csr2", "Miguel Hernandez", Role.CSR),
    EmployeeSpec("csr3", "Ashley Nguyen", Role.CSR),
    EmployeeSpec("tech", "Luis Garza", Role.TECHNICIAN, (HVAC_SERVICE,)),
    EmployeeSpec("tech2", "Cody Mitchell", Role.TECHNICIAN, (HVAC_SERVICE, HVAC_INSTALL)),
    EmployeeSpec("tech3", "Ray Villarreal", Role.TECHNICIAN, (HVAC_INSTALL,)),
    EmployeeSpec("tech4", "Brandon Pierce", Role.TECHNICIAN, (PLUMBING,)),
    EmployeeSpec("tech5", "Hector Salinas", Role.TECHNICIAN, (PLUMBING,)),
    EmployeeSpec("tech6", "Kevin Doyle", Role.TECHNICIAN, (ELECTRICAL,)),
    # Someone who left: kept for history, cannot sign in.
    EmployeeSpec("tyler.brooks", "Tyler Brooks", Role.CSR, active=False),
]

INTEGRATIONS = [
    ("Website booking form", "website"),
    ("Angi", "angi"),
    ("CallRail", "callrail"),
    ("Email inbox", "email"),
]
# Sources whose bookings arrive through the public form at /book/<slug>/.
BOOKING_FORMS = {"website"}

# Which campaign a booking that names none belongs to, from its UTM tags:
# (integration slug, utm_source, utm_medium, utm_campaign, campaign), tried in order.
CAMPAIGN_RULES = [
    ("website", "google", "cpc", "", "Google Ads - HVAC Repair"),
    ("website", "facebook", "", "", "Facebook - Comfort Club Offer"),
    ("website", "instagram", "", "", "Facebook - Comfort Club Offer"),
    ("website", "", "", "", "Website (organic)"),
    ("angi", "", "", "", "Angi Leads"),
]

_FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Carlos Karen Daniel Lisa Matthew Nancy Anthony Betty Mark Sandra Jose "
    "Ashley Juan Emily Steven Kimberly Paul Donna Andrew Michelle Joshua Carol Kenneth Amanda Kevin Melissa "
    "Brian Deborah Luis Stephanie Jorge Rebecca Ryan Laura Jacob Maria Gary Sharon Eric Cynthia Raj Mei "
    "Tyler Hannah Austin Brittany Wade Lupe Darnell Keisha Hyun Anh"
)
_LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
    "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
    "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
    "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
    "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
    "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Patel Chen Okonkwo Schulz Pham Villarreal"
)
FIRST_NAMES = _FIRST_NAMES.split()
LAST_NAMES = _LAST_NAMES.split()
BUSINESS_NAMES = [
    "Hill Country Dental Group",
    "Barton Creek Animal Clinic",
    "Eastside Tacos LLC",
    "Mueller Family Chiropractic",
    "Red River Property Management",
    "Zilker Yoga Collective",
    "Bluebonnet Title Co.",
    "South Lamar Cleaners",
    "Cedar Park Montessori",
    "Round Rock Auto Care",
    "Pflugerville Church of Christ",
    "Lakeway Wine Bar",
    "Georgetown Square Antiques",
    "Oak Hill Veterinary",
    "Domain Office Suites",
    "Manor Feed & Supply",
]

# (street, city, zip): real streets of Austin and its suburbs.
STREETS = [
    ("Burnet Rd", "Austin", "78757"),
    ("N Lamar Blvd", "Austin", "78756"),
    ("S Congress Ave", "Austin", "78704"),
    ("S 1st St", "Austin", "78704"),
    ("Manchaca Rd", "Austin", "78745"),
    ("W William Cannon Dr", "Austin", "78745"),
    ("W Slaughter Ln", "Austin", "78748"),
    ("Brodie Ln", "Austin", "78748"),
    ("E Riverside Dr", "Austin", "78741"),
    ("Airport Blvd", "Austin", "78722"),
    ("Koenig Ln", "Austin", "78756"),
    ("Duval St", "Austin", "78751"),
    ("Shoal Creek Blvd", "Austin", "78731"),
    ("Mesa Dr", "Austin", "78731"),
    ("Spicewood Springs Rd", "Austin", "78759"),
    ("Far West Blvd", "Austin", "78731"),
    ("Anderson Mill Rd", "Austin", "78750"),
    ("W Parmer Ln", "Austin", "78727"),
    ("Berkman Dr", "Austin", "78723"),
    ("Cameron Rd", "Austin", "78752"),
    ("E 51st St", "Austin", "78723"),
    ("Windsor Rd", "Austin", "78703"),
    ("Exposition Blvd", "Austin", "78703"),
    ("Escarpment Blvd", "Austin", "78749"),
    ("Convict Hill Rd", "Austin", "78749"),
    ("Sam Bass Rd", "Round Rock", "78681"),
    ("Gattis School Rd", "Round Rock", "78664"),
    ("Red Bud Ln", "Round Rock", "78664"),
    ("Whitestone Blvd", "Cedar Park", "78613"),
    ("Cypress Creek Rd", "Cedar Park", "78613"),
    ("W Pecan St", "Pflugerville", "78660"),
    ("Kelly Ln", "Pflugerville", "78660"),
    ("Williams Dr", "Georgetown", "78628"),
    ("S Austin Ave", "Georgetown", "78626"),
    ("Crystal Falls Pkwy", "Leander", "78641"),
    ("W Center St", "Kyle", "78640"),
    ("Main St", "Buda", "78610"),
    ("Lohmans Crossing", "Lakeway", "78734"),
    ("Limmer Loop", "Hutto", "78634"),
    ("Lexington St", "Manor", "78653"),
]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]
# Arrival windows the dispatch board uses, as start hours.
START_HOURS = (8, 8, 10, 10, 12, 14, 14, 16)


@dataclass
class DemoResult:
    loaded: bool
    logins: list[EmployeeSpec]
    counts: dict[str, int] = field(default_factory=dict)


def new_phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        exchange = rng.randint(200, 999)
        if exchange % 100 == 11 or exchange == 555:  # N11 codes and 555 are not ordinary exchanges
            continue
        number = f"+1{rng.choice(('512', '512', '512', '737'))}{exchange}{rng.randint(0, 9999):04d}"
        if number not in taken and phonenumbers.is_valid_number(phonenumbers.parse(number)):
            taken.add(number)
            return number


@dataclass
class _CustomerPlan:
    name: str
    type: str
    phones: list[str]
    emails: list[str]
    addresses: list[tuple[str, str, str, str]]  # street, unit, city, zip
    tag_names: list[str]
    since_days: int


def plan_customers(count: int) -> list[_CustomerPlan]:
    """The demo customers, the same list every time (fixed seed)."""
    rng = random.Random(SEED)
    taken: set[str] = set()
    plans: list[_CustomerPlan] = []
    businesses = list(BUSINESS_NAMES)
    for i in range(count):
        commercial = businesses and i % 20 == 7
        if commercial:
            name = businesses.pop(0)
            email_local = "".join(ch for ch in name.lower() if ch.isalnum())[:18]
            kind = Customer.Type.COMMERCIAL
        else:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            email_local = f"{first}.{last}{rng.randint(1, 99)}".lower()
            kind = Customer.Type.RESIDENTIAL
        phones = [new_phone(rng, taken)]
        if rng.random() < 0.25:
            phones.append(new_phone(rng, taken))
        emails = [f"{email_local}@{rng.choice(EMAIL_DOMAINS)}"] if rng.random() < 0.75 else []
        addresses: list[tuple[str, str, str, str]] = []
        for _ in range(2 if (commercial or rng.random() < 0.08) else 1):
            street, city, zip_code = rng.choice(STREETS)
            unit = f"Apt {rng.randint(101, 420)}" if rng.random() < 0.12 else ""
            if commercial and addresses:
                unit = f"Suite {rng.randint(100, 300)}"
            addresses.append((f"{rng.randint(100, 12999)} {street}", unit, city, zip_code))
        tag_names = rng.sample(TAGS, k=1) if rng.random() < 0.2 else []
        plans.append(
            _CustomerPlan(name, kind, phones, emails, addresses, tag_names, since_days=rng.randint(100, 1800))
        )
    return plans


@dataclass
class Reference:
    units: dict[str, BusinessUnit]
    job_types: dict[str, JobType]
    campaigns: dict[str, Campaign]
    tags: dict[str, Tag]
    reasons: dict[str, CallReason]
    integrations: dict[str, Integration]


def _reference_data() -> Reference:
    units = {name: BusinessUnit.objects.get_or_create(name=name)[0] for name in BUSINESS_UNITS}
    job_types: dict[str, JobType] = {}
    for spec in JOB_TYPES:
        job_type, created = JobType.objects.get_or_create(
            name=spec.name,
            defaults={"default_priority": spec.priority, "sold_threshold": spec.sold_threshold},
        )
        if created:
            job_type.business_units.set([units[u] for u in spec.units])
        job_types[spec.name] = job_type
    campaigns: dict[str, Campaign] = {}
    for cspec in CAMPAIGNS:
        campaign, created = Campaign.objects.get_or_create(
            name=cspec.name,
            defaults={
                "category": cspec.category,
                "business_unit": units[cspec.unit] if cspec.unit else None,
                "monthly_cost": cspec.monthly_cost,
            },
        )
        if created and cspec.numbers:
            campaign_set_tracking_numbers(campaign=campaign, numbers=list(cspec.numbers))
        campaigns[cspec.name] = campaign
    # Settings → Campaigns: where technician-generated leads are credited (not a paid campaign).
    if job_generated_campaign() is None:
        technician, _ = Campaign.objects.get_or_create(
            name="Technician generated", defaults={"category": Campaign.Category.REPEAT}
        )
        campaign_choose_for_job_generated(technician)
    reasons = {
        name: CallReason.objects.get_or_create(name=name, defaults={"is_lead": is_lead})[0]
        for name, is_lead in CALL_REASONS
    }
    # What the dismiss lists offer (an earlier load marked every non-lead reason: trimmed here).
    CallReason.objects.filter(name__in=DISMISS_REASONS).update(dismisses=True)
    CallReason.objects.filter(name__in=[n for n, _ in CALL_REASONS if n not in DISMISS_REASONS]).update(
        dismisses=False
    )
    for reason in reasons.values():
        reason.refresh_from_db(fields=["dismisses"])
    tags = {name: Tag.objects.get_or_create(name=name)[0] for name in TAGS}
    for gspec in GUIDES:
        BookingGuide.objects.get_or_create(
            name=gspec.name,
            defaults={
                "kind": gspec.kind,
                "script": gspec.script,
                "business_unit": units[gspec.unit] if gspec.unit else None,
                "job_type": job_types[gspec.job_type] if gspec.job_type else None,
            },
        )
    # Which script the call panel shows for a reason (Settings → Call reasons).
    for reason_name, guide_name in REASON_GUIDES.items():
        CallReason.objects.filter(name=reason_name, booking_guide__isnull=True).update(
            booking_guide=BookingGuide.objects.filter(name=guide_name).first()
        )
    integrations = {
        slug: Integration.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "booking_form_enabled": slug in BOOKING_FORMS,
                # A visitor who leaves the booking form becomes a lead and is texted this.
                **(
                    {"text_back_enabled": True, "text_back_template": FORM_TEXT_BACK}
                    if slug in BOOKING_FORMS
                    else {}
                ),
            },
        )[0]
        for name, slug in INTEGRATIONS
    }
    for position, (slug, source, medium, utm_campaign, campaign_name) in enumerate(CAMPAIGN_RULES):
        CampaignRule.objects.get_or_create(
            integration=integrations[slug],
            utm_source=source,
            utm_medium=medium,
            utm_campaign=utm_campaign,
            defaults={"position": position, "campaign": campaigns[campaign_name]},
        )
    return Reference(
        units=units,
        job_types=job_types,
        campaigns=campaigns,
        tags=tags,
        reasons=reasons,
        integrations=integrations,
    )


DEMO_TEXT_TEMPLATES = [
    (
        "Booking link",
        "Hi {first_name}, this is {company}. You can pick a time that suits you here: {booking_link}",
    ),
    (
        "On our way",
        "Hi {first_name}, your {company} technician is on the way and should arrive within the hour.",
    ),
    (
        "Missed you",
        "Hi {first_name}, {company} here returning your call. Reply with a good time to reach you.",
    ),
]


def _text_templates() -> None:
    """The CSRs' text templates (found by name, so loading twice adds nothing)."""
    for name, body in DEMO_TEXT_TEMPLATES:
        MessageTemplate.objects.get_or_create(name=name, defaults={"body": body})


def _employees() -> dict[str, Employee]:
    """Employees and their logins. A password is set only when the login is
    created, so a changed demo password survives the next ``make run``."""
    user_model = get_user_model()
    hashed: str | None = None
    employees: dict[str, Employee] = {}
    for i, spec in enumerate(EMPLOYEES):
        user = user_model.objects.filter(username=spec.username).first()
        if user is None:
            # One hash for all: the default hasher is deliberately slow.
            hashed = hashed or make_password(DEMO_PASSWORD)
            user = user_model(
                username=spec.username,
                first_name=spec.name.split()[0],
                last_name=spec.name.split()[-1],
                email=f"{spec.username}@lonestarcomfort.example",
                is_active=spec.active,
                # The admin signs in to Settings (Django's admin site).
                is_staff=spec.role == Role.ADMIN,
                is_superuser=spec.role == Role.ADMIN,
                password=hashed,
            )
            user.save()
        employee = Employee.objects.filter(user=user).first()
        if employee is None:
            employee = Employee.objects.create(
                user=user,
                name=spec.name,
                role=spec.role,
                active=spec.active,
                email=user.email,
                phone=f"+1512555{180 + i:04d}",
            )
        employees[spec.username] = employee
    return employees


def _load_customers(plans: Sequence[_CustomerPlan], tags: dict[str, Tag]) -> list[Customer]:
    now = timezone.now()
    customers = Customer.objects.bulk_create([Customer(name=p.name, type=p.type) for p in plans])
    for customer, plan in zip(customers, plans, strict=True):
        customer.created_at = now - timedelta(days=plan.since_days)
    # auto_now_add stamps "now" on insert; the customers really are older.
    Customer.objects.bulk_update(customers, ["created_at"], batch_size=500)
    contacts: list[ContactPoint] = []
    locations: list[Location] = []
    tag_links = []
    through = Customer.tags.through
    for customer, plan in zip(customers, plans, strict=True):
        for i, phone in enumerate(plan.phones):
            contacts.append(
                ContactPoint(
                    customer=customer,
                    kind=ContactPoint.Kind.PHONE,
                    value=phone,
                    label="mobile" if i == 0 else "home",
                )
            )
        for email in plan.emails:
            contacts.append(ContactPoint(customer=customer, kind=ContactPoint.Kind.EMAIL, value=email))
        for street, unit, city, zip_code in plan.addresses:
            locations.append(
                Location(customer=customer, street=street, unit=unit, city=city, state="TX", zip=zip_code)
            )
        for tag_name in plan.tag_names:
            tag_links.append(through(customer_id=customer.pk, tag_id=tags[tag_name].pk))
    ContactPoint.objects.bulk_create(contacts, batch_size=500)
    Location.objects.bulk_create(locations, batch_size=500)
    through.objects.bulk_create(tag_links)
    return customers


def weighted(rng: random.Random, items: Sequence[tuple[T, float]]) -> T:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items], k=1)[0]


class DemoClock:
    """What ``django.utils.timezone.now`` answers while the demo's past is written.

    The services stamp ``timezone.now()`` on everything they write: created_at,
    audit entries, a lead's timeline and ``first_response_at``, a booking's
    ``handled_at``, a call's queue times. Setting the clock to the moment each
    step of the 90 days happened lets the real services write a consistent
    history, instead of re-deriving every one of their timestamps afterwards.
    It never runs ahead of the real time the load started. It swaps a module
    attribute, so it is for the loader only, never beside live requests.
    """

    def __init__(self) -> None:
        self._real = timezone.now
        self.limit = self._real()
        self.at = self.limit

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> datetime:
        self.at = min(at, self.limit)
        return self.at

    def __enter__(self) -> DemoClock:
        setattr(timezone, "now", self.now)  # noqa: B010 - mypy refuses assigning to a function
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(timezone, "now", self._real)  # noqa: B010


# How busy the phones are by hour of day on a weekday (the office opens at 7).
OFFICE_HOURS = {7: 5, 8: 10, 9: 12, 10: 11, 11: 9, 12: 6, 13: 8, 14: 8, 15: 7, 16: 6, 17: 4, 18: 2}


def office_moment(rng: random.Random, day: date) -> datetime:
    """A moment in office hours on ``day`` (Saturdays 8 to 2)."""
    tz = timezone.get_current_timezone()
    hours = [(h, w) for h, w in OFFICE_HOURS.items() if day.weekday() != 5 or 8 <= h < 14]
    hour = weighted(rng, hours)
    return datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=tz)


# Arrival windows (local times) and how many jobs each business unit takes in one:
# two-hour windows on weekdays matching when the office books visits, mornings and
# early afternoons on Saturday; nothing on Sunday (a Sunday visit books freely).
WINDOW_HOURS = {
    **{weekday: ((8, 10), (10, 12), (12, 14), (14, 16), (16, 18)) for weekday in range(5)},
    5: ((8, 12), (12, 16)),
}
WINDOW_CAPACITY = {HVAC_SERVICE: 3, HVAC_INSTALL: 1, PLUMBING: 2, ELECTRICAL: 1}


FORM_TEXT_BACK = (
    "Hi {first_name}, this is {company}. Looks like you didn't get to finish booking online: "
    "reply here and we'll find you a time, or pick one at {booking_link}"
)


# First-response targets (the most specific policy applies, then the tightest),
# counted in business hours: an abandoned caller is called back fast, a web or
# text lead within the half hour, a technician's lead and anything else within
# a business day (the demo's office follows most leads up the next day, so the
# scorecard shows both met and late).
SLA_POLICIES = [
    ("Abandoned calls: call back in 15 minutes", ["abandoned_call"], [], 15),
    ("Online, text and email leads: 30 minutes", ["marketing"], ["online", "text", "email", "chat"], 30),
    ("Technician leads: one business day", ["job_generated"], [], 600),
    ("Every other lead: one business day", [], [], 600),
]


def _follow_up_clocks(employees: dict[str, Employee]) -> None:
    """The office's SLA policies and assignment rules (once), so Follow Up shows
    a clock per row and new leads get an owner. The demo's leads were captured
    before the policies existed: each gets the due time its policy gives from
    when it came in, so Follow Up says "answered in 12 min" or "3 h late" and
    the CSR scorecard has an SLA met %. (Open ones still unanswered show late;
    the worker's escalation sweep then tells their assignees and the managers, once.)"""
    if SlaPolicy.objects.exists() or AssignmentRule.objects.exists():
        return
    admin = Actor(employee=employees["admin"])
    for name, lead_types, channels, minutes in SLA_POLICIES:
        sla_policy_create(
            actor=admin,
            data={
                "name": name,
                "lead_types": lead_types,
                "channels": channels,
                "minutes": minutes,
                "business_hours_only": True,
            },
        )
    csrs = [employees[s.username].pk for s in EMPLOYEES if s.role == Role.CSR and s.active]
    assignment_rule_create(
        actor=admin,
        data={
            "name": "Abandoned calls: CSRs in turn (not when Away)",
            "lead_types": ["abandoned_call"],
            "strategy": AssignmentRule.Strategy.ROUND_ROBIN,
            "employee_ids": csrs,
            "available_only": True,
        },
    )
    assignment_rule_create(
        actor=admin,
        data={
            "name": "Web, text and email leads: the CSR with the fewest open",
            "channels": ["online", "text", "email", "chat"],
            "strategy": AssignmentRule.Strategy.LEAST_OPEN,
            "employee_ids": csrs,
        },
    )
    policies = list(SlaPolicy.objects.filter(active=True))
    unclocked = Lead.objects.filter(first_response_due_at__isnull=True).select_related("location")
    for lead in unclocked.iterator(chunk_size=500):
        policy = sla_policy_for(facts_of(lead), policies)
        if policy is not None:
            lead.first_response_due_at = first_response_due(lead.created_at, policy)
            lead.save(update_fields=["first_response_due_at"])


def _arrival_windows(ref: Reference, employees: dict[str, Employee], today: date) -> None:
    """Each business unit's arrival windows (once), then a place for every open job
    from today on that holds none yet (the jobs were booked before the windows
    existed). Where the demo's random bookings crowd a window past its capacity the
    admin's overbook is what makes room, as it would in the office (audited)."""
    for name, unit in ref.units.items():
        if ArrivalWindow.objects.filter(business_unit=unit).exists():
            continue
        ArrivalWindow.objects.bulk_create(
            ArrivalWindow(
                business_unit=unit,
                weekday=weekday,
                start_time=time(start),
                end_time=time(end),
                capacity=WINDOW_CAPACITY.get(name, 2),
            )
            for weekday, hours in WINDOW_HOURS.items()
            for start, end in hours
        )
    admin = Actor(employee=employees["admin"])
    first = datetime.combine(today, time(0), tzinfo=timezone.get_current_timezone())
    placed = WindowPlace.objects.values("job_id")
    open_jobs = (
        Job.objects.filter(start__gte=first)
        .exclude(status__in=[Job.Status.CANCELED, Job.Status.COMPLETED])
        .exclude(pk__in=placed)
        .order_by("start", "id")
        .values_list("pk", "business_unit_id", "start")
    )
    with transaction.atomic():
        for job_id, unit_id, start in open_jobs:
            place_take(actor=admin, job_id=job_id, business_unit_id=unit_id, start=start, overbook=True)


def _booked_at(rng: random.Random, start: datetime, now: datetime) -> datetime:
    """When a CSR booked a visit: in office hours, the same day or up to a week
    before, and never later than now (a future visit was booked in the last days)."""
    today = timezone.localtime(now).date()
    last = min(start.astimezone(timezone.get_current_timezone()).date(), today)
    days = [last - timedelta(days=d) for d in range(7) if (last - timedelta(days=d)).weekday() != 6]
    for _ in range(20):
        moment = office_moment(rng, rng.choice(days))
        if moment < start - timedelta(hours=1) and moment <= now:
            return moment
    return min(start - timedelta(hours=rng.randint(2, 9)), now - timedelta(minutes=rng.randint(5, 600)))


def _load_jobs(
    *,
    rng: random.Random,
    customers: list[Customer],
    ref: Reference,
    employees: dict[str, Employee],
    today: date,
    days_back: int,
    days_ahead: int,
    clock: DemoClock,
) -> None:
    tz = timezone.get_current_timezone()
    now = clock.limit
    tags = list(ref.tags.values())
    csrs = [Actor(employee=employees[s.username]) for s in EMPLOYEES if s.role == Role.CSR and s.active]
    office = Actor(employee=employees["billing"])
    techs_by_unit = {
        unit: [employees[s.username] for s in EMPLOYEES if unit in s.units] for unit in BUSINESS_UNITS
    }
    all_techs = [employees[s.username] for s in EMPLOYEES if s.role == Role.TECHNICIAN]
    locations: dict[int, list[Location]] = {}
    for loc in Location.objects.filter(customer__in=customers).order_by("id"):
        locations.setdefault(loc.customer_id, []).append(loc)
    bookable = [(spec, spec.weight) for spec in JOB_TYPES if spec.weight]
    campaign_weights = [(ref.campaigns[c.name], c.weight) for c in CAMPAIGNS]
    spec_by_name = {spec.name: spec for spec in JOB_TYPES}

    completed: list[Job] = []
    for offset in range(-days_back, days_ahead + 1):
        day = today + timedelta(days=offset)
        per_day = {5: rng.randint(2, 3), 6: rng.randint(0, 1)}.get(day.weekday(), rng.randint(6, 9))
        for _ in range(per_day):
            start = datetime.combine(day, time(rng.choice(START_HOURS)), tzinfo=tz)
            original: Job | None = None
            kind = ""
            old_enough = [j for j in completed if j.start and j.start < start - timedelta(days=3)]
            roll = rng.random()
            if old_enough and roll < 0.07:
                original = rng.choice(old_enough[-60:])
                kind = "recall" if roll < 0.04 else "warranty"
            if original is not None:
                spec = spec_by_name["Recall" if kind == "recall" else "Warranty Visit"]
                customer = original.customer
                location = original.location
                unit = original.business_unit
                technician = original.technician
                campaign: Campaign | None = None
                summary = f"{spec.summaries[0]} (job {original.number}: {original.summary})"
            else:
                spec = weighted(rng, bookable)
                customer = rng.choice(customers)
                location = rng.choice(locations[customer.pk])
                unit = ref.units[rng.choice(spec.units)]
                pool = techs_by_unit[unit.name] or all_techs
                technician = rng.choice(pool) if (offset <= 3 or rng.random() < 0.6) else None
                campaign = weighted(rng, campaign_weights)
                summary = rng.choice(spec.summaries)
            # A technician on an earlier visit sold some of the estimates.
            lead_setter = None
            if spec.sold_lines and rng.random() < 0.35:
                lead_setter = rng.choice(all_techs)
            clock.set(_booked_at(rng, start, now))
            job = job_book(
                actor=rng.choice(csrs),
                customer=customer,
                location=location,
                business_unit=unit,
                job_type=ref.job_types[spec.name],
                start=start,
                technician=technician,
                campaign=campaign,
                summary=summary,
                tags=[rng.choice(tags)] if rng.random() < 0.1 else [],
                recall_for=original if kind == "recall" else None,
                warranty_for=original if kind == "warranty" else None,
                lead_setting_employee=lead_setter,
            )
            finish_job(rng=rng, job=job, spec=spec, office=office, clock=clock)
            if job.status == Job.Status.COMPLETED and original is None:
                completed.append(job)


def finish_job(*, rng: random.Random, job: Job, spec: JobTypeSpec, office: Actor, clock: DemoClock) -> None:
    """Move a booked job along as far as its date says, each step at the time
    it happened: past jobs are done (or were canceled), today's are under way,
    future ones wait. Leaves the clock where the last step put it."""
    now = clock.limit
    start = job.start
    assert start is not None
    tech = Actor(employee=job.technician) if job.technician else office
    invoice = job.invoice
    if start > now:
        if start - now < timedelta(hours=20) and job.technician is not None:
            clock.set(max(job.created_at, now - timedelta(minutes=rng.randint(10, 240))))
            job_set_status(actor=office, job=job, status=Job.Status.DISPATCHED)
        return
    if start + timedelta(hours=2) > now:
        clock.set(start + timedelta(minutes=rng.randint(0, 20)))
        job.status = job_set_status(actor=tech, job=job, status=Job.Status.WORKING).status
        return
    if rng.random() < 0.06 and not job.bills_nothing:
        clock.set(max(job.created_at + timedelta(minutes=30), start - timedelta(hours=rng.randint(2, 30))))
        job.status = job_set_status(actor=office, job=job, status=Job.Status.CANCELED).status
        invoice_set_status(actor=office, invoice=invoice, status=Invoice.Status.VOID)
        return
    lines = list(spec.base_lines)
    if spec.sold_lines and rng.random() < spec.sold_rate:
        lines.append(rng.choice(spec.sold_lines))
    if spec.extra_lines:
        lines.extend(rng.sample(spec.extra_lines, k=rng.choice((1, 1, 1, 2))))
    if not lines:
        lines = [("Service call", "79.00")]
    arrived = clock.set(start + timedelta(minutes=rng.randint(0, 50)))
    job_set_status(actor=tech, job=job, status=Job.Status.WORKING)
    for i, (description, price) in enumerate(lines):
        clock.set(arrived + timedelta(minutes=30 + 15 * i))
        quantity = Decimal(rng.choice((2, 3))) if "filter" in description else Decimal("1")
        # The technician calls the work in; the office enters it on the invoice.
        invoice_add_line(
            actor=office,
            invoice=invoice,
            description=description,
            quantity=quantity,
            unit_price=Decimal(price),
        )
    clock.set(arrived + timedelta(minutes=rng.randint(60, 180)))
    job.status = job_set_status(actor=tech, job=job, status=Job.Status.COMPLETED).status
    if now - start > timedelta(days=1):
        posted = clock.set(_next_morning(rng, start))
        invoice_set_status(actor=office, invoice=invoice, status=Invoice.Status.POSTED)
        if now - start > timedelta(days=7) or rng.random() < 0.5:
            clock.set(min(posted + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 8)), now))
            invoice_set_status(actor=office, invoice=invoice, status=Invoice.Status.PAID)


def _next_morning(rng: random.Random, moment: datetime) -> datetime:
    tz = timezone.get_current_timezone()
    day = moment.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(day, time(8, rng.randint(0, 59)), tzinfo=tz) + timedelta(hours=rng.randint(0, 3))


def job_type_spec(name: str) -> JobTypeSpec:
    return next(spec for spec in JOB_TYPES if spec.name == name)


def demo_loaded(plans: Sequence[_CustomerPlan]) -> bool:
    first = plans[0]
    return Customer.objects.filter(name=first.name, contacts__value=first.phones[0]).exists()


@transaction.atomic
def load_demo(
    *, customers: int = 320, days_back: int = 90, days_ahead: int = 14, today: date | None = None
) -> DemoResult:
    """Load the demo company and its 90 days of office activity; a second
    call finds both and adds nothing."""
    # The activity builds on this module's people and reference data.
    from demo.activity import load_activity

    ref = _reference_data()
    _text_templates()
    employees = _employees()
    logins = [spec for spec in EMPLOYEES if spec.active]
    plans = plan_customers(customers)
    loaded = False
    with DemoClock() as clock:
        if not demo_loaded(plans):
            rows = _load_customers(plans, ref.tags)
            _load_jobs(
                rng=random.Random(SEED + 1),
                customers=rows,
                ref=ref,
                employees=employees,
                today=today or timezone.localdate(),
                days_back=days_back,
                days_ahead=days_ahead,
                clock=clock,
            )
            loaded = True
        # Separate from the company, so a database loaded before the activity existed gets it too.
        activity = load_activity(ref=ref, employees=employees, clock=clock, days_back=days_back)
    _arrival_windows(ref, employees, today or timezone.localdate())
    _follow_up_clocks(employees)
    return DemoResult(loaded=loaded or activity, logins=logins)
