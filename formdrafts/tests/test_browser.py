"""The public form keeps a draft as the visitor types (htmx, no script of its own)."""

from accounts.tests.factories import IntegrationFactory
from core.testing.browser import wait_until
from formdrafts.models import FormDraft


def test_it_keeps_a_draft_once_the_visitor_has_typed_a_phone(page):
    page.set_default_timeout(30_000)
    IntegrationFactory(slug="website", name="Website", booking_form_enabled=True)
    page.goto("/book/website/?utm_source=google")
    page.get_by_label("Your name").fill("Morgan Blake")
    page.get_by_label("Your name").press("Tab")
    page.wait_for_timeout(2000)
    assert not FormDraft.objects.exists()  # no way to reach them yet
    with page.expect_response(lambda r: r.url.endswith("/draft/") and r.status == 204):
        page.get_by_label("Phone").press_sequentially("5125550188")
    wait_until(page, "() => !document.querySelector('.htmx-request')")
    draft = FormDraft.objects.get()
    assert draft.fields["name"] == "Morgan Blake" and draft.fields["phone"] == "5125550188"
    assert draft.attribution["utm_source"] == "google"
