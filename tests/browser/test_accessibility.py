"""An automated accessibility check (axe-core, WCAG 2.2 A/AA) of the main pages of each
role, on desktop and on a phone: no serious or critical violation. Also the behaviour axe
cannot see: focus on the error summary after a failed submit, one live region for it."""

from collections.abc import Callable, Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from contest import services
from contest.models import Contest, Entry, Run
from tests import factories
from tests.browser.axe import Violation, axe_violations, blocking
from tests.browser.conftest import TIMEOUT_MS, sign_in, snap

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(
    browser: Browser, live_server: LiveServer, transactional_db: None
) -> Iterator[OpenPage]:
    contexts = []

    def open_(viewport: dict[str, int] = DESKTOP) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport=viewport,  # type: ignore[arg-type]
            bypass_csp=True,  # axe is injected as a script tag (see tests/browser/axe.py)
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def scene(staff: User, judge: User, open_contest: Contest) -> Entry:
    """An open contest judged by the judge persona, with one submitted entry whose runs
    have all ended one way or another (done, failed)."""
    open_contest.judges.add(judge)
    entry = factories.make_entry(open_contest, staff, title="住民向けお知らせの要約")
    services.entry_submit(entry=entry)
    first, *rest = entry.runs.order_by("pk")
    Run.objects.filter(pk=first.pk).update(status=Run.Status.SUCCEEDED, output="要約です。")
    Run.objects.filter(pk__in=[r.pk for r in rest]).update(
        status=Run.Status.FAILED, error="timeout", error_code="timeout"
    )
    return entry


def _scan(page: Page, name: str, url: str | None = None) -> list[Violation]:
    if url is not None:
        page.goto(url)
    page.wait_for_load_state("networkidle")
    snap(page, f"a11y-{name}")
    return axe_violations(page, name)


def _assert_none_blocking(found: list[Violation]) -> None:
    serious = blocking(found)
    assert serious == [], "\n".join(str(v) for v in serious)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_anonymous_pages(open_page: OpenPage, open_contest: Contest, viewport: dict) -> None:
    page = open_page(viewport)
    found = _scan(page, "home", reverse("home"))
    found += _scan(page, "sign-in", reverse("account_login"))
    found += _scan(page, "sign-up", reverse("account_signup"))

    _assert_none_blocking(found)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_pages(open_page: OpenPage, staff: User, scene: Entry, viewport: dict) -> None:
    page = open_page(viewport)
    sign_in(page, staff)
    contest = scene.contest
    found = _scan(page, "home", reverse("home"))
    found += _scan(page, "contests", reverse("contest_list"))
    found += _scan(page, "contest", reverse("contest_detail", args=[contest.slug]))
    found += _scan(page, "entry", reverse("entry_detail", args=[scene.pk]))
    found += _scan(page, "profile", reverse("profile"))
    page.goto(reverse("entry_create", args=[contest.slug]))
    page.locator("main form button[name=action][value=submit]").click()
    expect(page.locator("main .form-errors")).to_be_visible()
    found += _scan(page, "entry-form-with-errors")

    _assert_none_blocking(found)


def test_organiser_pages(open_page: OpenPage, organiser: User, scene: Entry) -> None:
    page = open_page()
    sign_in(page, organiser)
    slug = scene.contest.slug
    found = _scan(page, "organiser-home", reverse("organiser_home"))
    found += _scan(page, "dashboard", reverse("organiser_contest", args=[slug]))
    found += _scan(page, "contest-form", reverse("organiser_contest_edit", args=[slug]))
    found += _scan(page, "run-monitor", reverse("run_monitor", args=[slug]))
    found += _scan(page, "home-organiser", reverse("home"))

    _assert_none_blocking(found)


def test_judge_pages(open_page: OpenPage, judge: User, scene: Entry) -> None:
    page = open_page()
    sign_in(page, judge)
    found = _scan(page, "judging-home", reverse("judging_home"))
    found += _scan(page, "home-judge", reverse("home"))

    _assert_none_blocking(found)


def test_failed_submit_moves_focus_to_the_error_summary_and_announces_it_once(
    open_page: OpenPage, staff: User, open_contest: Contest
) -> None:
    page = open_page()
    sign_in(page, staff)
    page.goto(reverse("entry_create", args=[open_contest.slug]))

    page.locator("main form button[name=action][value=submit]").click()

    summary = page.locator("main .form-errors")
    expect(summary).to_be_focused()
    expect(page.locator("[role=alert]")).to_have_count(1)
    # The summary links to each field to correct.
    summary.locator("a").first.click()
    expect(page.locator("main [aria-invalid=true]").first).to_be_focused()


def test_every_part_of_the_page_is_in_a_landmark(open_page: OpenPage, staff: User) -> None:
    page = open_page()
    sign_in(page, staff)
    outside = page.evaluate(
        """() => [...document.body.children]
            .filter(el => !el.matches('header, nav, main, footer, script, [aria-hidden=true]'))
            .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert outside == []


def test_phone_header_is_compact_and_its_targets_are_large_enough(
    open_page: OpenPage, organiser: User, judge: User, open_contest: Contest
) -> None:
    open_contest.judges.add(organiser)
    page = open_page(PHONE)
    sign_in(page, organiser)
    snap(page, "phone-header")

    # Brand, tools and menu in three short rows (the offline note below them aside).
    header = page.locator("header .header-row").bounding_box()
    assert header is not None and header["height"] <= 130, header
    for target in page.locator("header a, header button, header select").all():
        box = target.bounding_box()
        if box is None or not target.is_visible():
            continue
        assert box["height"] >= 24, (target.inner_text(), box)
    # No part of the header is wider than the phone.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_gallery_pages(open_page: OpenPage, staff: User, viewport: dict) -> None:
    from tests.gallery.conftest import make_prompt

    prompt = make_prompt(
        award_name="最優秀賞",
        rationale="どの課でも使える。",
        minutes_before=30,
        minutes_after=5,
        minutes_saved=25,
        examples=[{"task": "通知", "input": "例文", "output": "要約", "model": "gpt-4o-mini"}],
    )
    page = open_page(viewport)
    sign_in(page, staff)
    found = _scan(page, "gallery", reverse("gallery_list") + "?q=要約")
    found += _scan(page, "gallery-prompt", reverse("gallery_detail", args=[prompt.pk]))

    _assert_none_blocking(found)
