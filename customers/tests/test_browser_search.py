"""A CSR sorts the customer list, then types a search: the sort stays."""

from __future__ import annotations

from accounts.models import Role
from conftest import make_employee
from customers.tests.factories import CustomerFactory


def test_it_keeps_the_sort_while_the_search_updates_as_you_type(page, login):
    for name in ("Anh Smith", "Bea Smithers", "Cal Smithson", "Dee Jones"):
        CustomerFactory(name=name)
    login(make_employee(Role.CSR).user.username)
    page.goto("/customers/?sort=-name")
    page.get_by_label("Search customers").fill("smith")
    page.locator("#results").get_by_text("Dee Jones").wait_for(state="detached")
    names = page.locator("#results tbody tr td:first-child").all_inner_texts()
    assert names == ["Cal Smithson", "Bea Smithers", "Anh Smith"]
    assert page.locator("#results th[aria-sort=descending]").text_content().startswith("Name")
