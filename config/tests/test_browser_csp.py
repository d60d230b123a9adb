"""Every screen works under the Content-Security-Policy (no inline script, no
eval), and the API docs render from Leadline's own files with every other host
unreachable."""

from __future__ import annotations

import http.server
import threading
from urllib.parse import urlsplit

import pytest

from accounts.models import Role
from accounts.tests.factories import IntegrationFactory
from bookings.tests.factories import BookingFactory
from calls.tests.factories import play_call
from catalog.tests.factories import JobTypeFactory
from conftest import make_employee
from core.testing.browser import settle
from customers.tests.factories import LocationFactory, PhoneFactory
from jobs.tests.factories import book_job
from leads.tests.factories import LeadFactory

# Collected in the page before any of its own scripts run (an init script is
# not subject to the page's CSP).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(
    e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" +
    e.lineNumber
  );
});
"""


class Watch:
    """Console errors and CSP violations of one browser page, as a list of strings."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _on_console(self, msg):
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.console.append(text)

    def visit(self, path: str) -> list[str]:
        # Generous: Swagger UI's bundle is 1.5 MB and the machine may be busy.
        response = self.page.goto(path, timeout=30_000)
        assert response is not None and response.status == 200, (path, response and response.status)
        # What htmx loads after the page (hx-trigger="load") comes within a
        # moment; a screen that polls (Calls, every 2 s) may never be quiet on a
        # busy machine, so the wait is bounded and not itself a failure.
        settle(self.page)
        found = [f"{path}: {v}" for v in self.page.evaluate("window.__csp || []")]
        return found + [f"{path}: {t}" for t in self.console] + [f"{path}: {e}" for e in self.errors]


@pytest.fixture
def office(db):
    job_type = JobTypeFactory(name="AC repair")
    location = LocationFactory(street="4501 Duval St", city="Austin")
    PhoneFactory(customer=location.customer)
    job = book_job(location=location, job_type=job_type)
    lead = LeadFactory(name="Morgan Blake")
    booking = BookingFactory(name="Riley Park")
    website = IntegrationFactory(slug="website", name="Website", booking_form_enabled=True)
    call = play_call(seconds=90)
    return {
        "job": job,
        "lead": lead,
        "booking": booking,
        "customer": location.customer,
        "call": call,
        "website": website,
    }


def test_it_serves_every_screen_under_the_csp_without_a_violation(page, login, office):
    make_employee(Role.ADMIN, user__username="boss")
    watch = Watch(page)
    response = page.goto("/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert "unsafe-eval" not in policy
    login("boss")
    paths = [
        "/",
        "/calls/",
        "/calls/list/",
        "/calls/queue/",
        f"/calls/{office['call'].pk}/",
        "/bookings/",
        f"/bookings/{office['booking'].pk}/",
        "/leads/",
        "/leads/new/",
        f"/leads/{office['lead'].pk}/",
        f"/leads/{office['lead'].pk}/edit/",
        f"/leads/{office['lead'].pk}/convert/",
        "/customers/",
        "/customers/new/",
        f"/customers/{office['customer'].pk}/",
        "/jobs/",
        "/jobs/new/",
        f"/jobs/{office['job'].pk}/",
        f"/leads/from-job/{office['job'].pk}/",
        "/today/",
        "/messages/",
        "/reports/",
        "/reports/campaigns/",
        "/reports/technician-leads/",
        "/reports/abandoned-calls/",
        "/settings/",
        "/settings/catalog/campaign/",
        "/settings/catalog/campaign/add/",
        "/api/v1/docs",
        "/book/website/",
    ]
    violations = []
    for path in paths:
        violations += watch.visit(path)
    assert violations == []


def test_it_runs_htmx_under_the_csp(page, login, office):
    """htmx swaps content (the customer search) and keeps eval off."""
    make_employee(Role.CSR, user__username="jasmine")
    watch = Watch(page)
    login("jasmine")
    assert watch.visit("/customers/") == []
    assert page.evaluate("htmx.config.allowEval") is False
    with page.expect_response(lambda r: "/customers/hx/" in r.url):
        page.get_by_role("searchbox").first.fill("4501 Duval")
    page.get_by_role("link", name=office["customer"].name).first.wait_for()
    assert page.evaluate("window.__csp") == []


@pytest.fixture
def company_site(live_server):
    """The company's own site, another origin on the loopback, embedding the form."""
    html = f'<iframe src="{live_server.url}/book/website/" width="600" height="900"></iframe>'.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_it_keeps_the_embedding_page_as_landing_page_from_its_own_script(
    page, office, live_server, company_site
):
    """The booking form's script (a static file now, not inline) still runs in an iframe."""
    watch = Watch(page)
    page.goto(f"{company_site}/heating-and-cooling")
    frame_page = page.wait_for_selector("iframe").content_frame()
    frame_page.wait_for_load_state("load")
    assert frame_page.url.startswith(live_server.url)
    landing = frame_page.evaluate("document.querySelector('input[name=landing_page]').value")
    assert landing.startswith(f"{company_site}/")
    assert frame_page.evaluate("window.__csp") == []
    assert watch.console == [] and watch.errors == []


def test_it_renders_the_api_docs_with_every_other_host_unreachable(page, live_server):
    own = urlsplit(live_server.url).netloc
    blocked: list[str] = []

    def only_leadline(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort("internetdisconnected")

    page.context.route("**/*", only_leadline)
    watch = Watch(page)
    assert watch.visit("/api/v1/docs") == []
    # Swagger UI builds 89 operations from the OpenAPI document: slow on a busy machine.
    page.locator(".opblock").first.wait_for(timeout=30_000)
    operations = page.locator(".opblock").count()
    assert operations > 50
    assert page.locator(".opblock-summary-path", has_text="/api/v1/leads").count() >= 1
    assert page.locator(".info .title", has_text="Leadline API").count() == 1
    # Every asset came from Leadline: nothing was even tried elsewhere.
    assert blocked == []
    sources = page.evaluate("[...document.scripts].filter(s => s.src).map(s => s.src)")
    assert len(sources) == 2 and all(urlsplit(src).netloc == own for src in sources), sources
