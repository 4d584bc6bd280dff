"""First sign-in: a newcomer is asked for their name and department before anything else,
then lands on the page they were going to."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import Department
from tests import factories
from tests.browser.conftest import snap

pytestmark = pytest.mark.browser


def test_newcomer_completes_the_profile_and_lands_where_they_were_going(
    page: Page, department_a: Department, department_b: Department
) -> None:
    newcomer = factories.make_newcomer("newcomer@city.example.jp")

    page.goto(reverse("contest_list"))
    # Signed out: the sign-in page, which keeps the page asked for.
    form = page.locator("main form.login")
    form.locator("input[name=login]").fill(newcomer.email)
    form.locator("input[name=password]").fill(factories.PASSWORD)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("profile")) + r"\?next="))
    expect(page.locator("main .profile-step")).to_contain_text("お名前と所属部署を登録してください")
    snap(page, "profile-step")
    profile = page.locator("main form.profile")
    profile.get_by_role("button", name="登録して続ける").click()
    # Nothing filled in: the step stays, focus on the first field to correct.
    expect(page.locator("main input[name=display_name]")).to_be_focused()

    page.locator("main input[name=display_name]").fill("新人 花子")
    page.locator("main select[name=department]").select_option(label="企画課")
    page.get_by_role("button", name="登録して続ける").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("contest_list")) + "$"))
    expect(page.locator(f"header a[href='{reverse('profile')}']")).to_have_text("新人 花子")
    newcomer.refresh_from_db()
    assert (newcomer.display_name, newcomer.department) == ("新人 花子", department_b)
