"""``settle``: the sweeps wait for what htmx loads after a page with it instead
of Playwright's fixed 500 ms of network quiet, so it must really wait."""

from __future__ import annotations

import time

from accounts.models import Role
from conftest import make_employee
from core.testing.browser import settle
from leads.tests.factories import LeadFactory
from messaging import urls as messaging_urls


def test_it_waits_for_what_htmx_loads_after_the_page(page, login, monkeypatch):
    csr = make_employee(Role.CSR)
    lead = LeadFactory(name="Morgan Blake")
    login(csr.user.username)
    # The lead's texts come after the page (hx-trigger="load"); the live server
    # runs in this process, so its view can be made slow.
    pattern = next(p for p in messaging_urls.urlpatterns if p.name == "lead_conversation")
    view = pattern.callback

    def slowly(*args, **kwargs):
        time.sleep(0.6)
        return view(*args, **kwargs)

    monkeypatch.setattr(pattern, "callback", slowly)
    page.goto(f"/leads/{lead.pk}/")
    assert settle(page)
    assert "No texts yet." in page.locator("#messages").inner_text()
