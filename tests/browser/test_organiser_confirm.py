"""An organiser closes entries through the confirmation page; the contest page shows where
the contest stands on its timeline; the new-contest form suggests the web address name."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from contest.models import Contest, Entry
from tests import factories
from tests.browser.conftest import PageEvents, sign_in, snap

pytestmark = pytest.mark.browser


def test_organiser_closes_entries_through_the_confirmation_page(
    page: Page,
    page_events: PageEvents,
    organiser: User,
    staff: User,
    judge: User,
    open_contest: Contest,
) -> None:
    open_contest.judging_ends_at = open_contest.closes_at + timedelta(days=14)
    open_contest.judges_per_entry = 1  # judging starts only with enough judges
    open_contest.save()
    open_contest.judges.add(judge)
    factories.make_entry(open_contest, staff, status=Entry.Status.SUBMITTED)
    sign_in(page, organiser)
    dashboard = reverse("organiser_contest", args=[open_contest.slug])
    page.goto(dashboard)

    confirm = reverse("organiser_contest_confirm", args=[open_contest.slug, "judging"])
    page.locator(f"main a.button[href='{confirm}']").click()
    expect(page).to_have_url(re.compile(re.escape(confirm) + "$"))
    expect(page.locator("main")).to_contain_text(
        "締め切ると応募者は編集できなくなります。元に戻せません。"
    )
    expect(page.locator("main")).to_contain_text("この後の流れ")
    snap(page, "organiser-confirm-close-entries")
    assert Contest.objects.get(pk=open_contest.pk).status == Contest.Status.OPEN

    page.locator("main form.organiser-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(dashboard) + "$"))
    expect(page.locator("main h1 .badge.judging")).to_be_visible()
    assert Contest.objects.get(pk=open_contest.pk).status == Contest.Status.JUDGING

    page.goto(reverse("contest_detail", args=[open_contest.slug]))
    steps = page.locator("main .timeline-steps li")
    expect(steps).to_have_count(4)
    current = page.locator("main .timeline-steps li[aria-current=step]")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("応募締切")
    expect(steps.nth(2)).to_contain_text("審査終了")
    expect(steps.nth(3)).to_contain_text("未定")
    snap(page, "contest-timeline")
    assert page_events.console_errors == []


def test_new_contest_form_fills_the_web_address_name_from_the_title(
    page: Page, page_events: PageEvents, organiser: User
) -> None:
    sign_in(page, organiser)
    page.goto(reverse("organiser_contest_create"))
    form = page.locator("main form.organiser-form")
    form.locator("[name=title]").fill("令和7年度 第3回 職員プロンプトコンテスト")
    expect(form.locator("[name=slug]")).to_have_value("r7-3")

    # A name the organiser types is theirs: changing the title no longer touches it.
    form.locator("[name=slug]").fill("my-contest")
    form.locator("[name=title]").fill("Spring contest")
    page.wait_for_timeout(800)
    expect(form.locator("[name=slug]")).to_have_value("my-contest")
    assert page_events.console_errors == []
