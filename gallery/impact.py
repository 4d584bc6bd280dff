"""Reads for the impact dashboard (organisers): what the contests and the gallery achieved.

Per contest or overall, in a fixed number of queries whatever the data's size (each figure
is one aggregate in the database):

- entries and participants (distinct authors) by the author's department, and entries per
  category: submitted entries only (drafts are not entered, withdrawn ones left);
- copies, uses, tries and likes: the prompts' counters — overall every prompt in the
  gallery (imported ones too: our staff using another city's prompt saves our time), per
  contest the prompts published from it;
- estimated hours saved per month: Σ over the uses reported in that month of the prompt's
  minutes saved per use (minutes_before − minutes_after, never below zero; a prompt
  without both counts nothing), for the last MONTHS months, plus the total of all time.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from contest.models import Contest, Entry
from gallery.models import GalleryPrompt, GalleryUse

MONTHS = 12


@dataclass(frozen=True)
class DepartmentRow:
    name: str
    entries: int
    participants: int


@dataclass(frozen=True)
class MonthRow:
    month: date
    uses: int
    minutes: int

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass(frozen=True)
class Impact:
    contest: Contest | None
    departments: list[DepartmentRow]
    categories: list[tuple[str, int]]
    entries: int
    participants: int
    prompts: int
    copies: int
    uses: int
    tries: int
    likes: int
    months: list[MonthRow]
    minutes_total: int

    @property
    def hours_total(self) -> float:
        return round(self.minutes_total / 60, 1)

    @property
    def hours_in_months(self) -> float:
        return round(sum(row.minutes for row in self.months) / 60, 1)


def month_starts(today: date, count: int = MONTHS) -> list[date]:
    """The first days of the `count` months ending with `today`'s, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date((i // 12), i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def impact_contests() -> list[Contest]:
    """The contests the dashboard can be narrowed to: every one past its draft."""
    return list(
        Contest.objects.exclude(status=Contest.Status.DRAFT)
        .only("slug", "title", "status", "opens_at")
        .order_by("-opens_at", "-pk")
    )


def _department_name(ja: str | None, en: str | None) -> str:
    if ja is None:
        return ""
    if (get_language() or "ja").startswith("en") and en:
        return en
    return ja


def impact_for(*, contest: Contest | None, now: datetime | None = None) -> Impact:
    """The dashboard's figures for `contest`, or for everything when it is None (5 queries)."""
    entries = Entry.objects.filter(status=Entry.Status.SUBMITTED)
    # Unpublished prompts keep what was copied and used before they were taken down.
    prompts = GalleryPrompt.objects.all()
    uses = GalleryUse.objects.all()
    if contest is not None:
        entries = entries.filter(contest=contest)
        prompts = prompts.filter(contest=contest)
        uses = uses.filter(prompt__contest=contest)

    by_department = (
        entries.values("author__department__name_ja", "author__department__name_en")
        .annotate(entries=Count("pk"), participants=Count("author", distinct=True))
        .order_by("-entries", "author__department__name_ja")
    )
    departments = [
        DepartmentRow(
            name=_department_name(
                row["author__department__name_ja"], row["author__department__name_en"]
            ),
            entries=row["entries"],
            participants=row["participants"],
        )
        for row in by_department
    ]
    totals = entries.aggregate(entries=Count("pk"), participants=Count("author", distinct=True))
    categories = [
        (row["category__name"] or "", row["entries"])
        for row in entries.values("category__name")
        .annotate(entries=Count("pk"))
        .order_by("-entries", "category__name")
    ]
    counters = prompts.aggregate(
        prompts=Count("pk", filter=Q(status=GalleryPrompt.Status.PUBLISHED)),
        copies=Sum("copy_count", default=0),
        uses=Sum("use_count", default=0),
        tries=Sum("try_count", default=0),
        likes=Sum("like_count", default=0),
    )

    today = timezone.localdate(now)
    starts = month_starts(today)
    since = timezone.make_aware(datetime(starts[0].year, starts[0].month, 1))
    monthly = {
        timezone.localtime(row["month"]).date(): row
        for row in uses.filter(created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(uses=Count("pk"), minutes=Sum("prompt__minutes_saved", default=0))
        .order_by("month")
    }
    months = [
        MonthRow(
            month=start,
            uses=monthly[start]["uses"] if start in monthly else 0,
            minutes=monthly[start]["minutes"] if start in monthly else 0,
        )
        for start in starts
    ]
    minutes_total = uses.aggregate(minutes=Sum("prompt__minutes_saved", default=0))["minutes"]
    return Impact(
        contest=contest,
        departments=departments,
        categories=categories,
        entries=totals["entries"],
        participants=totals["participants"],
        months=months,
        minutes_total=minutes_total,
        **counters,
    )
