"""A CSR sorts Follow Up from the keyboard and saves the view."""

from __future__ import annotations

from accounts.models import Role
from conftest import make_employee
from leads.models import SavedFilter
from leads.tests.factories import LeadFactory


def test_it_sorts_follow_up_by_keyboard_and_saves_the_view(page, login):
    csr = make_employee(Role.CSR)
    for name in ("Cara Diaz", "Al Brown", "Bo Chen"):
        LeadFactory(name=name)
    login(csr.user.username)
    page.goto("/leads/")
    header = page.get_by_role("link", name="Lead", exact=True)
    header.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/leads/?sort=name")
    names = page.locator("a.rowlink").all_inner_texts()
    assert names == ["Al Brown", "Bo Chen", "Cara Diaz"]
    assert page.locator("th[aria-sort=ascending]").text_content().startswith("Lead")  # CSS upper-cases it
    page.get_by_role("link", name="Lead", exact=True).click()
    page.wait_for_url("**/leads/?sort=-name")
    assert page.locator("a.rowlink").all_inner_texts() == ["Cara Diaz", "Bo Chen", "Al Brown"]

    page.get_by_label("Save this view as").fill("Z to A")
    page.get_by_role("button", name="Save view").click()
    page.get_by_text("Saved the view").wait_for()
    assert SavedFilter.objects.get(employee=csr).query == "sort=-name"
    page.goto("/leads/")
    page.get_by_role("link", name="Z to A").click()
    page.wait_for_url("**/leads/?sort=-name")
    assert page.locator("a.rowlink").first.inner_text() == "Cara Diaz"
