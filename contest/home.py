"""What the home page shows each person: reads scoped to them, a fixed number of queries
however many contests, entries and runs there are.

- `entries_with_runs`: the person's own entries, each with its current revision's runs
  counted by status (done, failed, waiting, cancelled) for the words and the bar.
- `open_contests`: contests accepting entries now, soonest deadline first.
- `contests_in_progress`: for organisers, every contest not yet published and what it
  waits for (`waiting_for`, pure).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import Contest, Entry, Run
from contest.organise.selectors import contests_for_organiser
from contest.rules import japan_time
from contest.runs.selectors import RunTally

ENTRIES_SHOWN = 10


@dataclass(frozen=True)
class MyEntry:
    entry: Entry
    runs: RunTally


def _runs_of_current_revision(*statuses: str) -> Count:
    return Count(
        "runs",
        filter=Q(runs__revision__number=F("revision"), runs__status__in=statuses),
    )


def entries_with_runs(user: User) -> tuple[list[MyEntry], bool]:
    """(the person's latest entries with their runs tallied, whether there are more). One query."""
    rows = list(
        Entry.objects.filter(author=user)
        .exclude(status=Entry.Status.WITHDRAWN)
        .select_related("contest")
        .annotate(
            runs_succeeded=_runs_of_current_revision(Run.Status.SUCCEEDED),
            runs_failed=_runs_of_current_revision(Run.Status.FAILED),
            runs_waiting=_runs_of_current_revision(*Run.PENDING),
            runs_cancelled=_runs_of_current_revision(Run.Status.CANCELLED),
        )
        .order_by("-updated_at", "-pk")[: ENTRIES_SHOWN + 1]
    )
    shown = [
        MyEntry(
            entry=row,
            runs=RunTally(
                succeeded=row.runs_succeeded,
                failed=row.runs_failed,
                waiting=row.runs_waiting,
                cancelled=row.runs_cancelled,
            ),
        )
        for row in rows[:ENTRIES_SHOWN]
    ]
    return shown, len(rows) > ENTRIES_SHOWN


def open_contests(user: User | None, now: datetime | None = None) -> list[Contest]:
    """Accepting entries now, soonest deadline first; for a signed-in person with their own
    entry count (`my_entry_count`). One query."""
    contests = Contest.objects.accepting_entries(now).order_by("closes_at", "pk")
    if user is not None:
        contests = contests.annotate(
            my_entry_count=Count(
                "entries",
                filter=Q(entries__author=user) & ~Q(entries__status=Entry.Status.WITHDRAWN),
            )
        )
    return list(contests)


@dataclass(frozen=True)
class ContestInProgress:
    contest: Contest
    waiting_for: str


def waiting_for(contest: Contest, *, task_count: int, submitted: int, now: datetime) -> str:
    """What a contest that is not yet published waits for, in words an organiser acts on."""
    status = contest.status
    if status == Contest.Status.DRAFT:
        if not task_count:
            return _("Add sample tasks, then open it for entries.")
        return _("Ready to open for entries.")
    if status == Contest.Status.OPEN:
        if now < contest.opens_at:
            return _("Opens for entries on %(when)s.") % {"when": japan_time(contest.opens_at)}
        if now < contest.closes_at:
            return _("Accepting entries until %(when)s; %(count)d submitted so far.") % {
                "when": japan_time(contest.closes_at),
                "count": submitted,
            }
        return _("The deadline has passed: close entries to start judging.")
    if status == Contest.Status.JUDGING:
        return _("The judges are scoring the entries.")
    return _("The results are ready to be published.")


def contests_in_progress(now: datetime | None = None) -> list[ContestInProgress]:
    """Every contest not yet published, newest first, with what it waits for. One query."""
    now = now or timezone.now()
    return [
        ContestInProgress(
            contest=contest,
            waiting_for=waiting_for(
                contest,
                # Annotated by contests_for_organiser, whose queryset type does not say so.
                task_count=getattr(contest, "task_count", 0),
                submitted=getattr(contest, "submitted_count", 0),
                now=now,
            ),
        )
        for contest in contests_for_organiser().exclude(status=Contest.Status.PUBLISHED)
    ]
