"""An admin keeps the call reasons CSRs pick from, in Settings, in a real browser."""

from accounts.models import Role
from catalog.models import CallReason
from conftest import make_employee


def test_it_lets_an_admin_add_a_call_reason_and_see_it_listed(page, login):
    admin = make_employee(Role.ADMIN, name="Avery Admin")
    assert admin.user is not None
    login(admin.user.username)

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("heading", name="Settings").wait_for()
    page.get_by_role("link", name="Call reasons").first.click()
    page.get_by_role("link", name="Add call reason").click()
    page.get_by_label("Name").fill("New system estimate")
    page.get_by_label("Is lead").check()
    page.get_by_role("button", name="Save", exact=True).click()

    page.get_by_text("was added successfully").wait_for()
    row = page.locator("#result_list tbody tr", has_text="New system estimate")
    assert row.count() == 1
    assert row.locator("input[name$='-is_lead']").is_checked()
    assert CallReason.objects.get(name="New system estimate").is_lead is True


def test_it_shows_no_settings_to_a_csr(page, login):
    csr = make_employee(Role.CSR)
    assert csr.user is not None
    login(csr.user.username)
    assert page.get_by_role("link", name="Settings").count() == 0
    page.goto("/settings/")
    assert page.get_by_role("heading", name="Settings are for admins").is_visible()
