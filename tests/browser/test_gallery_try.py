"""A member of staff tries a gallery prompt on their own input in Chromium: the output
appears in place when the worker is done, marked as an offline echo, and personal data
is refused with everything typed kept."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings

from accounts.models import User
from contest.models import Run
from gallery.models import GalleryPrompt
from tests.browser.conftest import PageEvents, StartWorker, sign_in, snap, ui_text
from tests.gallery.conftest import make_prompt

pytestmark = pytest.mark.browser

RUN_TIMEOUT_MS = 60_000


def test_staff_tries_a_prompt_and_sees_the_output_in_place(
    page: Page,
    page_events: PageEvents,
    staff: User,
    start_worker: StartWorker,
    settings: Settings,
) -> None:
    settings.LLM_PROVIDER = "echo"
    prompt = make_prompt(
        title="住民向け通知の3行要約",
        prompt_template="【ギャラリー試行】3行で要約してください。\n{{input}}",
    )
    worker = start_worker()
    sign_in(page, staff)
    page.goto(reverse("gallery_detail", args=[prompt.pk]))

    field = page.locator("#v-input")
    field.fill("連絡先 090-1234-5678 まで")
    page.get_by_test_id("try").click()
    expect(page.get_by_test_id("try-refusal")).to_contain_text("•••-••••-••78")
    expect(field).to_have_value("連絡先 090-1234-5678 まで")
    assert not Run.objects.exists()

    field.fill("ごみ収集日が変わります。")
    page.get_by_test_id("try").click()
    results = page.locator("#try-results")
    done = ui_text("%(count)d of %(total)d succeeded") % {"count": 1, "total": 1}
    try:
        expect(results.locator(".run-tally")).to_have_text(done, timeout=RUN_TIMEOUT_MS)
    except AssertionError as error:
        pytest.fail(f"{error}\n--- worker log ---\n{worker.tail()}")
    expect(results.locator(".output").first).to_contain_text("ごみ収集日が変わります。")
    expect(results).to_contain_text(ui_text("Offline preview — no model was called"))
    expect(results.locator("[hx-trigger*=every]")).to_have_count(0)
    expect(page.get_by_test_id("try-refusal")).to_have_count(0)
    assert page_events.console_errors == []
    snap(page, "gallery-try")
    assert GalleryPrompt.objects.get(pk=prompt.pk).try_count == 1
