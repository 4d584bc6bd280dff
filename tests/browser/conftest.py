"""Headless Chromium (Debian's package) driven by Playwright against the live test server.

The live server answers in threads of this process and publishes run messages through
whatever Celery app is the default there; each test makes that a broker of its own (an
in-memory one, or Redis with a real worker from the integration harness), so no test
leaves messages in the embedded broker's folder for a `make run` worker to find.
"""

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from allauth.mfa.models import Authenticator
from celery import Celery
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Error,
    Locator,
    Page,
    Request,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from config.celery import app as project_app
from contest.models import Contest
from tests import factories
from tests.integration.harness import Worker, publishing_to, worker_env
from tests.services import fresh_redis_url, require

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 15_000
# The integration tests take Redis databases 9-15 in turn and flush the one they take; a
# database of our own keeps a session of each, running at the same time, out of the
# other's queues (a worker there would take our messages and drop them).
# The integration tests use databases 9..15.
REDIS_DATABASE = 8
# Set to a folder to keep a screenshot of each step `snap` is called at (for a person).
SCREENSHOTS = os.environ.get("BROWSER_SCREENSHOTS", "")

expect.set_options(timeout=TIMEOUT_MS)


def ui_text(message: str, language: str = "ja") -> str:
    """`message` as the site shows it in `language`, whether or not it is translated yet."""
    with translation.override(language):
        return translation.gettext(message)


# --- The browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    # Debian's build: `playwright install` would download a browser, which cannot happen here.
    require(
        Path(CHROMIUM).exists(),
        f"chromium is not installed at {CHROMIUM} (apt-get install -y chromium)",
    )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer, transactional_db: None) -> Iterator[Page]:
    context = browser.new_context(
        base_url=live_server.url, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


@dataclass
class PageEvents:
    """What a page did that a person does not see: console errors and every request."""

    console_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_page_error(self, error: Error) -> None:
        self.console_errors.append(f"uncaught: {error.message}")

    def on_request(self, request: Request) -> None:
        self.requests.append(request.url)

    def requests_to(self, path: str) -> list[str]:
        return [url for url in self.requests if urlsplit(url).path == path]


@pytest.fixture
def page_events(page: Page) -> PageEvents:
    events = PageEvents()
    page.on("console", events.on_console)
    page.on("pageerror", events.on_page_error)
    page.on("request", events.on_request)
    return events


def snap(page: Page, name: str) -> None:
    """A full-page screenshot when BROWSER_SCREENSHOTS names a folder; nothing otherwise."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


def sign_in(page: Page, user: User) -> None:
    """Through allauth's sign-in page, as a person would; ends on the page it leads to.

    A user with an authenticator app (organisers, judges) types its current code next.
    """
    page.goto(reverse("account_login"))
    form = page.locator("main form.login")
    form.locator("input[name=login]").fill(user.email)
    form.locator("input[name=password]").fill(factories.PASSWORD)
    form.locator("button[type=submit]").click()
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        expect(page).to_have_url(re.compile(re.escape(reverse("mfa_authenticate")) + "$"))
        code = page.locator("main input[name=code]")
        code.fill(factories.totp_code())
        code.press("Enter")
    expect(page.locator(f"header a[href='{reverse('profile')}']")).to_be_visible()


# --- Brokers and the worker -------------------------------------------------------------------


@contextmanager
def publishing_from_every_thread(
    broker_url: str, transport_options: dict[str, Any] | None = None
) -> Iterator[Celery]:
    """The harness's `publishing_to`, for the live server's request threads as well.

    `publishing_to` makes its app current for the test's thread only; the live server
    answers in threads of its own, which publish through the default app.
    """
    with publishing_to(broker_url, transport_options) as app:
        app.set_default()
        try:
            yield app
        finally:
            project_app.set_default()


@pytest.fixture(autouse=True)
def broker_in_memory() -> Iterator[Celery]:
    """Runs queued by a test without a worker go nowhere; a worker test nests Redis inside."""
    with publishing_from_every_thread("memory://") as app:
        yield app


@pytest.fixture
def redis_broker() -> str:
    """The test Redis server, as the integration tests need it: skip without, fail in CI."""
    return fresh_redis_url(REDIS_DATABASE)


StartWorker = Callable[[], Worker]


@pytest.fixture
def start_worker(
    transactional_db: None, redis_broker: str, tmp_path: Path
) -> Iterator[StartWorker]:
    """Publish to Redis from every thread; start a real worker on it when the test says.

    The worker is stopped before the database is flushed (this fixture needs the database).
    Runs use the contest's `echo` provider, so no model server is called.
    """
    workers: list[Worker] = []

    def start() -> Worker:
        env = worker_env(broker_url=redis_broker, llm_base_url="http://127.0.0.1:9/v1")
        env["LLM_PROVIDER"] = "echo"
        worker = Worker(env, tmp_path / "worker.log", concurrency=2)
        workers.append(worker)
        return worker.start()

    with publishing_from_every_thread(redis_broker):
        yield start
        for worker in workers:
            worker.stop()


# --- Data -------------------------------------------------------------------------------------


PROMPT = "次の文章を住民向けに3行で要約してください。\n{{input}}"


def fill_entry_form(
    page: Page, *, title: str, prompt: str = PROMPT, category: str = "要約"
) -> None:
    """Every field of the entry form, as an entrant types them; the box to submit ticked."""
    form = page.locator("main form[enctype='multipart/form-data']")
    form.locator("[name=title]").fill(title)
    form.locator("[name=category]").select_option(label=category)
    form.locator("[name=purpose]").fill("長い通知文を住民向けに短くまとめる")
    form.locator("[name=system_prompt]").fill("あなたは市役所の広報担当です。")
    form.locator("[name=prompt_template]").fill(prompt)
    form.locator("[name=usage_notes]").fill(
        "通知文を貼り付けて使います。期限の記載を確認してください。"
    )
    form.locator("[name=minutes_before]").fill("30")
    form.locator("[name=minutes_after]").fill("5")
    form.locator("[name=confirm_no_personal_data]").check()


def submit_button(page: Page) -> Locator:
    return page.locator("main form button[name=action][value=submit]")


def open_entry_form(page: Page, contest: Contest) -> None:
    """From the list of contests to the entry form, through the links a person clicks."""
    page.goto(reverse("contest_list"))
    page.locator(f"main a[href='{reverse('contest_detail', args=[contest.slug])}']").first.click()
    expect(page.locator("main h1")).to_have_text(contest.title)
    page.locator(f"main a.button[href='{reverse('entry_create', args=[contest.slug])}']").click()
    expect(page.locator("main [name=prompt_template]")).to_be_visible()
