"""The contest's ranking, read from the submitted sheets and computed by
`judging.aggregation` (pure): four queries however many entries and sheets.

Only organisers read this: it names entrants and judges.
"""

from dataclasses import dataclass

from accounts.models import User
from contest.models import Contest, Criterion, Entry, EntryRevision
from judging.aggregation import (
    DISAGREEMENT_THRESHOLD,
    Agreement,
    CriterionSpec,
    EntryResult,
    JudgeSummary,
    Ranking,
    SheetScores,
    rank,
)
from judging.assign.services import assignment_seed
from judging.models import Assignment, Score

BOOTSTRAP_ROUNDS = 1000
DASH = "—"


def shown(value: float | None, places: int = 2) -> str:
    """A score as the page shows it; formatted here, because 2,000 rows of the template's
    floatformat would be most of the page's time."""
    return DASH if value is None else f"{value:.{places}f}"


@dataclass(frozen=True)
class RankedEntry:
    result: EntryResult
    revision: EntryRevision  # the revision judged: its title, its entry and author
    means: list[float | None]  # per criterion, in the criteria's order

    @property
    def entry(self) -> Entry:
        return self.revision.entry

    @property
    def withdrawn(self) -> bool:
        return self.entry.status == Entry.Status.WITHDRAWN

    @property
    def cells(self) -> list[str]:
        """Normalised, raw, the rank interval, then each criterion's mean, as shown."""
        result = self.result
        interval = f"{result.rank_low}–{result.rank_high}" if result.rank_low else DASH
        return [
            shown(result.normalised),
            shown(result.raw),
            interval,
            *(shown(mean, 1) for mean in self.means),
        ]


@dataclass(frozen=True)
class JudgeRow:
    judge: User
    summary: JudgeSummary


@dataclass(frozen=True)
class Results:
    contest: Contest
    criteria: list[Criterion]
    rows: list[RankedEntry]
    judges: list[JudgeRow]
    agreement: Agreement
    threshold: float

    @property
    def k(self) -> int:
        return self.contest.judges_per_entry

    @property
    def criterion_agreement(self) -> list[tuple[Criterion, float | None]]:
        return [(c, self.agreement.per_criterion.get(c.pk)) for c in self.criteria]

    @property
    def sheet_count(self) -> int:
        return sum(row.result.sheet_count for row in self.rows)

    @property
    def ranked(self) -> list[RankedEntry]:
        return [row for row in self.rows if row.result.rank is not None]


def _sheets(contest: Contest) -> list[SheetScores]:
    """Every submitted sheet of an assignment that was not waived, with its levels."""
    rows = (
        Score.objects.filter(
            sheet__assignment__contest=contest,
            sheet__submitted_at__isnull=False,
            level__isnull=False,
        )
        .exclude(sheet__assignment__status=Assignment.Status.WAIVED)
        .values_list(
            "sheet_id", "sheet__assignment__entry_id", "sheet__assignment__judge_id",
            "criterion_id", "level",
        )
    )  # fmt: skip
    sheets: dict[int, tuple[int, int, dict[int, int]]] = {}
    for sheet_id, entry_id, judge_id, criterion_id, level in rows:
        sheets.setdefault(sheet_id, (entry_id, judge_id, {}))[2][criterion_id] = int(level or 0)
    return [
        SheetScores(entry_id=entry_id, judge_id=judge_id, scores=scores)
        for entry_id, judge_id, scores in sheets.values()
    ]


def _unranked(entry_ids: list[int]) -> Ranking:
    """A contest without criteria (its organiser removed them): nothing can be scored."""
    results = [
        EntryResult(entry_id, None, None, None, False, None, None, {}, 0, None, True, False)
        for entry_id in entry_ids
    ]
    return Ranking(results=results, judges=[], agreement=Agreement(None, {}, ""))


def contest_results(contest: Contest) -> Results:
    criteria = list(Criterion.objects.filter(contest=contest).order_by("position", "pk"))
    revisions = {
        revision.entry_id: revision
        for revision in EntryRevision.objects.filter(assignments__contest=contest)
        .distinct()
        .select_related("entry__author__department")
    }
    ranking = (
        rank(
            _sheets(contest),
            [CriterionSpec(c.pk, float(c.weight), c.scale_min, c.scale_max) for c in criteria],
            entry_ids=sorted(revisions),
            k=contest.judges_per_entry,
            seed=assignment_seed(contest),
            bootstrap_rounds=BOOTSTRAP_ROUNDS,
        )
        if criteria
        else _unranked(sorted(revisions))
    )
    judges = User.objects.in_bulk([summary.judge_id for summary in ranking.judges])
    return Results(
        contest=contest,
        criteria=criteria,
        rows=[
            RankedEntry(
                result=result,
                revision=revisions[result.entry_id],
                means=[result.criterion_means.get(c.pk) for c in criteria],
            )
            for result in ranking.results
        ],
        judges=[JudgeRow(judges[s.judge_id], s) for s in ranking.judges],
        agreement=ranking.agreement,
        threshold=DISAGREEMENT_THRESHOLD,
    )
