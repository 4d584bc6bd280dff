"""Colours in static/css/site.css meet WCAG 2.2 AA: status badges' text at least 4.5:1 on
their own background, the focus ring at least 3:1 on every background a control sits on."""

from pathlib import Path

import pytest

from tests.contrast import contrast_ratio, css_rules, custom_properties, resolve_colour

CSS = (Path(__file__).resolve().parent.parent / "static/css/site.css").read_text()
PROPERTIES = custom_properties(CSS)
RULES = css_rules(CSS)


def _declared(selector: str, prop: str) -> str | None:
    for selectors, declarations in RULES:
        if selector in selectors and prop in declarations:
            return resolve_colour(declarations[prop], PROPERTIES)
    return None


def _badges() -> list[tuple[str, str, str]]:
    """(selector, text colour, background) of every badge rule, unset ones from `.badge`."""
    base_text = _declared(".badge", "color")
    base_background = _declared(".badge", "background")
    assert base_text and base_background
    found = []
    for selectors, declarations in RULES:
        for selector in selectors:
            if selector.startswith(".badge") and (
                "color" in declarations or "background" in declarations
            ):
                text = resolve_colour(declarations.get("color", ""), PROPERTIES) or base_text
                background = (
                    resolve_colour(declarations.get("background", ""), PROPERTIES)
                    or base_background
                )
                found.append((selector, text, background))
    return found


def test_contrast_ratio_matches_the_wcag_reference_values() -> None:
    assert contrast_ratio("#000", "#fff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#fff") == pytest.approx(1.0)
    # WCAG's own example pair, #777 on white, falls just short of 4.5:1.
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_the_stylesheet_has_the_badges_this_test_reads() -> None:
    selectors = {selector for selector, _text, _background in _badges()}
    assert {".badge", ".badge.failed", ".badge.succeeded", ".badge.queued"} <= selectors


@pytest.mark.parametrize(("selector", "text", "background"), _badges())
def test_status_badge_text_contrast_is_at_least_4_5(
    selector: str, text: str, background: str
) -> None:
    assert contrast_ratio(text, background) >= 4.5, f"{selector}: {text} on {background}"


# Every background a focusable control sits on: the page, cards and the header, and the
# notes and messages that can hold links.
SURFACES = [
    ":root",
    ".card",
    ".site-header",
    ".message",
    ".message.error",
    ".message.success",
    ".message.warning",
    ".form-errors",
    ".offline-banner",
    ".kept-image",
    ".held-note",
    "pre.output",
]


@pytest.mark.parametrize("surface", SURFACES)
def test_focus_ring_contrast_is_at_least_3_on_every_surface(surface: str) -> None:
    ring = _declared(":focus-visible", "outline")
    background = _declared(surface, "background")
    assert ring, "the focus ring has no colour"
    assert background, f"{surface} has no background colour"

    assert contrast_ratio(ring, background) >= 3.0, f"focus {ring} on {surface} {background}"
