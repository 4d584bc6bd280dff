"""A web address name (slug) suggested from a contest's title. Pure: no query, no request.

A Latin title is slugified: "FY2025 Staff Prompt Contest" → `fy2025-staff-prompt-contest`.
A title with Japanese in it cannot be spelled in ASCII without a dictionary, and slugifying
it would keep only its stray Latin words (令和7年度 AIコンテスト → `7-ai`); it gets the
Japanese fiscal year and a counter instead: `r7-1` when the title names the year in 令和,
`2025-1` otherwise (the year the title names, or the fiscal year of `day`, which starts on
1 April). The counter is the title's 第N回 when it has one and that name is free, else the
lowest number not taken. A taken Latin name gets `-2`, `-3`, … The result always matches
Django's slug pattern and fits the field; an empty title suggests nothing.
"""

import re
import unicodedata
from collections.abc import Collection, Iterator
from datetime import date
from itertools import count

from django.utils.text import slugify

MAX_LENGTH = 80
# Room for a "-NN" counter after a long slugified title.
STEM_LENGTH = 60
REIWA_FIRST_YEAR = 2019  # 令和元年

JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
LATIN = re.compile(r"[A-Za-z]")
REIWA_YEAR = re.compile(r"(?:令和|(?<![A-Za-z])R)\s*(元|\d{1,2})\s*年")
WESTERN_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
ROUND = re.compile(r"第\s*(\d{1,3})\s*回")


def fiscal_year(day: date) -> int:
    """The Japanese fiscal year `day` belongs to: April to March."""
    return day.year if day.month >= 4 else day.year - 1


def _is_latin(title: str) -> bool:
    return bool(LATIN.search(title)) and not JAPANESE.search(title)


def slug_stem(title: str, *, day: date) -> str:
    """What every suggestion for this title starts with: `fy2025-…`, `r7` or `2025`."""
    title = unicodedata.normalize("NFKC", title).strip()
    if not title:
        return ""
    if _is_latin(title):
        return slugify(title)[:STEM_LENGTH].strip("-_")
    if reiwa := REIWA_YEAR.search(title):
        year = reiwa.group(1)
        return f"r{1 if year == '元' else int(year)}"
    if western := WESTERN_YEAR.search(title):
        return western.group(1)
    return str(fiscal_year(day))


def _candidates(stem: str, title: str) -> Iterator[str]:
    if _is_latin(title):
        yield stem
        first_counter = 2
    else:
        if preferred := ROUND.search(title):
            yield f"{stem}-{int(preferred.group(1))}"
        first_counter = 1
    for number in count(first_counter):
        yield f"{stem}-{number}"


def suggest_slug(title: str, *, day: date, taken: Collection[str]) -> str:
    """A free web address name for a contest called `title` (see the module docstring)."""
    stem = slug_stem(title, day=day)
    if not stem:
        return ""
    title = unicodedata.normalize("NFKC", title)
    return next(name for name in _candidates(stem, title) if name not in taken)
