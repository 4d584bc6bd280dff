"""Dates and times left in templates, in Japan time (`{% load japan_time %}`).

    {{ contest.closes_at|japan_datetime }}   2025年6月30日（月）17:00
    {{ contest.opens_at|japan_date }}        2025年6月2日（月）
    {{ contest.closes_at|time_left }}        残り4週間1日

With `JAPANESE_ERA_DATES` on, Japanese pages write the year in the era (令和7年).
The formatting itself is `contest.dates`; this only reads the setting and the clock.
Template libraries are global, so every app's templates load this one.
"""

from datetime import datetime

from django import template
from django.conf import settings
from django.utils import timezone

from contest import dates

register = template.Library()


@register.filter
def japan_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return dates.format_datetime(value, era=settings.JAPANESE_ERA_DATES)


@register.filter
def japan_date(value: datetime | None) -> str:
    if value is None:
        return ""
    return dates.format_date(value, era=settings.JAPANESE_ERA_DATES)


@register.filter
def time_left(value: datetime | None) -> str:
    if value is None:
        return ""
    return dates.format_time_left(value, timezone.now())
