"""A member of staff finds a prompt in the gallery, fills in its variables, copies the
finished prompt (read back from the clipboard) and likes it."""

import json
from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from gallery.demo import SECOND_ORGANISATION
from gallery.exchange import gallery_import
from gallery.models import GalleryPrompt
from tests.browser.conftest import TIMEOUT_MS, sign_in, snap, ui_text
from tests.gallery.conftest import make_prompt

pytestmark = pytest.mark.browser


@pytest.fixture
def clipboard_page(
    browser: Browser, live_server: LiveServer, transactional_db: None
) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        permissions=["clipboard-read", "clipboard-write"],
        viewport={"width": 1200, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_staff_fills_copies_and_likes_a_prompt(clipboard_page: Page, staff: User) -> None:
    page = clipboard_page
    gallery_import(data=json.loads(SECOND_ORGANISATION.read_text(encoding="utf-8")))
    prompt = make_prompt(
        title="住民向け通知の3行要約",
        award_name="最優秀賞",
        award_rank=1,
        minutes_before=30,
        minutes_after=5,
        minutes_saved=25,
        credit_name="職員 花子",
        credit_department="総務課",
        rationale="どの課でもそのまま使える点が評価されました。",
        system_prompt="あなたは{{audience}}向けに書く広報担当です。",
        prompt_template="次の文章を3行で要約してください。\n{{input}}",
        variables=[
            {"name": "audience", "label": "audience", "example": "高齢者"},
            {"name": "input", "label": "入力", "example": "例文"},
        ],
        examples=[{"task": "通知", "input": "例文", "output": "1. 要点", "model": "gpt-4o-mini"}],
    )
    sign_in(page, staff)
    page.goto(reverse("gallery_list") + "?q=要約")
    card = page.locator("article.gallery-card", has_text="住民向け通知の3行要約")
    expect(card).to_be_visible()
    snap(page, "gallery-1-list")
    card.get_by_role("link", name="住民向け通知の3行要約").click()

    expect(page.locator("main h1")).to_have_text("住民向け通知の3行要約")
    page.locator("#v-audience").fill("子育て世帯")
    page.locator("#v-input").fill("児童手当の申請は5月31日までです。")
    expected = (
        "あなたは子育て世帯向けに書く広報担当です。\n\n"
        "次の文章を3行で要約してください。\n児童手当の申請は5月31日までです。"
    )
    expect(page.locator("#filled-prompt")).to_have_value(expected)
    copy_url = reverse("gallery_copy", args=[prompt.pk])
    with page.expect_response(lambda response: response.url.endswith(copy_url)) as counted:
        page.get_by_test_id("copy").click()
    assert counted.value.status == 204
    expect(page.locator("#copy-status")).to_have_text(ui_text("Copied to the clipboard."))
    assert page.evaluate("navigator.clipboard.readText()") == expected

    like = page.get_by_test_id("like")
    like.click()
    expect(page.get_by_test_id("like")).to_have_attribute("aria-pressed", "true")
    snap(page, "gallery-2-detail")

    prompt = GalleryPrompt.objects.get(pk=prompt.pk)
    assert (prompt.copy_count, prompt.like_count) == (1, 1)
