"""Organiser reads: contests with their counts, a contest's entries, a suggested slug.

Organisers share every contest, so nothing here is narrowed to the person asking.
"""

from dataclasses import dataclass
from datetime import date

from django.db import models
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accounts.models import Department
from contest.models import Category, Contest, Entry, Run, SampleTask
from contest.organise.slugs import slug_stem, suggest_slug


def _count(model: type[models.Model], field: str = "contest", **filters: object) -> Coalesce:
    rows = (
        model._default_manager.filter(**{field: OuterRef("pk")}, **filters)
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def contests_for_organiser() -> QuerySet[Contest]:
    """Every contest with its entry, task and judge counts: one query however many.

    Every count is its own subquery: a join to the judges would repeat each contest once
    per judge, and every entry count with it (at 10,000 entries and 20 judges the page
    took a second).
    """
    return Contest.objects.annotate(
        entry_count=_count(Entry),
        submitted_count=_count(Entry, status=Entry.Status.SUBMITTED),
        task_count=_count(SampleTask),
        judge_count=_count(Contest.judges.through),
    ).order_by("-opens_at", "pk")


def contest_slug_suggestion(*, title: str, day: date) -> str:
    """A web address name for a new contest called `title` that no contest uses yet."""
    stem = slug_stem(title, day=day)
    if not stem:
        return ""
    taken = set(Contest.objects.filter(slug__startswith=stem).values_list("slug", flat=True))
    return suggest_slug(title, day=day, taken=taken)


def entry_counts_by_status(*, contest: Contest) -> dict[str, int]:
    rows = contest.entries.order_by().values("status").annotate(n=Count("pk"))
    counts = {status: 0 for status in Entry.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


# --- The entries page -------------------------------------------------------------------

# Sort keys offered on the entries page, each with a stable tie-break.
ENTRY_SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-created_at", "-pk"),
    "title": ("title", "pk"),
    "author": ("author__display_name", "author__email", "pk"),
    "department": ("author__department__code", "author__display_name", "pk"),
    "failed": ("-runs_failed", "-created_at", "-pk"),
}
DEFAULT_ENTRY_SORT = "newest"


@dataclass(frozen=True)
class EntryFilters:
    """What the entries page (and its CSV) shows; every field comes from the URL."""

    status: str = ""
    category: Category | None = None
    department: Department | None = None
    text: str = ""
    sort: str = DEFAULT_ENTRY_SORT


def _current_runs(**conditions: object) -> Coalesce:
    """Runs of the entry's current revision meeting `conditions`, counted in the same query.

    A subquery per row rather than a join: the database counts only the rows it shows (a
    page of 50), where a join and GROUP BY counted every run of the contest first.
    """
    current = Q(entry=OuterRef("pk"), revision__number=OuterRef("revision"))
    rows = (
        Run.objects.filter(current, **conditions)
        .order_by()
        .values("entry")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def contest_entries(*, contest: Contest, filters: EntryFilters) -> QuerySet[Entry]:
    """The contest's entries with their run and check summaries: one query for any number.

    Runs are those of each entry's current revision (what judges will see): succeeded,
    failed and pending; `runs_checked` went through the sample task's checks and
    `runs_passing` passed all of them.
    """
    entries = (
        Entry.objects.filter(contest=contest)
        .select_related("author__department", "category")
        .annotate(
            runs_succeeded=_current_runs(status=Run.Status.SUCCEEDED),
            runs_failed=_current_runs(status=Run.Status.FAILED),
            runs_pending=_current_runs(status__in=Run.PENDING),
            runs_checked=_current_runs(checks_passed__isnull=False),
            runs_passing=_current_runs(checks_passed=True),
        )
    )
    if filters.status:
        entries = entries.filter(status=filters.status)
    if filters.category is not None:
        entries = entries.filter(category=filters.category)
    if filters.department is not None:
        entries = entries.filter(author__department=filters.department)
    if filters.text:
        entries = entries.filter(
            Q(title__icontains=filters.text)
            | Q(author__display_name__icontains=filters.text)
            | Q(author__email__icontains=filters.text)
        )
    return entries.order_by(*ENTRY_SORTS.get(filters.sort, ENTRY_SORTS[DEFAULT_ENTRY_SORT]))


def contest_entrant_departments(*, contest: Contest) -> QuerySet[Department]:
    """The departments of the people who entered the contest: the department filter's choices."""
    # EXISTS stops at each department's first entry, where a join read every entry.
    entered = Entry.objects.filter(contest=contest, author__department=OuterRef("pk"))
    return Department.objects.filter(Exists(entered))
