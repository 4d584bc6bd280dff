"""Judging reads, each scoped to the person asking (a judge reads only their own work).

Every function runs a fixed number of queries however many entries, judges or runs the
contest has; tests/judging/test_query_counts.py holds the pages to it.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import Contest, Criterion, Entry, EntryRevision, Run, SampleTask
from contest.rules import FIELD_LABELS
from contest.runs.selectors import CheckLine, check_lines
from judging import blind
from judging.assignment import eligible
from judging.models import Assignment, Redaction, Score, ScoreSheet, ScoreSheetChange
from judging.services import assignment_plan, entry_ref, judge_refs, judged_revisions

MATRIX_PAGE_SIZE = 50


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
    for run in Run.objects.filter(revision=assignment.revision).select_related("sample_task"):
        row = rows.setdefault(run.sample_task_id, TaskRuns(task=run.sample_task, runs=[]))
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


# --- Organiser: the assignment matrix -------------------------------------------------------


@dataclass
class JudgeProgress:
    judge: User
    submitted: int = 0
    started: int = 0
    to_score: int = 0
    waived: int = 0
    in_contest: bool = True

    @property
    def total(self) -> int:
        return self.submitted + self.started + self.to_score

    @property
    def behind(self) -> bool:
        return bool(self.started + self.to_score)


@dataclass(frozen=True)
class MatrixRow:
    revision: EntryRevision
    cells: list[SheetState | None]  # one per judge, in the matrix's judge order
    assignments: list[Assignment | None]


@dataclass
class Matrix:
    judges: list[JudgeProgress]
    page: Page[EntryRevision]
    rows: list[MatrixRow]
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def behind(self) -> list[JudgeProgress]:
        return [progress for progress in self.judges if progress.behind]


def assignment_matrix(contest: Contest, page_number: str | int | None = 1) -> Matrix:
    """Entries (a page at a time) × judges, each cell the state of that assignment, with
    every judge's progress over the whole contest. Six queries."""
    judges = list(
        User.objects.filter(Q(judged_contests=contest) | Q(assignments__contest=contest))
        .distinct()
        .select_related("department")
        .order_by("display_name", "email")
    )
    in_contest = set(contest.judges.values_list("pk", flat=True))
    progress = {j.pk: JudgeProgress(judge=j, in_contest=j.pk in in_contest) for j in judges}
    rows = (
        Assignment.objects.filter(contest=contest)
        .values("judge_id")
        .annotate(
            submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
            waived=Count("pk", filter=Q(status=Assignment.Status.WAIVED)),
            started=Count("pk", filter=Q(status=Assignment.Status.OPEN, sheet__isnull=False)),
            to_score=Count("pk", filter=Q(status=Assignment.Status.OPEN, sheet__isnull=True)),
        )
    )
    counts: Counter[str] = Counter()
    for row in rows:
        judge_progress = progress[row["judge_id"]]
        for name in ("submitted", "waived", "started", "to_score"):
            setattr(judge_progress, name, row[name])
            counts[name] += row[name]
    revisions = (
        EntryRevision.objects.filter(assignments__contest=contest)
        .distinct()
        .select_related("entry__author__department")
        .order_by("entry_id")
    )
    page = Paginator(revisions, MATRIX_PAGE_SIZE).get_page(page_number)
    entry_ids = [revision.entry_id for revision in page]
    cells = {
        (a.entry_id, a.judge_id): a
        for a in Assignment.objects.filter(contest=contest, entry_id__in=entry_ids).select_related(
            "sheet"
        )
    }
    matrix_rows = []
    for revision in page:
        found = [cells.get((revision.entry_id, judge.pk)) for judge in judges]
        matrix_rows.append(
            MatrixRow(
                revision=revision,
                cells=[sheet_state(a) if a else None for a in found],
                assignments=found,
            )
        )
    return Matrix(judges=list(progress.values()), page=page, rows=matrix_rows, counts=counts)


def assignment_preview(contest: Contest) -> list[str] | None:
    """Before judging starts: why the entries submitted so far could not get their judges
    with the judges chosen now (the same check the change to judging makes), or None when
    they could."""
    revisions = judged_revisions(contest)
    if not revisions:
        return None
    judges = list(contest.judges.select_related("department").order_by("pk"))
    try:
        assignment_plan(contest, revisions, judges)
    except ValidationError as error:
        return list(error.messages)
    return None


# --- Organiser: one entry's judging ---------------------------------------------------------


@dataclass(frozen=True)
class ChangeView:
    change: ScoreSheetChange
    lines: list[str]  # what changed, one line per level or comment


@dataclass(frozen=True)
class SheetRecord:
    """One judge's work on the entry, as the organiser reads it (names included)."""

    assignment: Assignment
    state: SheetState
    lines: list[tuple[Criterion, Score | None]]
    changes: list[ChangeView]


def _quoted(text: object) -> str:
    return _("“%(text)s”") % {"text": text or ""}


def change_lines(change: ScoreSheetChange, criteria: list[Criterion]) -> list[str]:
    """A recorded change in words: each level and comment that differs, before → after."""
    old, new = change.old_values, change.new_values
    lines = []
    for criterion in criteria:
        key = str(criterion.pk)
        before, after = old["scores"].get(key), new["scores"].get(key)
        if before != after:
            lines.append(
                _("%(criterion)s: level %(before)s → %(after)s")
                % {"criterion": criterion.name, "before": before, "after": after}
            )
        before, after = old["comments"].get(key, ""), new["comments"].get(key, "")
        if before != after:
            lines.append(
                _("%(criterion)s, comment: %(before)s → %(after)s")
                % {"criterion": criterion.name, "before": _quoted(before), "after": _quoted(after)}
            )
    if old.get("overall", "") != new.get("overall", ""):
        lines.append(
            _("Overall comment: %(before)s → %(after)s")
            % {"before": _quoted(old.get("overall")), "after": _quoted(new.get("overall"))}
        )
    return lines


@dataclass
class EntryJudging:
    entry: Entry
    revision: EntryRevision
    redaction: Redaction | None
    criteria: list[Criterion]
    sheets: list[SheetRecord]
    addable: list[User]


def entry_judging(contest: Contest, entry_id: int) -> EntryJudging:
    """An entry's assignments with every sheet, its scores and its history; the judges who
    could still be added. Seven queries."""
    assignments = list(
        Assignment.objects.filter(contest=contest, entry_id=entry_id)
        .select_related("judge__department", "revision__redaction", "sheet", "waived_by")
        .order_by("judge__display_name", "judge__email")
    )
    if not assignments:
        raise Http404
    revision = assignments[0].revision
    entry = Entry.objects.select_related("author__department").get(pk=entry_id)
    sheets = [a.sheet for a in assignments if sheet_of(a)]
    scores: dict[int, dict[int, Score]] = {}
    for score in Score.objects.filter(sheet__in=sheets):
        scores.setdefault(score.sheet_id, {})[score.criterion_id] = score
    changes: dict[int, list[ScoreSheetChange]] = {}
    for change in ScoreSheetChange.objects.filter(sheet__in=sheets).select_related("changed_by"):
        changes.setdefault(change.sheet_id, []).append(change)
    assigned = {a.judge_id for a in assignments}
    entry_as_assigned = entry_ref(entry, revision.title)
    candidates = list(
        contest.judges.exclude(pk__in=assigned)
        .select_related("department")
        .order_by("display_name", "email")
    )
    addable = [
        judge
        for judge, ref in zip(candidates, judge_refs(candidates), strict=True)
        if eligible(entry_as_assigned, ref, recuse_same_department=contest.recuse_same_department)
    ]
    criteria = contest_criteria(contest)
    records = []
    for a in assignments:
        sheet = sheet_of(a)
        mine = scores.get(sheet.pk, {}) if sheet else {}
        records.append(
            SheetRecord(
                assignment=a,
                state=sheet_state(a),
                lines=[(c, mine.get(c.pk)) for c in criteria] if mine else [],
                changes=[
                    ChangeView(change, change_lines(change, criteria))
                    for change in (changes.get(sheet.pk, []) if sheet else [])
                ],
            )
        )
    return EntryJudging(
        entry=entry,
        revision=revision,
        redaction=redaction_of(revision),
        criteria=criteria,
        sheets=records,
        addable=addable,
    )


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
        "task": run.sample_task.title,
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
        Run.objects.filter(revision__in=revisions)
        .select_related("sample_task")
        .only("pk", "revision_id", "output", "sample_index", "sample_task__title")
    ):
        runs.setdefault(run.revision_id, []).append(run)
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
            runs = list(Run.objects.filter(revision=revision).select_related("sample_task"))
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
