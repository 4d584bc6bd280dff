"""Every main page loads cleanly: no console error (CSP violations are console errors) and
no request to anywhere but the site itself."""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from contest import services
from contest.models import Contest
from tests import factories
from tests.browser.conftest import PageEvents, sign_in, snap

pytestmark = pytest.mark.browser

# The icon a browser fetches for the page: the one it names, else /favicon.ico.
ICON_URL = """() => document.querySelector("link[rel~=icon]")?.href
    ?? new URL("/favicon.ico", location.href).href"""


def test_pages_have_no_console_errors_and_no_external_requests(
    page: Page, page_events: PageEvents, live_server: LiveServer, staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(open_contest, staff)
    services.entry_submit(entry=entry)  # its page shows the run grid and polls it

    icons = set()

    def visit(name: str, url: str, shows: str) -> None:
        page.goto(url)
        expect(page.locator(shows).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        icons.add(page.evaluate(ICON_URL))
        snap(page, f"page-{name}")

    visit("login", reverse("account_login"), "main form.login")
    sign_in(page, staff)
    for name, url, shows in [
        ("home", reverse("home"), "main h1"),
        ("contests", reverse("contest_list"), "main .grid article.card"),
        ("contest", reverse("contest_detail", args=[open_contest.slug]), "main h1"),
        ("entry-form", reverse("entry_create", args=[open_contest.slug]), "main textarea"),
        ("entry", reverse("entry_detail", args=[entry.pk]), "#runs .run-tally"),
        ("gallery", reverse("gallery_list"), "main h1"),
    ]:
        visit(name, url, shows)

    assert page_events.console_errors == []
    site = urlsplit(live_server.url).netloc
    elsewhere = [url for url in page_events.requests if urlsplit(url).netloc != site]
    assert elsewhere == []
    # The browser asks for the page's icon when it likes (a 404 is a console error then):
    # ask now, so a missing icon fails every time rather than now and then.
    for icon in icons - {"data:,"}:  # an empty inline icon: nothing to fetch
        assert urlsplit(icon).netloc == site, icon
        assert page.request.get(icon).status == 200, icon
    # The pages really were fetched, with their style sheet and scripts.
    for path in ("/static/css/site.css", "/static/js/site.js"):
        assert page_events.requests_to(path), path
