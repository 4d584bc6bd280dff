"""The web address name suggested from a contest's title: a pure function."""

from datetime import date

import pytest
from django.core.validators import validate_slug

from contest.organise.slugs import fiscal_year, suggest_slug

JUNE_2025 = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2025, 4, 1), 2025), (date(2026, 3, 31), 2025), (date(2025, 3, 31), 2024)],
)
def test_fiscal_year_starts_in_april(day: date, year: int) -> None:
    assert fiscal_year(day) == year


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("令和7年度 第1回 職員プロンプトコンテスト", "r7-1"),
        ("令和７年度 第２回 職員プロンプトコンテスト", "r7-2"),  # full-width digits
        ("令和元年度 職員コンテスト", "r1-1"),
        ("R7年度 AIプロンプトコンテスト", "r7-1"),
        ("2025年度 職員プロンプトコンテスト", "2025-1"),
        ("職員プロンプトコンテスト", "2025-1"),  # the fiscal year of the day given
        ("FY2025 Staff Prompt Contest!", "fy2025-staff-prompt-contest"),
        ("Ｓｐｒｉｎｇ Ｃｏｎｔｅｓｔ", "spring-contest"),
    ],
)
def test_suggestion_for_a_free_name(title: str, expected: str) -> None:
    assert suggest_slug(title, day=JUNE_2025, taken=set()) == expected


def test_japanese_title_with_a_latin_word_still_gets_the_fiscal_year() -> None:
    # Slugifying would keep only "7-ai"; the year and a counter say more.
    assert suggest_slug("令和7年度 AIコンテスト", day=JUNE_2025, taken=set()) == "r7-1"


def test_counter_skips_names_already_taken() -> None:
    taken = {"r7-1", "r7-2", "2025-1"}
    assert suggest_slug("令和7年度 職員コンテスト", day=JUNE_2025, taken=taken) == "r7-3"
    assert suggest_slug("職員コンテスト", day=JUNE_2025, taken=taken) == "2025-2"


def test_a_taken_round_number_falls_back_to_the_lowest_free_counter() -> None:
    title = "令和7年度 第2回 職員コンテスト"
    assert suggest_slug(title, day=JUNE_2025, taken={"r7-2"}) == "r7-1"
    assert suggest_slug(title, day=JUNE_2025, taken={"r7-1", "r7-2"}) == "r7-3"


def test_a_taken_latin_name_gets_a_number() -> None:
    taken = {"spring-contest", "spring-contest-2"}
    assert suggest_slug("Spring contest", day=JUNE_2025, taken=taken) == "spring-contest-3"


def test_empty_title_suggests_nothing() -> None:
    assert suggest_slug("   ", day=JUNE_2025, taken=set()) == ""


@pytest.mark.parametrize("title", ["A" * 300, "Ünïcödé — “quotes” & more", "令和7年度" * 40])
def test_every_suggestion_is_a_valid_slug_that_fits_the_field(title: str) -> None:
    slug = suggest_slug(title, day=JUNE_2025, taken=set())
    validate_slug(slug)
    assert 0 < len(slug) <= 80
