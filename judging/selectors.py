"""Judging reads, each scoped to the person asking: a judge's queue and score sheet (their
own work only), the organiser's blind check, an entrant's own scores once published. The
organiser's view of the assignment is in `judging.assign.selectors`.

Every function runs a fixed number of queries however many entries, judges or runs the
contest has; tests/judging/test_query_counts.py holds the pages to it.
"""

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import Contest, Criterion, Entry, EntryRevision, Run, SampleTask
from contest.rules import FIELD_LABELS
from contest.runs.selectors import CheckLine, check_lines
from judging import blind
from judging.assign.services import judged_revisions
from judging.models import Assignment, Redaction, Score, ScoreSheet


class SheetState(StrEnum):
    TO_SCORE = "to_score"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WAIVED = "waived"


# Next unscored first: a sheet begun, then one not yet touched, then the rest.
_STATE_ORDER = {
    SheetState.DRAFT: 0,
    SheetState.TO_SCORE: 1,
    SheetState.SUBMITTED: 2,
    SheetState.WAIVED: 3,
}


def sheet_of(assignment: Assignment) -> ScoreSheet | None:
    try:
        return assignment.sheet
    except ScoreSheet.DoesNotExist:
        return None


def redaction_of(revision: EntryRevision) -> Redaction | None:
    try:
        return revision.redaction
    except Redaction.DoesNotExist:
        return None


def sheet_state(assignment: Assignment) -> SheetState:
    if assignment.status == Assignment.Status.WAIVED:
        return SheetState.WAIVED
    if assignment.status == Assignment.Status.SUBMITTED:
        return SheetState.SUBMITTED
    return SheetState.DRAFT if sheet_of(assignment) else SheetState.TO_SCORE


def _shuffle_key(assignment: Assignment) -> str:
    # Each judge reads the entries in an order of their own, the same on every visit, so
    # no entry is always read first (or last, by tired judges).
    seed = f"{assignment.judge_id}:{assignment.entry_id}".encode()
    return hashlib.blake2b(seed, digest_size=8).hexdigest()


# --- The judge's queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    assignment: Assignment
    title: str  # as the judge sees it: the redacted copy's when there is one
    category: str
    state: SheetState


@dataclass
class ContestQueue:
    contest: Contest
    items: list[QueueItem]

    @property
    def total(self) -> int:
        return sum(1 for item in self.items if item.state != SheetState.WAIVED)

    @property
    def submitted(self) -> int:
        return sum(1 for item in self.items if item.state == SheetState.SUBMITTED)

    @property
    def percent(self) -> int:
        return round(100 * self.submitted / self.total) if self.total else 100

    @property
    def next(self) -> QueueItem | None:
        """The first entry still to score, or None when every sheet is in."""
        return next(
            (i for i in self.items if i.state in (SheetState.DRAFT, SheetState.TO_SCORE)), None
        )

    @property
    def scoring_open(self) -> bool:
        return self.contest.status == Contest.Status.JUDGING

    def neighbours(self, assignment_id: int) -> tuple[int, QueueItem | None, QueueItem | None]:
        """(position from 1, previous item, next item) of an assignment in this queue."""
        index = next(i for i, item in enumerate(self.items) if item.assignment.pk == assignment_id)
        before = self.items[index - 1] if index > 0 else None
        after = self.items[index + 1] if index + 1 < len(self.items) else None
        return index + 1, before, after


def _queue_item(assignment: Assignment) -> QueueItem:
    revision = assignment.revision
    redaction = redaction_of(revision)
    return QueueItem(
        assignment=assignment,
        title=redaction.title if redaction else revision.title,
        category=revision.category_name,
        state=sheet_state(assignment),
    )


def _judge_assignments(judge: User) -> list[Assignment]:
    return list(
        Assignment.objects.filter(judge=judge).select_related(
            "contest", "revision__redaction", "sheet"
        )
    )


def _queues(assignments: list[Assignment]) -> list[ContestQueue]:
    queues: dict[int, ContestQueue] = {}
    for assignment in assignments:
        queue = queues.setdefault(
            assignment.contest_id, ContestQueue(contest=assignment.contest, items=[])
        )
        queue.items.append(_queue_item(assignment))
    for queue in queues.values():
        queue.items.sort(key=lambda i: (_STATE_ORDER[i.state], _shuffle_key(i.assignment)))
    return list(queues.values())


def judge_queues(judge: User) -> tuple[list[ContestQueue], list[Contest]]:
    """(the judge's queues, contests being scored first; the contests they judge with
    nothing assigned to them yet). Two queries."""
    queues = _queues(_judge_assignments(judge))
    queues.sort(key=lambda q: (not q.scoring_open, -q.contest.closes_at.timestamp()))
    waiting = list(
        Contest.objects.filter(judges=judge)
        .exclude(status=Contest.Status.DRAFT)
        .exclude(pk__in=[queue.contest.pk for queue in queues])
        .order_by("-closes_at")
    )
    return queues, waiting


def judge_contest_queue(judge: User, contest_id: int) -> ContestQueue:
    assignments = [a for a in _judge_assignments(judge) if a.contest_id == contest_id]
    if not assignments:
        raise Http404
    (queue,) = _queues(assignments)
    return queue


def assignment_for_judge(judge: User, pk: int) -> Assignment:
    """The judge's own assignment, or 404: another judge's sheet does not exist for them."""
    try:
        return Assignment.objects.select_related(
            "contest", "entry", "revision__redaction", "sheet"
        ).get(pk=pk, judge=judge)
    except Assignment.DoesNotExist as missing:
        raise Http404 from missing


# --- The score sheet ------------------------------------------------------------------------


@dataclass(frozen=True)
class BlindEntry:
    """The entry as submitted, without author, department or credit."""

    title: str
    category: str
    purpose: str
    system_prompt: str
    prompt_template: str
    usage_notes: str
    minutes_before: int | None
    minutes_after: int | None
    has_image: bool
    redacted: bool

    @property
    def minutes_saved(self) -> int | None:
        if self.minutes_before is None or self.minutes_after is None:
            return None
        return self.minutes_before - self.minutes_after


def blind_entry(assignment: Assignment) -> BlindEntry:
    revision = assignment.revision
    source: EntryRevision | Redaction = redaction_of(revision) or revision
    return BlindEntry(
        **{name: getattr(source, name) for name in Redaction.TEXT_FIELDS},
        category=revision.category_name,
        minutes_before=revision.minutes_before,
        minutes_after=revision.minutes_after,
        has_image=bool(assignment.entry.image),
        redacted=source is not revision,
    )


@dataclass(frozen=True)
class RunView:
    run: Run
    output: str  # the redacted output where the organiser wrote one
    checks: list[CheckLine]


@dataclass(frozen=True)
class TaskRuns:
    task: SampleTask
    runs: list[RunView]


def sheet_runs(assignment: Assignment) -> list[TaskRuns]:
    """The frozen revision's runs on every sample task, hidden ones included: one query."""
    redaction = redaction_of(assignment.revision)
    outputs = redaction.outputs if redaction else {}
    rows: dict[int, TaskRuns] = {}
    runs = Run.objects.entry_runs().filter(revision=assignment.revision)
    for run in runs.select_related("sample_task"):
        row = rows.setdefault(run.task.pk, TaskRuns(task=run.task, runs=[]))
        row.runs.append(
            RunView(run=run, output=outputs.get(str(run.pk), run.output), checks=check_lines(run))
        )
    return list(rows.values())


def contest_criteria(contest: Contest) -> list[Criterion]:
    return list(Criterion.objects.filter(contest=contest).order_by("position", "pk"))


def sheet_scores(assignment: Assignment) -> dict[int, Score]:
    sheet = sheet_of(assignment)
    if sheet is None:
        return {}
    return {score.criterion_id: score for score in Score.objects.filter(sheet=sheet)}


# --- Organiser: the blind check -------------------------------------------------------------


Finding = tuple[str, blind.Mention]  # (where, in words; what was found)


@dataclass(frozen=True)
class BlindRow:
    revision: EntryRevision
    mentions: list[Finding]
    redaction: Redaction | None
    still_named: list[Finding]  # what the redacted copy still gives away

    @property
    def cleared(self) -> bool:
        return self.redaction is not None and not self.still_named


def _identity(revision: EntryRevision) -> blind.AuthorIdentity:
    author = revision.entry.author
    department = author.department
    return blind.AuthorIdentity(
        display_name=author.display_name,
        email=author.email,
        department_names=(department.name_ja, department.name_en) if department else (),
    )


def _texts(source: EntryRevision | Redaction, outputs: dict[int, str]) -> dict[str, str]:
    texts = {name: getattr(source, name) for name in Redaction.TEXT_FIELDS}
    texts.update({f"run:{run_id}": output for run_id, output in outputs.items()})
    return texts


def blind_candidates(contest: Contest) -> list[EntryRevision]:
    """The revisions judges will read: frozen ones once judging started, else each
    submitted entry's latest."""
    if contest.status == Contest.Status.OPEN:
        return judged_revisions(contest)
    return list(
        EntryRevision.objects.filter(assignments__contest=contest)
        .distinct()
        .select_related("entry__author__department", "redaction")
        .order_by("entry_id")
    )


def _run_label(run: Run) -> str:
    return _("Output on “%(task)s” (sample %(number)d)") % {
        "task": run.task.title,
        "number": run.sample_index + 1,
    }


def _blind_row(revision: EntryRevision, runs: list[Run]) -> BlindRow:
    labels = {name: str(label) for name, label in FIELD_LABELS.items()}
    labels.update({f"run:{run.pk}": _run_label(run) for run in runs})
    identity = _identity(revision)
    original = {run.pk: run.output for run in runs}

    def found(texts: dict[str, str]) -> list[Finding]:
        return [(labels[m.field], m) for m in blind.find_mentions(texts, identity)]

    redaction = redaction_of(revision)
    still: list[Finding] = []
    if redaction is not None:
        redacted = {pk: redaction.outputs.get(str(pk), text) for pk, text in original.items()}
        still = found(_texts(redaction, redacted))
    return BlindRow(revision, found(_texts(revision, original)), redaction, still)


def blind_check(contest: Contest) -> tuple[list[BlindRow], int]:
    """(entries whose words name their author, or with a redacted copy; how many entries
    were checked). Two queries."""
    revisions = blind_candidates(contest)
    runs: dict[int, list[Run]] = {}
    for run in (
        Run.objects.entry_runs()
        .filter(revision__in=revisions)
        .select_related("sample_task")
        .only("pk", "revision_id", "output", "sample_index", "sample_task__title")
    ):
        runs.setdefault(run.revision_id or 0, []).append(run)
    rows = [_blind_row(revision, runs.get(revision.pk, [])) for revision in revisions]
    return [row for row in rows if row.mentions or row.redaction], len(revisions)


def blind_findings(revision: EntryRevision, runs: list[Run]) -> BlindRow:
    """One revision's findings, with `redaction_subject`'s runs."""
    return _blind_row(revision, runs)


def redaction_subject(contest: Contest, entry_id: int) -> tuple[EntryRevision, list[Run]]:
    """The revision an organiser redacts for judges, with its runs; 404 when the entry
    is not one judges will read."""
    for revision in blind_candidates(contest):
        if revision.entry_id == entry_id:
            runs = list(
                Run.objects.entry_runs().filter(revision=revision).select_related("sample_task")
            )
            return revision, runs
    raise Http404


# --- The entrant, once the results are published --------------------------------------------


@dataclass(frozen=True)
class CriterionFeedback:
    criterion: Criterion
    mean: float | None
    levels: list[tuple[str, int]]  # (judge letter, level)
    comments: list[tuple[str, str]]  # (judge letter, comment)


@dataclass(frozen=True)
class EntrantScores:
    criteria: list[CriterionFeedback]
    overall: list[tuple[str, str]]
    sheet_count: int


def _letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def entrant_scores(user: User, entry: Entry) -> EntrantScores | None:
    """The author's own scores per criterion and the judges' comments, once published.

    Judges appear as letters (A, B, …) in the order their sheets were submitted, never by
    name; anyone but the author gets None.
    """
    if entry.author_id != user.pk or entry.contest.status != Contest.Status.PUBLISHED:
        return None
    sheets = list(
        ScoreSheet.objects.filter(
            assignment__entry=entry,
            submitted_at__isnull=False,
            assignment__status=Assignment.Status.SUBMITTED,
        ).order_by("submitted_at", "pk")
    )
    if not sheets:
        return None
    letters = {sheet.pk: _letter(index) for index, sheet in enumerate(sheets)}
    scores = list(Score.objects.filter(sheet__in=sheets).order_by("sheet__submitted_at", "pk"))
    feedback = []
    for criterion in contest_criteria(entry.contest):
        mine = [s for s in scores if s.criterion_id == criterion.pk and s.level is not None]
        levels = [(letters[s.sheet_id], int(s.level or 0)) for s in mine]
        feedback.append(
            CriterionFeedback(
                criterion=criterion,
                mean=sum(level for _l, level in levels) / len(levels) if levels else None,
                levels=levels,
                comments=[(letters[s.sheet_id], s.comment) for s in mine if s.comment],
            )
        )
    overall = [(letters[s.pk], s.overall_comment) for s in sheets if s.overall_comment]
    return EntrantScores(criteria=feedback, overall=overall, sheet_count=len(sheets))
