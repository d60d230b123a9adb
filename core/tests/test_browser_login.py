from accounts.models import Role
from conftest import make_employee


def test_it_logs_a_csr_in_and_shows_the_home_page(page, login):
    employee = make_employee(Role.CSR, name="Casey Rivera")
    login(employee.user.username)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_text("Casey Rivera").is_visible()


def test_it_refuses_a_wrong_password(page):
    employee = make_employee(Role.CSR)
    page.goto("/login/")
    page.get_by_label("Username").fill(employee.user.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    # is_visible() does not wait: give the refused form's page time to arrive first.
    page.get_by_role("alert").wait_for(state="visible", timeout=10_000)
    assert page.get_by_role("alert").is_visible()
    assert page.get_by_label("Username").input_value() == employee.user.username
