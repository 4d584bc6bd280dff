"""Reads about runs: spend against a contest's budget, an entry's run grid, the monitor.

Every function here runs a fixed number of queries whatever the number of runs.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMinute
from django.utils import timezone

from accounts.models import User
from accounts.permissions import is_organiser
from contest.models import Contest, Entry, Run, SampleTask
from contest.runs.checks import describe_check

DONE = (Run.Status.SUCCEEDED, Run.Status.FAILED, Run.Status.CANCELLED)
# Runs that change by themselves; held ones wait for an organiser, perhaps for days, so a
# page showing only those has nothing to poll for.
MOVING = (Run.Status.QUEUED, Run.Status.RUNNING)
MONITOR_MINUTES = 10


# --- Spend and budget -----------------------------------------------------------------------


@dataclass(frozen=True)
class Spend:
    tokens: int
    yen: Decimal


def _spend_aggregates() -> dict[str, Any]:
    # A reply copied from the response cache cost nothing, so it spends no budget.
    paid = Q(from_cache=False)
    return {
        "spent_prompt": Coalesce(Sum("prompt_tokens", filter=paid), 0),
        "spent_completion": Coalesce(Sum("completion_tokens", filter=paid), 0),
        "spent_yen": Coalesce(Sum("cost_yen", filter=paid), Decimal(0)),
    }


def _spend_from(totals: dict[str, Any]) -> Spend:
    return Spend(
        tokens=int(totals["spent_prompt"]) + int(totals["spent_completion"]),
        yen=Decimal(totals["spent_yen"]),
    )


def contest_runs(contest: Contest) -> QuerySet[Run]:
    return Run.objects.filter(entry__contest=contest)


def contest_spend(*, contest: Contest) -> Spend:
    """Tokens and yen the contest's runs have cost so far: one aggregate query."""
    return _spend_from(contest_runs(contest).aggregate(**_spend_aggregates()))


def has_budget(contest: Contest) -> bool:
    return contest.token_budget is not None or contest.yen_budget is not None


def budget_spent_on(contest: Contest, spend: Spend) -> str | None:
    """Which budget the spend has reached: "tokens", "yen" or None. Pure."""
    if contest.token_budget is not None and spend.tokens >= contest.token_budget:
        return "tokens"
    if contest.yen_budget is not None and spend.yen >= contest.yen_budget:
        return "yen"
    return None


def contest_budget_spent(*, contest: Contest) -> str | None:
    """`budget_spent_on` for the contest's current spend; no query when it has no budget."""
    if not has_budget(contest):
        return None
    return budget_spent_on(contest, contest_spend(contest=contest))


# --- An entry's runs --------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckLine:
    passed: bool
    description: str
    detail: str


@dataclass
class RunCell:
    run: Run
    checks: list[CheckLine]


@dataclass
class TaskRow:
    task: SampleTask
    cells: list[RunCell]


@dataclass
class EntryRuns:
    entry: Entry
    rows: list[TaskRow]
    counts: Counter[str]
    hidden_runs: int = 0
    total: int = 0
    done: int = 0
    samples: list[int] = field(default_factory=list)

    @property
    def moving(self) -> bool:
        return any(self.counts[status] for status in MOVING)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def failed(self) -> int:
        return self.counts[Run.Status.FAILED]

    @property
    def checked_runs(self) -> list[Run]:
        """The shown runs whose output went through the sample task's checks."""
        return [c.run for row in self.rows for c in row.cells if c.run.checks_passed is not None]

    @property
    def runs_passing_checks(self) -> int:
        return sum(1 for run in self.checked_runs if run.checks_passed)


def check_lines(run: Run) -> list[CheckLine]:
    """A run's check results as the pages show them (judging's score sheet too)."""
    lines = []
    for result in run.check_results:
        check = {"type": result.get("type"), "value": result.get("value")}
        lines.append(
            CheckLine(
                passed=bool(result.get("passed")),
                description=describe_check(check),
                detail=str(result.get("detail", "")),
            )
        )
    return lines


def entry_run_grid(*, entry: Entry, viewer: User) -> EntryRuns:
    """The runs of the entry's current revision as rows (sample tasks) × samples.

    Progress counts every run; an entrant sees no row for a hidden sample task, whose
    input (and so its output) stays secret until the organisers show it.
    """
    runs = list(
        Run.objects.filter(entry=entry, revision__number=entry.revision).select_related(
            "sample_task"
        )
    )
    shows_hidden = is_organiser(viewer)
    rows: dict[int, TaskRow] = {}
    counts: Counter[str] = Counter(run.status for run in runs)
    hidden = 0
    for run in runs:
        task = run.sample_task
        if not (task.visible_to_entrants or shows_hidden):
            hidden += 1
            continue
        row = rows.setdefault(task.pk, TaskRow(task=task, cells=[]))
        row.cells.append(RunCell(run=run, checks=check_lines(run)))
    done = sum(counts[status] for status in DONE)
    return EntryRuns(
        entry=entry,
        rows=list(rows.values()),
        counts=counts,
        hidden_runs=hidden,
        total=len(runs),
        done=done,
        samples=sorted({run.sample_index for run in runs}),
    )


def may_retry_runs(*, entry: Entry, user: User) -> bool:
    """Authors re-run while entries are accepted; after the deadline only organisers may
    change the runs judges will see."""
    if entry.status == Entry.Status.WITHDRAWN:
        return False
    return is_organiser(user) or entry.contest.accepts_entries()


# --- The organiser's monitor ------------------------------------------------------------------


@dataclass(frozen=True)
class MinuteCount:
    minute: datetime
    finished: int


@dataclass(frozen=True)
class ErrorLine:
    code: str
    count: int
    example: str


@dataclass
class Monitor:
    contest: Contest
    counts: dict[str, int]
    total: int
    retrying: int
    spend: Spend
    spent_budget: str | None
    per_minute: list[MinuteCount]
    errors: list[ErrorLine]

    @property
    def status_lines(self) -> list[tuple[str, str, int]]:
        return [(status, str(label), self.counts[status]) for status, label in Run.Status.choices]

    @property
    def pending(self) -> int:
        return sum(self.counts[status] for status in Run.PENDING)

    @property
    def moving(self) -> bool:
        return any(self.counts[status] for status in MOVING)

    @property
    def held(self) -> int:
        return self.counts[Run.Status.HELD]

    @property
    def failed(self) -> int:
        return self.counts[Run.Status.FAILED]

    @property
    def busiest_minute(self) -> int:
        return max((line.finished for line in self.per_minute), default=0)

    @property
    def token_share(self) -> int | None:
        return _share(self.spend.tokens, self.contest.token_budget)

    @property
    def yen_share(self) -> int | None:
        return _share(self.spend.yen, self.contest.yen_budget)


def _share(spent: int | Decimal, budget: int | Decimal | None) -> int | None:
    """Percent of the budget spent, at most 100; None without a budget."""
    if budget is None:
        return None
    return min(100, round(100 * spent / budget)) if budget else 100


def contest_run_monitor(*, contest: Contest, now: datetime | None = None) -> Monitor:
    """Counts by status, throughput, errors and spend for a contest: three queries."""
    now = now or timezone.now()
    runs = contest_runs(contest)
    totals = runs.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Run.Status.values},
        retrying=Count("pk", filter=Q(status=Run.Status.QUEUED, attempts__gt=0)),
        **_spend_aggregates(),
    )
    spend = _spend_from(totals)
    counts = {status: int(totals[status]) for status in Run.Status.values}
    return Monitor(
        contest=contest,
        counts=counts,
        total=sum(counts.values()),
        retrying=int(totals["retrying"]),
        spend=spend,
        spent_budget=budget_spent_on(contest, spend),
        per_minute=_finished_per_minute(runs, now),
        errors=_error_breakdown(runs),
    )


def _finished_per_minute(runs: QuerySet[Run], now: datetime) -> list[MinuteCount]:
    """Runs finished in each of the last ten minutes, oldest first, empty minutes as 0."""
    current = now.replace(second=0, microsecond=0)
    minutes = [current - timedelta(minutes=back) for back in range(MONITOR_MINUTES - 1, -1, -1)]
    finished = (
        runs.filter(
            status__in=(Run.Status.SUCCEEDED, Run.Status.FAILED), finished_at__gte=minutes[0]
        )
        .annotate(minute=TruncMinute("finished_at"))
        .values("minute")
        .annotate(n=Count("pk"))
    )
    by_minute = {row["minute"]: row["n"] for row in finished}
    return [MinuteCount(minute=m, finished=by_minute.get(m, 0)) for m in minutes]


def _error_breakdown(runs: QuerySet[Run]) -> list[ErrorLine]:
    rows = (
        runs.filter(status=Run.Status.FAILED)
        .values("error_code")
        .annotate(n=Count("pk"), example=Max("error"))
        .order_by("-n", "error_code")
    )
    return [
        ErrorLine(code=row["error_code"] or "-", count=row["n"], example=row["example"] or "")
        for row in rows
    ]


def current_runs(queryset: QuerySet[Run]) -> QuerySet[Run]:
    """Runs of each entry's current revision, leaving out withdrawn entries."""
    return queryset.filter(revision__number=F("entry__revision")).exclude(
        entry__status=Entry.Status.WITHDRAWN
    )
