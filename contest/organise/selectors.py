"""Organiser reads: contests with their counts. Organisers share every contest."""

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from contest.models import Contest, Entry, SampleTask


def _count(model: type[Entry] | type[SampleTask], **filters: object) -> Coalesce:
    rows = (
        model.objects.filter(contest=OuterRef("pk"), **filters)
        .order_by()
        .values("contest")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def contests_for_organiser() -> QuerySet[Contest]:
    """Every contest with its entry, task and judge counts: one query however many."""
    return Contest.objects.annotate(
        entry_count=_count(Entry),
        submitted_count=_count(Entry, status=Entry.Status.SUBMITTED),
        task_count=_count(SampleTask),
        judge_count=Count("judges", distinct=True),
    ).order_by("-opens_at", "pk")


def entry_counts_by_status(*, contest: Contest) -> dict[str, int]:
    rows = contest.entries.order_by().values("status").annotate(n=Count("pk"))
    counts = {status: 0 for status in Entry.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
