"""An entrant signs in, enters a contest, and the form keeps them from harm and from doubles."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, expect

from accounts.models import User
from contest import pii
from contest.models import Contest, Entry, EntryRevision, Run
from tests.browser.conftest import (
    fill_entry_form,
    open_entry_form,
    sign_in,
    snap,
    submit_button,
    ui_text,
)

pytestmark = pytest.mark.browser

ENTRY_PAGE = re.compile(r"/entries/(\d+)/$")


def test_staff_signs_in_and_submits_an_entry(
    page: Page, staff: User, open_contest: Contest
) -> None:
    page.goto(reverse("account_login"))
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    snap(page, "entry-1-login")
    sign_in(page, staff)

    open_entry_form(page, open_contest)
    snap(page, "entry-2-form-empty")
    fill_entry_form(page, title="住民税通知の3行要約")
    snap(page, "entry-3-form-filled")
    submit_button(page).click()

    expect(page).to_have_url(ENTRY_PAGE)
    expect(page.locator("main h1")).to_have_text("住民税通知の3行要約")
    revisions = page.locator("section[aria-labelledby=revisions-heading] li")
    expect(revisions).to_have_count(1)
    expect(revisions.locator("a")).to_contain_text(ui_text("Revision %(number)s") % {"number": 1})
    expect(page.locator("#prompt-template")).to_contain_text("{{input}}")
    snap(page, "entry-4-entry-page")

    entry = Entry.objects.get()
    assert (entry.author, entry.status, entry.revision) == (staff, Entry.Status.SUBMITTED, 1)
    assert entry.minutes_before == 30 and entry.minutes_after == 5
    assert entry.category is not None and entry.category.name == "要約"
    assert EntryRevision.objects.filter(entry=entry).count() == 1
    assert page.url.endswith(reverse("entry_detail", args=[entry.pk]))


def test_personal_data_in_prompt_is_refused_and_the_text_is_kept(
    page: Page, staff: User, open_contest: Contest
) -> None:
    prompt = (
        "不明点は担当 taro.yamada@city.example.jp（電話 03-1234-5678）まで。\n"
        "次の文章を要約してください。\n{{input}}"
    )
    sign_in(page, staff)
    open_entry_form(page, open_contest)
    fill_entry_form(page, title="問い合わせ先つき要約", prompt=prompt)
    submit_button(page).click()

    expect(page.locator("main .form-errors[role=alert]").first).to_be_visible()
    field_errors = page.locator("main .field.has-error:has([name=prompt_template]) .errorlist")
    kinds, labels = _kinds_and_labels(prompt)
    assert kinds == {pii.EMAIL, pii.PHONE}  # the test's text holds exactly these two
    for label in labels:
        expect(field_errors).to_contain_text(label)
    # Masked in the message: the address itself is never shown back.
    expect(field_errors).not_to_contain_text("taro.yamada@city.example.jp")
    snap(page, "pii-refused")

    expect(page.locator("main [name=prompt_template]")).to_have_value(prompt)
    expect(page.locator("main [name=title]")).to_have_value("問い合わせ先つき要約")
    expect(page.locator("main [name=confirm_no_personal_data]")).to_be_checked()
    assert not Entry.objects.exists()
    assert not Run.objects.exists()


def test_double_click_on_submit_creates_one_entry(
    page: Page, staff: User, open_contest: Contest
) -> None:
    sign_in(page, staff)
    open_entry_form(page, open_contest)
    fill_entry_form(page, title="ダブルクリック確認")

    submit_button(page).dblclick()

    expect(page).to_have_url(ENTRY_PAGE)
    expect(page.locator("main h1")).to_have_text("ダブルクリック確認")
    page.wait_for_load_state("networkidle")
    entry = Entry.objects.get()
    assert entry.revision == 1
    assert EntryRevision.objects.filter(entry=entry).count() == 1
    tasks = open_contest.sample_tasks.count()
    assert Run.objects.filter(entry=entry).count() == tasks * open_contest.samples_per_task


def _kinds_and_labels(text: str) -> tuple[set[str], set[str]]:
    """The kinds of personal data in `text`, and their names as the Japanese page says them."""
    with translation.override("ja"):
        findings = pii.find_personal_data(text)
        return {f.kind for f in findings}, {f.label for f in findings}
