"""A judge scores with the keyboard alone; the organiser reads the ranking and awards a prize.

`SCORE_SHEET_SCREENSHOT=docs/screenshot-score-sheet.png` also saves the README's picture of
the score sheet (1280 px wide) while the test runs.
"""

import json
import os
import re
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, Response, expect

from accounts.models import User
from contest.models import Contest
from contest.organise.bundle import bundle_import
from contest.organise.lifecycle import contest_transition
from judging import demo
from judging.models import Assignment, AwardDecision, Score
from tests import factories
from tests.browser.conftest import PageEvents, sign_in, snap, ui_text

pytestmark = pytest.mark.browser

SCREENSHOT = os.environ.get("SCORE_SHEET_SCREENSHOT", "")


@pytest.fixture
def contest(transactional_db: None, judge: User) -> Contest:
    """Two entries of the demo's earlier contest, being judged by one judge."""
    data = json.loads(demo.DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    bundle = {
        **data["bundle"],
        "opens_at": (now - timedelta(days=1)).isoformat(),
        "closes_at": (now + timedelta(days=1)).isoformat(),
        "judges_per_entry": 1,
    }
    contest = bundle_import(data=bundle).contest
    contest.judges.set([judge])
    rows = data["entries"][:2]
    authors = {
        row["author"]: factories.make_user(department=factories.make_department()) for row in rows
    }
    demo.entries_submit(contest, rows, authors)
    contest_transition(contest=contest, to_status=Contest.Status.JUDGING)
    return contest


def _keys_ready(page: Page) -> None:
    """judging.js shows the keys' hint once it listens: keys pressed before are lost."""
    expect(page.locator("#sheet-keys")).to_be_visible()


def _choose_levels(page: Page, levels: list[int]) -> None:
    """n moves to the next criterion, a digit chooses its level; no mouse."""
    _keys_ready(page)
    for level in levels:
        page.keyboard.press("n")
        page.keyboard.press(str(level))


def _saves(text: str) -> Callable[[Response], bool]:
    """An autosave whose form data holds `text`."""

    def matches(response: Response) -> bool:
        request = response.request
        if request.method != "POST" or not request.headers.get("hx-request"):
            return False
        values = parse_qs(request.post_data or "")
        return any(text in value for field in values.values() for value in field)

    return matches


def _checked_levels(page: Page) -> list[str]:
    fieldsets = page.locator("form[data-score-sheet] fieldset[data-criterion]")
    return [
        fieldsets.nth(i).locator("input[type=radio]:checked").get_attribute("value") or ""
        for i in range(fieldsets.count())
    ]


def test_a_judge_scores_two_entries_with_the_keyboard_and_the_organiser_awards_a_prize(
    page: Page, page_events: PageEvents, contest: Contest, judge: User, organiser: User
) -> None:
    sign_in(page, judge)
    page.goto(reverse("judging_home"))
    next_entry = page.locator("main a.button", has_text=ui_text("Score the next entry"))
    next_entry.focus()
    page.keyboard.press("Enter")
    expect(page.locator("form[data-score-sheet]")).to_be_visible()
    expect(page.locator("#sheet-keys")).to_contain_text("Ctrl+Enter")
    first_url = page.url

    _choose_levels(page, [4, 3, 5, 2, 4])
    page.keyboard.press("c")  # the comment of the criterion in focus (the last one)
    with page.expect_response(_saves("確認の手順がよく書かれています。")):
        page.keyboard.type("確認の手順がよく書かれています。")
    page.keyboard.press("Escape")
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"\d\d:\d\d:\d\d"))
    if SCREENSHOT:
        # The outputs side by side with their task, beside the criteria being scored.
        page.set_viewport_size({"width": 1280, "height": 900})
        page.evaluate("document.getElementById('runs-heading').scrollIntoView()")
        page.evaluate("document.querySelector('.sheet-scores').scrollTop = 0")
        page.screenshot(path=SCREENSHOT)
        page.set_viewport_size({"width": 1280, "height": 720})
    snap(page, "judging-1-draft")

    page.reload()
    _keys_ready(page)
    assert _checked_levels(page) == ["4", "3", "5", "2", "4"]
    expect(page.locator("form[data-score-sheet] textarea").nth(4)).to_have_value(
        "確認の手順がよく書かれています。"
    )

    page.keyboard.press("s")
    expect(page).not_to_have_url(first_url)
    expect(page.locator(".messages")).to_contain_text(
        ui_text("Your scores were submitted. Here is the next entry to score.")
    )
    _choose_levels(page, [2, 2, 3, 1, 2])
    page.keyboard.press("Control+Enter")
    expect(page).to_have_url(re.compile(re.escape(reverse("judging_home")) + "$"))
    done = ui_text("%(submitted)s of %(total)s submitted.") % {"submitted": 2, "total": 2}
    expect(page.locator("main .judge-queue")).to_contain_text(done)
    snap(page, "judging-2-queue-done")

    assignments = Assignment.objects.filter(judge=judge).order_by("pk")
    assert set(assignments.values_list("status", flat=True)) == {Assignment.Status.SUBMITTED}
    levels = sorted(
        list(Score.objects.filter(sheet__assignment=a).values_list("level", flat=True))
        for a in assignments
    )
    assert levels == [[2, 2, 3, 1, 2], [4, 3, 5, 2, 4]]
    assert page_events.console_errors == []

    # The organiser closes judging, reads the ranking and confirms the grand prize.
    page.context.clear_cookies()
    sign_in(page, organiser)
    page.goto(reverse("organiser_contest", args=[contest.slug]))
    confirm = reverse("organiser_contest_confirm", args=[contest.slug, Contest.Status.RESULTS])
    page.locator(f"main a.button[href='{confirm}']").click()
    page.locator("main form.organiser-form button[type=submit]").click()
    expect(page.locator("main h1 .badge.results")).to_be_visible()
    page.goto(reverse("judging_results", args=[contest.slug]))
    ranking = page.locator("main table.ranking tbody tr")
    expect(ranking).to_have_count(2)
    winner = Score.objects.select_related("sheet__assignment__entry").get(level=5)
    winner_entry = winner.sheet.assignment.entry
    expect(ranking.first).to_contain_text(winner_entry.title)
    snap(page, "judging-3-results")

    page.goto(reverse("judging_awards", args=[contest.slug]))
    form = page.locator("main form.awards-form")
    grand, excellence = form.locator("fieldset").nth(0), form.locator("fieldset").nth(1)
    expect(grand.locator("select")).to_have_value(str(winner_entry.pk))
    grand.locator("textarea").fill("どの課でもすぐに使える完成度です。")
    excellence.locator("select").first.select_option("empty")
    excellence.locator("select").nth(1).select_option("empty")
    form.locator("fieldset").nth(2).locator("select").select_option("empty")
    form.locator("button[type=submit]").click()
    expect(page.locator(".messages")).to_be_visible()
    decision = AwardDecision.objects.get(contest=contest, entry__isnull=False)
    assert (decision.entry_id, decision.rationale) == (
        winner_entry.pk,
        "どの課でもすぐに使える完成度です。",
    )
    assert Contest.objects.get(pk=contest.pk).status == Contest.Status.RESULTS
