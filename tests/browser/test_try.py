"""Try before submitting, and two revisions compared, as an entrant does them in Chromium."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from contest import services
from contest.models import Contest, Entry, EntryRevision, Run
from tests import factories
from tests.browser.conftest import (
    PageEvents,
    StartWorker,
    fill_entry_form,
    open_entry_form,
    sign_in,
    snap,
    submit_button,
    ui_text,
)

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 60_000


def test_try_shows_the_outputs_on_the_form_and_stores_nothing(
    page: Page,
    page_events: PageEvents,
    staff: User,
    open_contest: Contest,
    start_worker: StartWorker,
) -> None:
    tasks = list(open_contest.sample_tasks.filter(visible_to_entrants=True))
    worker = start_worker()
    sign_in(page, staff)
    open_entry_form(page, open_contest)
    prompt = "【試行】3行で要約してください。\n{{input}}"
    fill_entry_form(page, title="試してから提出", prompt=prompt)

    page.locator("main form button[name=action][value=try]").click()

    results = page.locator("#try-results")
    done = ui_text("%(count)d of %(total)d succeeded") % {"count": len(tasks), "total": len(tasks)}
    try:
        expect(results.locator(".run-tally")).to_have_text(done, timeout=RUN_TIMEOUT_MS)
    except AssertionError as error:
        pytest.fail(f"{error}\n--- worker log ---\n{worker.tail()}")
    for task in tasks:
        block = results.locator("details.task-block", has=page.get_by_text(task.title, exact=True))
        expect(block.locator(".task-input")).to_contain_text(task.input)
        expect(block.locator(".task-outputs .output")).to_contain_text(
            "【試行】3行で要約してください。"
        )
        expect(block.locator("button.copy-button")).to_have_count(1)
    expect(results.locator("[hx-trigger*=every]")).to_have_count(0)
    # Everything typed is still in the form, and the contest holds nothing of the try.
    expect(page.locator("main [name=title]")).to_have_value("試してから提出")
    expect(page.locator("main [name=prompt_template]")).to_have_value(prompt)
    assert page_events.console_errors == []
    snap(page, "try-1-results")
    assert not Entry.objects.exists()
    assert not EntryRevision.objects.exists()
    assert Run.objects.entry_runs().count() == 0
    assert Run.objects.previews().count() == len(tasks)

    # The same form then submits as usual.
    page.locator("main [name=confirm_no_personal_data]").check()
    submit_button(page).click()
    expect(page.locator("main h1")).to_have_text("試してから提出")
    assert EntryRevision.objects.count() == 1


def test_two_revisions_are_compared_with_the_changes_highlighted(
    page: Page, staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(
        open_contest, staff, prompt_template="次の文章を3行で要約してください。\n{{input}}"
    )
    services.entry_submit(entry=entry)
    services.entry_update(
        entry=entry,
        data={"prompt_template": "次の文章を5行で要約してください。\n敬体で。\n{{input}}"},
    )
    services.entry_submit(entry=entry)
    sign_in(page, staff)
    page.goto(reverse("entry_detail", args=[entry.pk]))

    page.get_by_role("button", name=ui_text("Show the differences")).click()

    expect(page.locator("main h1")).to_have_text(
        ui_text("Revision %(old)s and revision %(new)s compared") % {"old": 1, "new": 2}
    )
    prompt = page.locator("#diff-prompt_template")
    expect(prompt.locator("del mark").first).to_have_text("3")
    expect(prompt.locator("ins mark").first).to_have_text("5")
    expect(prompt.locator("li.diff-added ins", has_text="敬体で。")).to_have_count(1)
    snap(page, "revision-diff")

    page.get_by_role(
        "link", name=ui_text("Revision %(number)s with its outputs") % {"number": 1}
    ).click()
    expect(page.locator("main #revision-prompt-template")).to_contain_text("3行で要約")
