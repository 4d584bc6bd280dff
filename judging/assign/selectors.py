"""The organiser's reads of the assignment: entries × judges with each judge's progress,
whether the judges chosen could start judging, one entry's judges with their sheets and
history. Organisers only (they name judges and entrants); a fixed number of queries each.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import Contest, Criterion, Entry, EntryRevision
from judging.assign.services import assignment_plan, entry_ref, judge_refs, judged_revisions
from judging.assignment import eligible
from judging.models import Assignment, Redaction, Score, ScoreSheetChange
from judging.selectors import SheetState, contest_criteria, redaction_of, sheet_of, sheet_state

MATRIX_PAGE_SIZE = 50


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


@dataclass
class Matrix:
    judges: list[JudgeProgress]
    page: Page[EntryRevision]
    rows: list[MatrixRow]

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
    for row in rows:
        judge_progress = progress[row["judge_id"]]
        for name in ("submitted", "waived", "started", "to_score"):
            setattr(judge_progress, name, row[name])
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
            MatrixRow(revision=revision, cells=[sheet_state(a) if a else None for a in found])
        )
    return Matrix(judges=list(progress.values()), page=page, rows=matrix_rows)


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
