"""The header's language selector: Japanese by default, English on request, and back."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from tests.browser.conftest import sign_in, snap, ui_text

pytestmark = pytest.mark.browser


def switch_language(page: Page, code: str) -> None:
    form = page.locator("header form.lang-form")
    form.locator("select[name=language]").select_option(code)
    form.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def test_language_switch_to_english_and_back(page: Page, staff: User) -> None:
    sign_in(page, staff)
    page.goto(reverse("contest_list"))
    html = page.locator("html")
    nav_label = page.locator(f"header nav.main-nav a[href='{reverse('contest_list')}']")
    expect(html).to_have_attribute("lang", "ja")
    expect(nav_label).to_have_text(ui_text("Contests", "ja"))

    switch_language(page, "en")
    expect(nav_label).to_have_text("Contests")
    expect(page.locator("header select[name=language]")).to_have_value("en")
    assert page.url.endswith(reverse("contest_list"))  # back on the page it was switched on
    snap(page, "language-en")

    switch_language(page, "ja")
    expect(nav_label).to_have_text(ui_text("Contests", "ja"))
    expect(page.locator("header select[name=language]")).to_have_value("ja")
    assert page.url.endswith(reverse("contest_list"))
