"""Dates and durations as Japanese staff read them. Pure: no request, no settings, no ORM.

- `format_datetime`: 2025年6月30日（月）17:00, or 令和7年6月30日（月）17:00 with `era=True`;
  in English "Mon 30 June 2025, 17:00" (the era is a Japanese way of writing the year, so
  English keeps the western year).
- `format_date`: the same without the time.
- `format_time_left`: 残り4週間1日 / "4 weeks 1 day left": the largest unit and the one
  next to it, without the comma Django's `timeuntil` puts between them.

Every moment is shown in Japan time, whatever the server's zone: contests run on Japan
time. The words come from the translation catalogue (the active language decides); the
calendar arithmetic is plain Python, so a test can call each function with plain values.
The template filters in `contest/templatetags/japan_time.py` read the era setting.
"""

from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.utils.dates import MONTHS, WEEKDAYS_ABBR
from django.utils.translation import get_language, ngettext, pgettext
from django.utils.translation import gettext as _

JAPAN = ZoneInfo("Asia/Tokyo")


class Era(NamedTuple):
    name: str
    starts: date


# Newest first. An era's first year is 元年 and counts from its first day, so the year
# changes on 1 January as the western one does (平成31年4月30日, 令和元年5月1日, 令和2年1月1日).
ERAS = (
    Era("令和", date(2019, 5, 1)),
    Era("平成", date(1989, 1, 8)),
    Era("昭和", date(1926, 12, 25)),
)


def japan_time(value: datetime) -> datetime:
    """An aware moment as the clock in Tokyo shows it (UTC+9, no daylight saving)."""
    if value.tzinfo is None:
        raise ValueError("A naive datetime has no place in time; pass an aware one.")
    return value.astimezone(JAPAN)


def era_year(day: date) -> str | None:
    """`令和7`, `令和元` or `平成31` for the day; None before Shōwa (no need on this site)."""
    for era in ERAS:
        if day >= era.starts:
            number = day.year - era.starts.year + 1
            return f"{era.name}{'元' if number == 1 else number}"
    return None


def _date_parts(day: date, *, era: bool) -> dict[str, object]:
    year: str = str(day.year)
    if era:
        year = era_year(day) or year
    return {
        "year": year,
        # "June"; Django's own catalogue gives 「6月」 in Japanese.
        "month": str(MONTHS[day.month]),
        "day": day.day,
        "weekday": str(WEEKDAYS_ABBR[day.weekday()]),
    }


def format_date(value: datetime | date, *, era: bool = False) -> str:
    """2025年6月30日（月） / Mon 30 June 2025 (an aware datetime is taken in Japan time)."""
    day = japan_time(value).date() if isinstance(value, datetime) else value
    return pgettext("date with weekday", "%(weekday)s %(day)d %(month)s %(year)s") % (
        _date_parts(day, era=era and _era_applies())
    )


def format_datetime(value: datetime, *, era: bool = False) -> str:
    """2025年6月30日（月）17:00 / Mon 30 June 2025, 17:00, in Japan time."""
    local = japan_time(value)
    return pgettext(
        "date with weekday and time", "%(weekday)s %(day)d %(month)s %(year)s, %(time)s"
    ) % {**_date_parts(local.date(), era=era and _era_applies()), "time": f"{local:%H:%M}"}


def _era_applies() -> bool:
    """The era names a year in Japanese only; the English text keeps the western year."""
    return (get_language() or "").startswith("ja")


# Units of a duration, largest first: (seconds, the words for a count of them).
_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
_MONTH = 30 * _DAY
_YEAR = 365 * _DAY


def _unit_words(unit: int, count: int) -> str:
    words = {
        _YEAR: ngettext("%(count)d year", "%(count)d years", count),
        _MONTH: ngettext("%(count)d month", "%(count)d months", count),
        _WEEK: ngettext("%(count)d week", "%(count)d weeks", count),
        _DAY: ngettext("%(count)d day", "%(count)d days", count),
        _HOUR: ngettext("%(count)d hour", "%(count)d hours", count),
        _MINUTE: ngettext("%(count)d minute", "%(count)d minutes", count),
    }[unit]
    return words % {"count": count}


def duration_parts(seconds: int) -> list[tuple[int, int]]:
    """(unit in seconds, count) for the largest unit and, when not zero, the next one.

    29 days -> 4 weeks 1 day; 3 days 5 h 10 min -> 3 days 5 hours; 59 s -> nothing.
    Counts are whole (what is left rounds down), as a countdown shows them.
    """
    units = (_YEAR, _MONTH, _WEEK, _DAY, _HOUR, _MINUTE)
    for index, unit in enumerate(units):
        count, rest = divmod(seconds, unit)
        if count:
            parts = [(unit, count)]
            if index + 1 < len(units) and (smaller := rest // units[index + 1]):
                parts.append((units[index + 1], smaller))
            return parts
    return []


def format_duration(seconds: int) -> str:
    """4週間1日 / 4 weeks 1 day; "" under a minute."""
    parts = [_unit_words(unit, count) for unit, count in duration_parts(max(seconds, 0))]
    if len(parts) == 2:
        return pgettext("a duration in two units, e.g. 4 weeks 1 day", "%(larger)s %(smaller)s") % {
            "larger": parts[0],
            "smaller": parts[1],
        }
    return parts[0] if parts else ""


def format_time_left(until: datetime, now: datetime) -> str:
    """残り4週間1日 / 4 weeks 1 day left; says so when less than a minute or none is left."""
    seconds = int((until - now) / timedelta(seconds=1))
    if seconds <= 0:
        return _("time is up")
    if seconds < _MINUTE:
        return _("less than a minute left")
    return _("%(duration)s left") % {"duration": format_duration(seconds)}
