"""Take the README's screenshots from a running demo (`make run`), with Chromium.

    make run                                  # in one terminal: demo data, web and worker
    .venv/bin/python docs/screenshots.py      # in another; BASE_URL defaults to :8000

Signs in as the demo's entrants and organiser (their published logins, `seed_demo`), and
writes docs/screenshot-*.png. Japanese text needs a Japanese font on the machine (Debian:
fonts-ipafont-gothic or fonts-noto-cjk); without one Chromium draws boxes.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
PASSWORD = "minatozaka-demo-2025"  # noqa: S105 (seed_demo prints it for everyone)
DOMAIN = "city.minatozaka.example.jp"
WIDTH = 1280
DEMO_CONTEST = "r7-prompt-contest-1"  # contest/demo/contest.json


def sign_in(page: Page, local: str) -> None:
    page.goto(f"{BASE_URL}/accounts/login/")
    page.fill("main form.login input[name=login]", f"{local}@{DOMAIN}")
    page.fill("main form.login input[name=password]", PASSWORD)
    page.click("main form.login button[type=submit]")
    page.wait_for_load_state()
    if page.locator("main input[name=code]").count():
        code = subprocess.run(
            [sys.executable, "manage.py", "seed_demo", "--code"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "DJANGO_DEBUG": "1"},
        ).stdout
        page.fill("main input[name=code]", re.findall(r"\b\d{6}\b", code)[-1])
        page.press("main input[name=code]", "Enter")
    expect(page.locator("header a[href='/accounts/profile/']")).to_be_visible()


def shoot(page: Page, name: str, height: int) -> None:
    page.set_viewport_size({"width": WIDTH, "height": height})
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(DOCS / f"screenshot-{name}.png"))
    print(f"docs/screenshot-{name}.png")


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(base_url=BASE_URL, locale="ja-JP", timezone_id="Asia/Tokyo")
        page = context.new_page()

        sign_in(page, "staff01")
        shoot(page, "home", 800)

        # The entry page: the prompt with its copy buttons, then each task's input beside
        # its output.
        # The first of the entrant's entries that is still open for changes.
        links = page.locator("main table.my-entries td:first-child a")
        urls = [links.nth(i).get_attribute("href") for i in range(links.count())]
        for url in urls:
            page.goto(f"{BASE_URL}{url}")
            if page.locator("main a.button[href$='/edit/']").count():
                break
        page.evaluate("document.querySelector('#prompt-heading').scrollIntoView()")
        shoot(page, "entry", 1000)

        # 試しに実行 on the entry form: the outputs below the form, nothing stored.
        page.locator("main a.button[href$='/edit/']").first.click()
        page.click("main form button[name=action][value=try]")
        results = page.locator("#try-results")
        expect(results).not_to_have_attribute("hx-trigger", re.compile("."), timeout=60_000)
        page.evaluate("document.querySelector('#try-results').scrollIntoView()")
        shoot(page, "try", 1000)

        context.clear_cookies()
        sign_in(page, "organiser")
        page.goto(f"{BASE_URL}/organise/contests/{DEMO_CONTEST}/entries/")
        shoot(page, "entries", 1100)
        browser.close()


if __name__ == "__main__":
    main()
