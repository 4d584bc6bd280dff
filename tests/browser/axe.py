"""axe-core, the accessibility engine, run in the page under test.

The script comes from the pinned `axe-playwright-python` package (requirements-dev.txt),
which ships axe.min.js: nothing is fetched from a CDN. It is injected as a script tag,
which the site's Content-Security-Policy (script-src 'self') would refuse, so the pages
it scans are opened in a browser context that bypasses CSP; the other browser tests keep
the policy and fail on any violation of it.
"""

from dataclasses import dataclass
from pathlib import Path

import axe_playwright_python
from playwright.sync_api import Page

AXE_SCRIPT = Path(axe_playwright_python.__file__).parent / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices (landmarks and the like).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Violation:
    page: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        return f"{self.page}: [{self.impact}] {self.rule} — {self.help} at {self.targets[:5]}"


def axe_violations(page: Page, name: str) -> list[Violation]:
    """Every violation axe finds on the page as it is now, of any impact."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_SCRIPT))
    results = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return [
        Violation(
            page=name,
            rule=found["id"],
            impact=found.get("impact") or "",
            help=found["help"],
            targets=[", ".join(map(str, node["target"])) for node in found["nodes"]],
        )
        for found in results["violations"]
    ]


def blocking(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.impact in BLOCKING]
