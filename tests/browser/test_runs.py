"""An entry's runs, watched in the browser while a real Celery worker does them."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from contest.models import Contest, Entry, Run
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


def test_submitted_entry_runs_until_every_run_has_succeeded(
    page: Page,
    page_events: PageEvents,
    staff: User,
    open_contest: Contest,
    start_worker: StartWorker,
) -> None:
    tasks = list(open_contest.sample_tasks.all())
    total = len(tasks) * open_contest.samples_per_task
    sign_in(page, staff)
    open_entry_form(page, open_contest)
    fill_entry_form(page, title="進捗バー確認")
    submit_button(page).click()
    expect(page).to_have_url(re.compile(r"/entries/\d+/$"))

    # No worker yet: the runs wait in Redis, and the grid says so and keeps polling.
    runs = page.locator("#runs")
    tally = runs.locator(".run-tally")
    waiting = ui_text("%(count)d of %(total)d waiting") % {"count": total, "total": total}
    succeeded = ui_text("%(count)d of %(total)d succeeded") % {"count": total, "total": total}
    expect(tally).to_have_text(waiting)
    expect(runs.locator("[hx-trigger*=every]")).to_have_count(1)
    snap(page, "runs-1-pending")
    # A reload would lose this; it is still there at the end only if htmx did the updates.
    page.evaluate("window.__notReloaded = true")

    worker = start_worker()

    try:
        expect(tally).to_have_text(succeeded, timeout=RUN_TIMEOUT_MS)
    except AssertionError as error:
        statuses = list(Run.objects.values_list("status", flat=True))
        pytest.fail(f"{error}\nruns: {statuses}\n--- worker log ---\n{worker.tail()}")
    expect(runs.locator("svg.status-bar rect.succeeded")).to_have_attribute("width", "100.000000")
    assert page.evaluate("window.__notReloaded") is True
    entry = Entry.objects.get()
    assert page_events.requests_to(f"/entries/{entry.pk}/runs/")  # polls, no page load

    offline = ui_text("Offline preview — no model was called")
    for task in tasks:
        card = runs.locator("details.task-block", has=page.get_by_text(task.title, exact=True))
        expect(card.locator(".badge", has_text=offline)).to_have_count(1)
        output = card.locator(".task-outputs .output")
        expect(output).to_contain_text("次の文章を住民向けに3行で要約してください。")
        expect(output).to_contain_text(task.input)
    # Nothing is pending, so nothing polls any more.
    expect(runs.locator("[hx-trigger*=every]")).to_have_count(0)
    snap(page, "runs-2-finished")
