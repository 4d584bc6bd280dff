"""An organiser sets a contest up from nothing and opens it to staff."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import User
from contest.models import Contest, SampleTask
from tests.browser.conftest import sign_in, snap

pytestmark = pytest.mark.browser

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def local_input(delta: timedelta) -> str:
    """A datetime-local value in Japan time, as the organiser types it."""
    return timezone.localtime(timezone.now() + delta).strftime(DATETIME_LOCAL)


def test_organiser_creates_a_contest_with_a_sample_task_and_opens_it(
    page: Page, organiser: User
) -> None:
    sign_in(page, organiser)
    page.goto(reverse("organiser_home"))
    page.locator(f"main a.button[href='{reverse('organiser_contest_create')}']").click()

    form = page.locator("main form.organiser-form")
    form.locator("[name=title]").fill("令和7年度 職員プロンプトコンテスト")
    form.locator("[name=slug]").fill("2025-autumn")
    form.locator("[name=description]").fill("日々の業務で役立つプロンプトを募集します。")
    form.locator("[name=categories]").fill("要約\n文書作成")
    form.locator("[name=opens_at]").fill(local_input(-timedelta(hours=1)))
    form.locator("[name=closes_at]").fill(local_input(timedelta(days=14)))
    snap(page, "organiser-1-contest-form")
    form.locator(":scope > .row button[type=submit]").click()

    dashboard = reverse("organiser_contest", args=["2025-autumn"])
    expect(page).to_have_url(re.compile(re.escape(dashboard) + "$"))
    expect(page.locator("main h1")).to_contain_text("令和7年度 職員プロンプトコンテスト")
    expect(page.locator("main h1 .badge.draft")).to_be_visible()

    page.locator(f"main a[href='{reverse('organiser_task_create', args=['2025-autumn'])}']").click()
    task_form = page.locator("main form.organiser-form")
    task_form.locator("[name=title]").fill("住民向け通知の要約")
    task_form.locator("[name=input]").fill("令和7年度の住民税の納付期限は6月30日です。")
    task_form.locator(".row button[type=submit]").click()
    expect(page.locator("main article.task-card h3")).to_contain_text("住民向け通知の要約")
    snap(page, "organiser-2-dashboard-with-task")

    # Opening goes through its confirmation page; an offline contest has nothing to test.
    confirm = reverse("organiser_contest_confirm", args=["2025-autumn", "open"])
    page.locator(f"main a.button[href='{confirm}']").click()
    expect(page).to_have_url(re.compile(re.escape(confirm) + "$"))
    page.locator("main form.organiser-form button[type=submit]").click()
    expect(page.locator("main h1 .badge.open")).to_be_visible()

    page.goto(reverse("contest_list"))
    card = page.locator("section[aria-labelledby=open-heading] article.card").filter(
        has_text="令和7年度 職員プロンプトコンテスト"
    )
    expect(card).to_have_count(1)
    expect(card.locator(".badge.open")).to_be_visible()
    snap(page, "organiser-3-contest-list")

    contest = Contest.objects.get(slug="2025-autumn")
    assert contest.status == Contest.Status.OPEN
    assert contest.accepts_entries()
    assert list(contest.categories.values_list("name", flat=True)) == ["要約", "文書作成"]
    assert SampleTask.objects.filter(contest=contest).count() == 1
