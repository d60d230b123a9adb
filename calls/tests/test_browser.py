"""A CSR answers a bubble, captures a lead and closes without a location."""

from __future__ import annotations

from accounts.models import Role
from calls.models import Call
from calls.tests.factories import ring
from catalog.tests.factories import BookingGuideFactory, CallReasonFactory, TrackingNumberFactory
from conftest import make_employee
from core.testing.browser import wait_until
from leads.models import Lead


def test_it_takes_a_call_from_its_bubble_to_a_lead_without_a_location(page, login):
    csr = make_employee(Role.CSR, name="Casey Rivera")
    tracking = TrackingNumberFactory(number="+15125550100")
    reason = CallReasonFactory(name="Wants a quote", is_lead=True)
    BookingGuideFactory(name="Lead call", script="Ask what the system is doing.")
    login(csr.user.username)
    page.goto("/calls/")
    assert page.get_by_text("No calls ringing.").is_visible()

    call = ring(from_number="+15128675309", to_number=tracking.number)
    bubble = page.get_by_role("button", name="Answer call from (512) 867-5309")
    bubble.wait_for(timeout=15000)  # the bubble list polls every 2 s; CI machines are busy
    bubble.click()

    page.get_by_role("heading", name="Close the call").wait_for()
    assert page.get_by_text(tracking.campaign.name).first.is_visible()
    page.get_by_label("Call reason").select_option(str(reason.pk))
    page.get_by_text("Lead reason", exact=True).wait_for()
    page.get_by_label("Name").fill("Pat Doe")
    page.get_by_label("City").fill("Austin")
    page.get_by_role("button", name="Capture lead & close").click()

    page.get_by_text("Proceed without a location record?").wait_for()
    assert page.get_by_label("Name").input_value() == "Pat Doe"
    assert not Lead.objects.exists()
    page.get_by_role("button", name="Proceed without a location").click()

    page.get_by_text("captured; call closed").wait_for()
    lead = Lead.objects.get()
    assert lead.name == "Pat Doe" and lead.phone == "+15128675309" and lead.location is None
    assert lead.campaign == tracking.campaign and lead.call_reason == reason
    call = Call.objects.get(pk=call.pk)
    assert call.accepted_by == csr and call.closed_at is not None and call.lead == lead


def test_it_switches_a_csr_away_from_the_keyboard_and_stops_the_bubbles(page, login):
    csr = make_employee(Role.CSR, name="Casey Rivera")
    ring(from_number="+15128675309")
    login(csr.user.username)
    page.goto("/calls/")
    page.get_by_role("button", name="Answer call from (512) 867-5309").wait_for(timeout=15000)
    switch = page.get_by_role("switch", name="Available")
    assert switch.get_attribute("aria-checked") == "true"
    switch.focus()
    page.keyboard.press("Space")
    page.get_by_text("calls don't ring for you").wait_for()
    switch = page.get_by_role("switch", name="Available")
    assert switch.get_attribute("aria-checked") == "false"
    # Focus stays on the switch (htmx keeps it by id), so the next key flips it back.
    assert page.evaluate("document.activeElement.id") == "availability-switch"
    assert not page.get_by_role("button", name="Answer call from (512) 867-5309").is_visible()
    csr.refresh_from_db()
    assert csr.available is False
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Answer call from (512) 867-5309").wait_for(timeout=15000)
    csr.refresh_from_db()
    assert csr.available is True


def test_it_keeps_keyboard_focus_on_a_bubble_across_polls(page, login):
    """The bubbles poll every 2 s: a focused bubble keeps its focus while nothing
    changes (no swap) and when another call arrives (the same id is focused again)."""
    csr = make_employee(Role.CSR)
    TrackingNumberFactory(number="+15125550100")
    first = ring(from_number="+15128675309", to_number="+15125550100")
    login(csr.user.username)
    page.goto("/calls/")
    bubble = page.get_by_role("button", name="Answer call from (512) 867-5309")
    bubble.focus()
    focused = "document.activeElement && document.activeElement.getAttribute('aria-label')"
    mine = "Answer call from (512) 867-5309"
    assert page.evaluate(focused) == mine
    polls: list[str] = []
    page.on("request", lambda r: polls.append(r.url) if "/calls/incoming/" in r.url else None)
    page.wait_for_timeout(5000)
    assert len(polls) >= 2 and page.evaluate(focused) == mine
    ring(from_number="+15125550199", to_number="+15125550100")
    page.get_by_role("button", name="Answer call from (512) 555-0199").wait_for(timeout=15000)
    assert page.evaluate(focused) == mine
    # The ringing clock still moves (ticked in the page, not by a swap).
    clock = f"document.querySelector('#bubble-{first.pk} [data-elapsed]').textContent"
    shown = page.evaluate(clock)
    wait_until(page, f"{clock} !== {shown!r}", timeout=3000)
    assert page.evaluate(focused) == mine
    page.keyboard.press("Enter")  # still the same control: Enter answers that call
    page.wait_for_url(f"**/calls/?call={first.pk}")


FAKE_NOTIFICATION = """
window.__notes = [];
window.Notification = function (title, options) {
  window.__notes.push([title, (options || {}).body]);
  this.close = function () {};
};
window.Notification.permission = "default";
window.Notification.requestPermission = function () {
  window.Notification.permission = "granted";
  return Promise.resolve("granted");
};
"""


def test_it_rings_and_notifies_for_a_new_bubble_when_opted_in(page, login):
    csr = make_employee(Role.CSR)
    TrackingNumberFactory(number="+15125550100")
    page.context.add_init_script(FAKE_NOTIFICATION)
    login(csr.user.username)
    page.goto("/calls/")
    page.get_by_label("Ring").check()
    page.get_by_label("Browser notification").check()
    assert page.get_by_label("Browser notification").is_checked()
    rings = "document.getElementById('ring-audio').dataset.rings || '0'"
    assert page.evaluate(rings) == "1"  # the preview when switched on

    ring(from_number="+15128675309", to_number="+15125550100")
    page.get_by_role("button", name="Answer call from (512) 867-5309").wait_for(timeout=15000)
    wait_until(page, f"{rings} === '2'")
    assert page.evaluate("window.__notes") == [["Incoming call", "(512) 867-5309"]]
    assert page.locator("#calls-announce").inner_text() == "New call from (512) 867-5309"

    page.reload()  # remembered on this browser
    assert page.get_by_label("Ring").is_checked()
    assert page.evaluate("localStorage.getItem('leadline.calls.notify')") == "1"
