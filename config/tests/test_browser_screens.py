"""Every screen, looked at in the browser: the accessibility audit (axe-core,
bundled by axe-playwright-python: no CDN) with no serious or critical
violation, and no sideways scroll at 390 px. One pass over all screens shares
one small office and one sign-in per role, to keep the run short."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe

from accounts.models import Employee, Role
from config.tests.screens import NOT_SCREENS, SCREENS, World, build_world, named_urls
from core.testing.browser import settle

AXE = Axe()
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}


def test_it_knows_every_screen():
    names = set(named_urls())
    known = {s.name for s in SCREENS} | set(NOT_SCREENS)
    assert not names - known, f"new named URLs: add them to SCREENS (a page) or NOT_SCREENS: {names - known}"
    assert not known - names, f"listed but gone from the URL conf: {known - names}"


def sign_in(page: Any, world: World, role: str) -> None:
    page.context.clear_cookies()
    if not role:
        return
    people: dict[str, Employee] = {Role.ADMIN: world.admin, Role.CSR: world.csr, Role.TECHNICIAN: world.tech}
    who = people[role]
    page.goto("/login/")
    page.get_by_label("Username").fill(who.user.username)
    page.get_by_label("Password").fill("pw-for-tests")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def serious(page: Any) -> list[str]:
    results = AXE.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:4]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_audit_reports_serious_and_critical_violations_and_nothing_milder(page):
    """The audits below pass only if this finds what it should: an image with no
    text (critical), an unlabelled field (critical) and low contrast (serious);
    a page with no main landmark is moderate, so not reported."""
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body>'
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        '<input type="text" id="q">'
        '<p style="color:#bbb;background:#fff">faint</p></body></html>'
    )
    found = sorted(problem.split(" ")[0] for problem in serious(page))
    assert found == ["color-contrast", "image-alt", "label"], serious(page)


def sideways(page: Any) -> int:
    """How many pixels the page scrolls sideways (0: none)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def look(page: Any, label: str, found: dict[str, list[str]]) -> None:
    page.set_viewport_size(DESKTOP)
    for problem in serious(page):
        found["axe"].append(f"{label}: {problem}")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(50)
    if (extra := sideways(page)) > 0:
        found["390"].append(f"{label}: scrolls {extra}px sideways at 390 px")
    page.set_viewport_size(DESKTOP)


def test_it_audits_every_screen_and_fits_each_on_a_phone(page):
    world = build_world()
    found: dict[str, list[str]] = {"axe": [], "390": []}
    role = None
    for screen in sorted(SCREENS, key=lambda s: s.role):
        if screen.role != role:
            role = screen.role
            sign_in(page, world, role)
        response = page.goto(screen.path(world))
        assert response is not None and response.status == 200, (screen.name, response and response.status)
        assert settle(page), f"{screen.name}: still loading after 10 s"
        look(page, screen.name, found)
        if screen.name == "job_detail":
            # The Create Lead flyout, open over the job.
            page.get_by_role("link", name="Lead", exact=True).click()
            page.get_by_role("dialog").wait_for()
            look(page, "job_detail + Create Lead flyout", found)
        if screen.name == "home" or screen.name == "calls_screen":
            # The navigation folded into its menu on a phone, opened.
            page.set_viewport_size(PHONE)
            page.get_by_role("button", name="Menu").click()
            nav = page.get_by_role("navigation", name="Main")
            assert nav.get_by_role("link", name="Dashboard").is_visible()
            if (extra := sideways(page)) > 0:
                found["390"].append(f"{screen.name} with the menu open: scrolls {extra}px sideways")
            for problem in serious(page):
                found["axe"].append(f"{screen.name} (menu open at 390 px): {problem}")
            page.get_by_role("button", name="Menu").click()
            page.set_viewport_size(DESKTOP)
    assert not found["axe"], "\n".join(found["axe"])
    assert not found["390"], "\n".join(found["390"])


def test_it_works_a_lead_by_keyboard_alone(page):
    """Follow Up → the lead → record a follow-up, with keys only (after signing in)."""
    from leads.models import LeadActivity

    world = build_world()
    sign_in(page, world, Role.CSR)
    page.goto("/leads/")
    focused = "document.activeElement"

    def tab_to(name: str, limit: int = 80) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            label = page.evaluate(
                f"""(() => {{ const el = {focused};
                    return (el.labels && el.labels[0] && el.labels[0].innerText.trim())
                        || el.getAttribute('aria-label') || el.innerText.trim(); }})()"""
            )
            if label == name:
                return
        raise AssertionError(f"{name!r} is not reachable with Tab")

    page.keyboard.press("j")  # the first row of the queue
    assert page.evaluate(f"{focused}.innerText") in ("Pat Doe", "(no name)")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to("Outcome")
    page.keyboard.press("ArrowDown")  # "Spoke with them"
    tab_to("Note")
    page.keyboard.type("Wants a quote on Friday")
    tab_to("Record follow-up")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_text("Wants a quote on Friday").first.wait_for()
    entry = LeadActivity.objects.filter(kind="follow_up").get()
    assert entry.text == "Wants a quote on Friday" and entry.outcome == "spoke"
    assert entry.by == world.csr
