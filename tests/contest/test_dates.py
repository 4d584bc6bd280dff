"""Dates with the weekday, the era when asked, and times left without a comma
(contest/dates.py, pure; the template filters in contest/templatetags/japan_time.py)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from pytest_django import Settings

from contest import dates

# 08:00 UTC is 17:00 in Tokyo (UTC+9, no daylight saving).
DEADLINE = datetime(2025, 6, 30, 8, 0, tzinfo=UTC)


def test_japanese_date_has_the_weekday_and_japan_time() -> None:
    with translation.override("ja"):
        assert dates.format_datetime(DEADLINE) == "2025年6月30日（月）17:00"
        assert dates.format_date(DEADLINE) == "2025年6月30日（月）"


def test_japanese_date_in_the_era_when_asked() -> None:
    with translation.override("ja"):
        assert dates.format_datetime(DEADLINE, era=True) == "令和7年6月30日（月）17:00"
        assert dates.format_date(date(2025, 6, 30), era=True) == "令和7年6月30日（月）"


def test_english_date_reads_naturally_and_keeps_the_western_year() -> None:
    with translation.override("en"):
        assert dates.format_datetime(DEADLINE) == "Mon 30 June 2025, 17:00"
        assert dates.format_datetime(DEADLINE, era=True) == "Mon 30 June 2025, 17:00"
        assert dates.format_date(DEADLINE) == "Mon 30 June 2025"


def test_the_day_is_the_day_in_tokyo_not_in_utc() -> None:
    # 15:00 UTC on 30 April 2019 is midnight in Tokyo: the first minute of Reiwa.
    with translation.override("ja"):
        assert (
            dates.format_datetime(datetime(2019, 4, 30, 15, 0, tzinfo=UTC), era=True)
            == "令和元年5月1日（水）00:00"
        )


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (date(1989, 1, 7), "昭和64"),
        (date(1989, 1, 8), "平成元"),
        (date(1990, 1, 1), "平成2"),
        (date(2019, 4, 30), "平成31"),
        (date(2019, 5, 1), "令和元"),
        (date(2019, 12, 31), "令和元"),
        (date(2020, 1, 1), "令和2"),
        (date(2025, 6, 30), "令和7"),
        (date(1926, 12, 24), None),
    ],
)
def test_era_year_across_the_boundaries(day: date, year: str | None) -> None:
    assert dates.era_year(day) == year


def test_era_boundary_written_out() -> None:
    with translation.override("ja"):
        assert dates.format_date(date(2019, 4, 30), era=True) == "平成31年4月30日（火）"
        assert dates.format_date(date(2019, 5, 1), era=True) == "令和元年5月1日（水）"
        # Before Shōwa there is no era to write: the western year stays.
        assert dates.format_date(date(1900, 1, 1), era=True) == "1900年1月1日（月）"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        dates.format_datetime(datetime(2025, 6, 30, 17, 0))


@pytest.mark.parametrize(
    ("left", "japanese", "english"),
    [
        (timedelta(days=29, hours=5), "残り4週間1日", "4 weeks 1 day left"),
        (timedelta(days=7), "残り1週間", "1 week left"),
        (timedelta(days=3, hours=5, minutes=10), "残り3日5時間", "3 days 5 hours left"),
        (timedelta(hours=2, minutes=30), "残り2時間30分", "2 hours 30 minutes left"),
        (timedelta(hours=1), "残り1時間", "1 hour left"),
        (timedelta(seconds=90), "残り1分", "1 minute left"),
        (timedelta(days=400), "残り1年1か月", "1 year 1 month left"),
        (timedelta(days=45), "残り1か月2週間", "1 month 2 weeks left"),
        (timedelta(seconds=30), "残り1分未満", "less than a minute left"),
        (timedelta(0), "締め切りを過ぎました", "time is up"),
        (timedelta(hours=-3), "締め切りを過ぎました", "time is up"),
    ],
)
def test_time_left_in_two_units_without_a_comma(
    left: timedelta, japanese: str, english: str
) -> None:
    now = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    with translation.override("ja"):
        assert dates.format_time_left(now + left, now) == japanese
    with translation.override("en"):
        assert dates.format_time_left(now + left, now) == english


def test_duration_parts_round_down_and_skip_a_zero_second_unit() -> None:
    assert dates.duration_parts(29 * 86400 + 5 * 3600) == [(7 * 86400, 4), (86400, 1)]
    assert dates.duration_parts(14 * 86400 + 3600) == [(7 * 86400, 2)]
    assert dates.duration_parts(59) == []


def _render(source: str, **context: object) -> str:
    return Template("{% load japan_time %}" + source).render(Context(context))


def test_filters_follow_the_era_setting(settings: Settings) -> None:
    with translation.override("ja"):
        assert _render("{{ d|japan_datetime }}", d=DEADLINE) == "2025年6月30日（月）17:00"
        settings.JAPANESE_ERA_DATES = True
        assert _render("{{ d|japan_datetime }}", d=DEADLINE) == "令和7年6月30日（月）17:00"
        assert _render("{{ d|japan_date }}", d=DEADLINE) == "令和7年6月30日（月）"
        assert _render("{{ d|japan_date }}", d=None) == ""


def test_time_left_filter_counts_from_now() -> None:
    with translation.override("ja"):
        soon = timezone.now() + timedelta(days=29, hours=5, seconds=30)
        assert _render("{{ d|time_left }}", d=soon) == "残り4週間1日"
