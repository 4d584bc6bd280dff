"""Reads about runs: spend against a contest's budget, an entry's run grid, the monitor.

Every function here runs a fixed number of queries whatever the number of runs.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMinute
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from accounts.permissions import is_organiser
from contest.models import Contest, Entry, Run, SampleTask
from contest.runs import throttle
from contest.runs.checks import describe_check

DONE = (Run.Status.SUCCEEDED, Run.Status.FAILED, Run.Status.CANCELLED)
# Runs that change by themselves; held ones wait for an organiser, perhaps for days, so a
# page showing only those has nothing to poll for.
MOVING = (Run.Status.QUEUED, Run.Status.RUNNING)
MONITOR_MINUTES = 10
# The monitor's refresh interval (templates/contest/runs/_monitor.html), and the size from
# which counting every run costs more than the rest of the page (see _kept_run_totals).
MONITOR_KEEP_SECONDS = 5
MONITOR_KEEP_FROM_RUNS = 5000
# A status bar reads from what worked, through what failed, to what is still to come.
BAR_ORDER = (
    Run.Status.SUCCEEDED,
    Run.Status.FAILED,
    Run.Status.RUNNING,
    Run.Status.QUEUED,
    Run.Status.HELD,
    Run.Status.CANCELLED,
)


# --- Spend and budget -----------------------------------------------------------------------


@dataclass(frozen=True)
class Spend:
    tokens: int
    yen: Decimal


def _spend_aggregates(prefix: str = "", only: Q | None = None) -> dict[str, Any]:
    # A reply copied from the response cache cost nothing, so it spends no budget.
    paid = Q(from_cache=False) if only is None else Q(from_cache=False) & only
    return {
        f"{prefix}spent_prompt": Coalesce(Sum("prompt_tokens", filter=paid), 0),
        f"{prefix}spent_completion": Coalesce(Sum("completion_tokens", filter=paid), 0),
        f"{prefix}spent_yen": Coalesce(Sum("cost_yen", filter=paid), Decimal(0)),
    }


def _spend_from(totals: dict[str, Any], prefix: str = "") -> Spend:
    return Spend(
        tokens=int(totals[f"{prefix}spent_prompt"]) + int(totals[f"{prefix}spent_completion"]),
        yen=Decimal(totals[f"{prefix}spent_yen"]),
    )


def contest_runs(contest: Contest) -> QuerySet[Run]:
    """The contest's entry runs, unordered: preview runs never count for budgets or the
    monitor, and Run's default ordering joins the sample tasks, which no count or sum over
    them needs (a caller that lists runs orders them itself).

    Selected by the run's own contest, not its entry's: the index on (contest, status)
    for entry runs answers a count or a sum over them without joining every entry."""
    return Run.objects.entry_runs().filter(contest=contest).order_by()


def has_budget(contest: Contest) -> bool:
    return contest.token_budget is not None or contest.yen_budget is not None


def _reached(spend: Spend, tokens: int | Decimal | None, yen: Decimal | None) -> str | None:
    if tokens is not None and spend.tokens >= tokens:
        return "tokens"
    if yen is not None and spend.yen >= yen:
        return "yen"
    return None


def budget_spent_on(contest: Contest, spend: Spend) -> str | None:
    """Which budget the spend has reached: "tokens", "yen" or None. Pure."""
    return _reached(spend, contest.token_budget, contest.yen_budget)


def entrant_share_percent() -> int | None:
    """The percent of a contest's budget one entrant may spend; None when there is no share."""
    percent = int(settings.ENTRANT_BUDGET_SHARE_PERCENT)
    return percent if 0 < percent < 100 else None


def share_spent_on(contest: Contest, spend: Spend) -> str | None:
    """Which part of one entrant's share their spend has reached: "tokens", "yen" or None.

    The share is the same percent of each budget the contest has. Pure.
    """
    percent = entrant_share_percent()
    if percent is None:
        return None
    tokens = None if contest.token_budget is None else Decimal(contest.token_budget) * percent / 100
    yen = None if contest.yen_budget is None else contest.yen_budget * percent / 100
    return _reached(spend, tokens, yen)


# Why a run waits in `held`, kept in its error_code: the contest's budget is spent, or the
# entrant's share of it. (A run held before shares existed has no code: the budget.)
HOLD_BUDGET = "budget_spent"
HOLD_SHARE = "share_spent"


def budget_hold_reason(*, contest: Contest, author_id: int) -> str | None:
    """Why a new paid run of this author's must wait (HOLD_BUDGET, HOLD_SHARE) or None.

    One aggregate query over the contest's runs, the author's own spend summed from the
    same rows (theirs are picked by a subquery on their entries, so no run is joined to its
    entry); no query when the contest has no budget. The worker asks this before every
    paid call.
    """
    if not has_budget(contest):
        return None
    mine = "author_"
    own_entries = Entry.objects.filter(contest=contest, author_id=author_id).values("pk")
    totals = contest_runs(contest).aggregate(
        **_spend_aggregates(), **_spend_aggregates(mine, Q(entry_id__in=own_entries))
    )
    if budget_spent_on(contest, _spend_from(totals)):
        return HOLD_BUDGET
    if share_spent_on(contest, _spend_from(totals, mine)):
        return HOLD_SHARE
    return None


@dataclass(frozen=True)
class BudgetHolds:
    """Whose runs must wait: everyone's when the contest's budget is spent, else those of
    the entrants who spent their share."""

    budget_spent: bool = False
    over_share: frozenset[int] = frozenset()

    def reason_for(self, author_id: int) -> str | None:
        if self.budget_spent:
            return HOLD_BUDGET
        if author_id in self.over_share:
            return HOLD_SHARE
        return None


def contest_budget_holds(*, contest: Contest) -> BudgetHolds:
    """Spend by entrant against the contest's budget and each share: one grouped aggregate
    query (a row per entrant with runs); no query when the contest has no budget."""
    if not has_budget(contest):
        return BudgetHolds()
    rows = contest_runs(contest).values("entry__author_id").annotate(**_spend_aggregates())
    spends = {row["entry__author_id"]: _spend_from(dict(row)) for row in rows}
    total = Spend(
        tokens=sum(spend.tokens for spend in spends.values()),
        yen=sum((spend.yen for spend in spends.values()), Decimal(0)),
    )
    return BudgetHolds(
        budget_spent=budget_spent_on(contest, total) is not None,
        over_share=frozenset(a for a, spend in spends.items() if share_spent_on(contest, spend)),
    )


# --- A tally of runs: words and a bar (home, an entry's runs, a try) --------------------------

WAITING = "waiting"


def _first_words(status: str, count: int, total: int) -> str:
    params = {"count": count, "total": total}
    if status == Run.Status.SUCCEEDED:
        return gettext("%(count)d of %(total)d succeeded") % params
    if status == Run.Status.FAILED:
        return gettext("%(count)d of %(total)d failed") % params
    if status == WAITING:
        return gettext("%(count)d of %(total)d waiting") % params
    return gettext("%(count)d of %(total)d cancelled") % params


def _more_words(status: str, count: int) -> str:
    params = {"count": count}
    if status == Run.Status.SUCCEEDED:
        return gettext("%(count)d succeeded") % params
    if status == Run.Status.FAILED:
        return gettext("%(count)d failed") % params
    if status == WAITING:
        return gettext("%(count)d waiting") % params
    return gettext("%(count)d cancelled") % params


@dataclass(frozen=True)
class TallyPart:
    status: str
    words: str


@dataclass(frozen=True)
class RunTally:
    """Runs by how far they got, for the words and the bar every page shows the same way:
    failed runs in their own words and colour («3件中3件失敗»), never a full bar of done."""

    succeeded: int
    failed: int
    waiting: int
    cancelled: int

    @classmethod
    def from_statuses(cls, counts: Mapping[str, int]) -> "RunTally":
        return cls(
            succeeded=counts.get(Run.Status.SUCCEEDED, 0),
            failed=counts.get(Run.Status.FAILED, 0),
            waiting=sum(counts.get(status, 0) for status in Run.PENDING),
            cancelled=counts.get(Run.Status.CANCELLED, 0),
        )

    def _counts(self) -> list[tuple[str, str, int]]:
        return [
            (Run.Status.SUCCEEDED, str(Run.Status.SUCCEEDED.label), self.succeeded),
            (Run.Status.FAILED, str(Run.Status.FAILED.label), self.failed),
            (WAITING, gettext("Waiting"), self.waiting),
            (Run.Status.CANCELLED, str(Run.Status.CANCELLED.label), self.cancelled),
        ]

    @property
    def total(self) -> int:
        return self.succeeded + self.failed + self.waiting + self.cancelled

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed + self.cancelled

    @property
    def parts(self) -> list[TallyPart]:
        """The non-zero counts in reading order; the first says "of how many"."""
        parts: list[TallyPart] = []
        for status, _label, count in self._counts():
            if count:
                words = (
                    _more_words(status, count) if parts else _first_words(status, count, self.total)
                )
                parts.append(TallyPart(status, words))
        return parts

    @property
    def segments(self) -> list["BarSegment"]:
        """Percent-wide pieces of a bar, in reading order: done, failed, waiting, cancelled."""
        return bar_segments(self._counts(), self.total)


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

    @property
    def held_for_share(self) -> bool:
        return self.run.status == Run.Status.HELD and self.run.error_code == HOLD_SHARE


@dataclass
class TaskRow:
    """A sample task (or, for a try with no task, what the person typed) and its runs."""

    task: SampleTask | None
    cells: list[RunCell]
    label: str = ""
    typed_input: str = ""

    @property
    def title(self) -> str:
        return self.task.title if self.task else self.label

    @property
    def input(self) -> str:
        return self.task.input if self.task else self.typed_input


@dataclass
class EntryRuns:
    entry: Entry | None
    rows: list[TaskRow]
    counts: Counter[str]
    hidden_runs: int = 0
    total: int = 0
    done: int = 0
    samples: list[int] = field(default_factory=list)
    # Organisers also see what a run cost and whether its answer was reused; to an
    # entrant those would tell that someone else sent the same prompt.
    for_organiser: bool = False
    revision_number: int = 0

    @property
    def many_samples(self) -> bool:
        return len(self.samples) > 1

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
    def tally(self) -> RunTally:
        return RunTally.from_statuses(self.counts)

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


def entry_run_grid(*, entry: Entry, viewer: User, revision_number: int | None = None) -> EntryRuns:
    """The runs of the entry's current revision (or of `revision_number`) as rows (sample
    tasks) × samples. One query.

    Progress counts every run; an entrant sees no row for a hidden sample task, whose
    input (and so its output) stays secret until the organisers show it.
    """
    number = entry.revision if revision_number is None else revision_number
    runs = list(
        Run.objects.filter(entry=entry, revision__number=number).select_related("sample_task")
    )
    shows_hidden = is_organiser(viewer)
    rows: dict[int, TaskRow] = {}
    counts: Counter[str] = Counter(run.status for run in runs)
    hidden = 0
    for run in runs:
        task = run.task
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
        for_organiser=shows_hidden,
        revision_number=number,
    )


def preview_grid(runs: list[Run]) -> EntryRuns:
    """A try's runs (`contest.runs.previews.preview_runs`) in the entry grid's shape: a row
    per run, named by its sample task or its label (then its input is the message sent).
    No query."""
    rows = [
        TaskRow(
            task=run.sample_task,
            cells=[RunCell(run=run, checks=check_lines(run))],
            label=run.preview_label,
            typed_input=run.messages[-1]["content"] if run.messages else "",
        )
        for run in runs
    ]
    counts: Counter[str] = Counter(run.status for run in runs)
    return EntryRuns(
        entry=None,
        rows=rows,
        counts=counts,
        total=len(runs),
        done=sum(counts[status] for status in DONE),
        samples=[0],
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
    succeeded: int
    failed: int

    @property
    def finished(self) -> int:
        return self.succeeded + self.failed


@dataclass(frozen=True)
class BarSegment:
    """One status's share of a bar, in percent of its width (x is where it starts)."""

    status: str
    label: str
    count: int
    x: float
    width: float


def bar_segments(counts: list[tuple[str, str, int]], total: int) -> list[BarSegment]:
    """Consecutive segments for the non-zero counts; each status keeps its own colour."""
    segments = []
    x = 0.0
    for status, label, count in counts:
        if not count or not total:
            continue
        width = 100 * count / total
        segments.append(BarSegment(status, label, count, round(x, 3), round(width, 3)))
        x += width
    return segments


@dataclass(frozen=True)
class ErrorLine:
    code: str
    count: int
    example: str


@dataclass
class Monitor:
    contest: Contest
    counted_at: datetime
    counts: dict[str, int]
    total: int
    retrying: int
    spend: Spend
    spent_budget: str | None
    per_minute: list[MinuteCount]
    errors: list[ErrorLine]
    held_for_share: int = 0
    entrants_over_share: int = 0
    # Queued because of the provider's rate limit (a 429, or the shared limiter said wait).
    waiting_for_rate: int = 0
    next_retry: datetime | None = None
    rate: throttle.ThrottleStatus | None = None  # None for the offline preview

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
    def held_for_budget(self) -> int:
        return self.held - self.held_for_share

    @property
    def share_percent(self) -> int | None:
        return entrant_share_percent()

    @property
    def failed(self) -> int:
        return self.counts[Run.Status.FAILED]

    @property
    def busiest_minute(self) -> int:
        return max((line.finished for line in self.per_minute), default=0)

    @property
    def status_bar(self) -> list[BarSegment]:
        """Every run by status: failures are their own red share, never part of a total."""
        lines = {status: (status, label, count) for status, label, count in self.status_lines}
        return bar_segments([lines[status] for status in BAR_ORDER], self.total)

    @property
    def minute_rows(self) -> list[tuple[MinuteCount, list[BarSegment]]]:
        """Each minute with its bar against the busiest one: succeeded, then failed in red."""
        return [
            (
                line,
                bar_segments(
                    [
                        (Run.Status.SUCCEEDED, str(Run.Status.SUCCEEDED.label), line.succeeded),
                        (Run.Status.FAILED, str(Run.Status.FAILED.label), line.failed),
                    ],
                    self.busiest_minute,
                ),
            )
            for line in self.per_minute
        ]

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
    """Counts by status, throughput, errors and spend for a contest: three queries, and a
    fourth for the entrants over their share when some runs are held for it.

    None joins a run to its entry: the totals are read from the index on the runs'
    contest and status alone, whatever the contest's size.
    """
    now = now or timezone.now()
    runs = contest_runs(contest)
    totals = _kept_run_totals(contest, runs)
    return Monitor(
        contest=contest,
        counted_at=totals.counted_at,
        counts=totals.counts,
        total=sum(totals.counts.values()),
        retrying=totals.retrying,
        spend=totals.spend,
        spent_budget=budget_spent_on(contest, totals.spend),
        per_minute=_finished_per_minute(runs, now),
        errors=_error_breakdown(runs),
        held_for_share=totals.held_for_share,
        entrants_over_share=(
            _entrants_of(runs.filter(status=Run.Status.HELD, error_code=HOLD_SHARE))
            if totals.held_for_share
            else 0
        ),
        waiting_for_rate=totals.waiting_for_rate,
        next_retry=totals.next_retry,
        rate=None
        if contest.model_provider == Contest.Provider.ECHO
        else throttle.throttle_status(provider=contest.model_provider),
    )


@dataclass
class _RunTotals:
    counts: dict[str, int]
    counted_at: datetime
    retrying: int = 0
    held_for_share: int = 0
    waiting_for_rate: int = 0
    next_retry: datetime | None = None
    spend: Spend = Spend(tokens=0, yen=Decimal(0))


def _monitor_totals_key(contest: Contest) -> str:
    return f"run-monitor:totals:{contest.pk}"


def _kept_run_totals(contest: Contest, runs: QuerySet[Run]) -> _RunTotals:
    """A big contest's totals, counted at most once per MONITOR_KEEP_SECONDS.

    Counting reads every run of the contest (from the covering index): 45 ms at 50,000
    runs, the whole difference between the monitor at 100 entries and at 10,000. The page
    refreshes itself every 5 s and says when it counted, so a big contest's totals are kept
    that long, however many organisers watch; a contest under MONITOR_KEEP_FROM_RUNS runs
    is counted on every request. An organiser's own action forgets them
    (`run_monitor_forget`).
    """
    kept = cache.get(_monitor_totals_key(contest))
    if isinstance(kept, _RunTotals):
        return kept
    totals = _run_totals(runs)
    if sum(totals.counts.values()) >= MONITOR_KEEP_FROM_RUNS:
        cache.set(_monitor_totals_key(contest), totals, MONITOR_KEEP_SECONDS)
    return totals


def run_monitor_forget(contest: Contest) -> None:
    """The next monitor counts afresh (after a re-run, a cancel or a release)."""
    cache.delete(_monitor_totals_key(contest))


def _run_totals(runs: QuerySet[Run]) -> _RunTotals:
    """The contest's runs counted and summed in one query, a row per status, error code
    and whether the reply came from the response cache (which spends nothing).

    Grouped rather than a filtered count per status over every row: each run is read
    once, from the index on (contest, status) that carries every column used here, and
    goes through a few plain sums instead of a dozen filters.
    """
    rows = runs.values("status", "error_code", "from_cache").annotate(
        n=Count("*"),
        tried=Count("attempts", filter=Q(attempts__gt=0)),
        first_available=Min("available_at"),
        prompt=Sum("prompt_tokens"),
        completion=Sum("completion_tokens"),
        yen=Sum("cost_yen"),
    )
    totals = _RunTotals(counts=dict.fromkeys(Run.Status.values, 0), counted_at=timezone.now())
    for row in rows:
        status, code, count = row["status"], row["error_code"], int(row["n"])
        totals.counts[status] += count
        if not row["from_cache"]:
            totals.spend = Spend(
                tokens=totals.spend.tokens + (row["prompt"] or 0) + (row["completion"] or 0),
                yen=totals.spend.yen + (row["yen"] or Decimal(0)),
            )
        if status == Run.Status.QUEUED:
            totals.retrying += int(row["tried"])
            if code == "rate_limited":
                totals.waiting_for_rate += count
                first = row["first_available"]
                if totals.next_retry is None or first < totals.next_retry:
                    totals.next_retry = first
        elif status == Run.Status.HELD and code == HOLD_SHARE:
            totals.held_for_share += count
    return totals


def _entrants_of(runs: QuerySet[Run]) -> int:
    """How many people wrote the entries of these runs (one person may have several)."""
    entries = Entry.objects.filter(pk__in=runs.values("entry_id"))
    return entries.values("author_id").distinct().count()


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
        .annotate(
            succeeded=Count("pk", filter=Q(status=Run.Status.SUCCEEDED)),
            failed=Count("pk", filter=Q(status=Run.Status.FAILED)),
        )
    )
    by_minute = {row["minute"]: (row["succeeded"], row["failed"]) for row in finished}
    return [MinuteCount(m, *by_minute.get(m, (0, 0))) for m in minutes]


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
