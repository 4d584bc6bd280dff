"""Judging writes: score sheets with their history, redacted copies, and the criteria and
award tiers a contest is judged on. Keyword-only functions, no request. Assignments are in
`judging.assign.services`, award decisions in `judging.results.awards`.

Every write that depends on the contest's stage holds the contest's row lock, as the
lifecycle does when it moves the contest: a sheet cannot be submitted while judging is
being closed, and each rule is checked on what is committed.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import AwardTier, Contest, Criterion, EntryRevision, Run
from contest.organise.services import award_tiers_create, criteria_create
from judging.models import Assignment, Redaction, Score, ScoreSheet, ScoreSheetChange
from judging.rules import criteria_lock_reason, sheet_change_refusal

MAX_COMMENT_CHARS = 4000

Status = Contest.Status


def lock_contest(contest_id: int) -> Contest:
    """The contest as committed, its row held until the transaction ends."""
    return Contest.objects.select_for_update().get(pk=contest_id)


def refuse(reason: str | None, code: str) -> None:
    if reason:
        raise ValidationError(reason, code=code)


# --- Score sheets ---------------------------------------------------------------------------


def level_key(criterion_id: int) -> str:
    """The form field (and error key) of a criterion's level."""
    return f"level_{criterion_id}"


def comment_key(criterion_id: int) -> str:
    return f"comment_{criterion_id}"


@dataclass(frozen=True)
class SheetInput:
    """What a judge typed: a level per criterion (None: not chosen yet), comments."""

    levels: Mapping[int, int | None]
    comments: Mapping[int, str]
    overall_comment: str


class SheetOutcome(StrEnum):
    SUBMITTED = "submitted"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


def _criteria(contest: Contest) -> list[Criterion]:
    return list(Criterion.objects.filter(contest=contest).order_by("position", "pk"))


def _check_input(criteria: list[Criterion], data: SheetInput, *, complete: bool) -> None:
    """Every level on its criterion's scale; on submit, a level for every criterion."""
    errors: dict[str, list[ValidationError]] = {}
    for criterion in criteria:
        level = data.levels.get(criterion.pk)
        if level is None:
            if complete:
                errors[level_key(criterion.pk)] = [
                    ValidationError(
                        _("Choose a level for “%(criterion)s”.") % {"criterion": criterion.name},
                        code="missing",
                    )
                ]
        elif level not in criterion.scale:
            errors[level_key(criterion.pk)] = [
                ValidationError(
                    _(
                        "%(level)d is not a level of “%(criterion)s”: choose from %(min)d to "
                        "%(max)d."
                    )
                    % {
                        "level": level,
                        "criterion": criterion.name,
                        "min": criterion.scale_min,
                        "max": criterion.scale_max,
                    },
                    code="out_of_scale",
                )
            ]
        if len(data.comments.get(criterion.pk, "")) > MAX_COMMENT_CHARS:
            errors[comment_key(criterion.pk)] = [_too_long()]
    if len(data.overall_comment) > MAX_COMMENT_CHARS:
        errors["overall_comment"] = [_too_long()]
    if errors:
        raise ValidationError(errors)


def _too_long() -> ValidationError:
    return ValidationError(
        _("Keep a comment under %(max)d characters.") % {"max": MAX_COMMENT_CHARS},
        code="too_long",
    )


def _editable(assignment: Assignment, by: User) -> tuple[Contest, Assignment]:
    """The locked contest and the assignment as committed, once `by` may change its sheet."""
    contest = lock_contest(assignment.contest_id)
    fresh = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if fresh.judge_id != by.pk:
        # The views never get here (they 404); a caller that does is refused all the same.
        raise ValidationError(_("This score sheet belongs to another judge."), code="not_yours")
    refuse(sheet_change_refusal(fresh, contest), "closed")
    return contest, fresh


def sheet_values(sheet: ScoreSheet, scores: Iterable[Score]) -> dict[str, object]:
    """A sheet as its history records it (JSON keys are strings)."""
    ordered = sorted(scores, key=lambda score: score.criterion_id)
    return {
        "scores": {str(s.criterion_id): s.level for s in ordered},
        "comments": {str(s.criterion_id): s.comment for s in ordered},
        "overall": sheet.overall_comment,
    }


def _write(sheet: ScoreSheet, criteria: list[Criterion], data: SheetInput) -> list[Score]:
    existing = {score.criterion_id: score for score in sheet.scores.all()}
    changed, created = [], []
    for criterion in criteria:
        level = data.levels.get(criterion.pk)
        comment = data.comments.get(criterion.pk, "").strip()
        score = existing.get(criterion.pk)
        if score is None:
            created.append(Score(sheet=sheet, criterion=criterion, level=level, comment=comment))
        elif (score.level, score.comment) != (level, comment):
            score.level, score.comment = level, comment
            changed.append(score)
    Score.objects.bulk_create(created)
    Score.objects.bulk_update(changed, ["level", "comment"])
    sheet.overall_comment = data.overall_comment.strip()
    sheet.save(update_fields=["overall_comment", "submitted_at", "updated_at"])
    return [*existing.values(), *created]


def sheet_save_draft(*, assignment: Assignment, data: SheetInput, by: User) -> ScoreSheet:
    """Keep what the judge has chosen so far; a draft may leave levels empty."""
    with transaction.atomic():
        contest, assignment = _editable(assignment, by)
        sheet, _created = ScoreSheet.objects.get_or_create(assignment=assignment)
        if sheet.is_submitted:
            raise ValidationError(
                _(
                    "This sheet is already submitted: change it and press “Save changes”, "
                    "so the change is recorded."
                ),
                code="submitted",
            )
        criteria = _criteria(contest)
        _check_input(criteria, data, complete=False)
        _write(sheet, criteria, data)
    return sheet


def sheet_submit(*, assignment: Assignment, data: SheetInput, by: User) -> SheetOutcome:
    """Submit the sheet, or change a submitted one (recorded: who, when, before, after).

    Returns a `SheetOutcome`. Incomplete or out-of-scale input stores nothing.
    """
    with transaction.atomic():
        contest, assignment = _editable(assignment, by)
        criteria = _criteria(contest)
        _check_input(criteria, data, complete=True)
        sheet, _created = ScoreSheet.objects.get_or_create(assignment=assignment)
        before = sheet_values(sheet, sheet.scores.all()) if sheet.is_submitted else None
        first = before is None
        if first:
            sheet.submitted_at = timezone.now()
        after = sheet_values(sheet, _write(sheet, criteria, data))
        if first:
            Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.SUBMITTED)
            return SheetOutcome.SUBMITTED
        if before == after:
            return SheetOutcome.UNCHANGED
        ScoreSheetChange.objects.create(
            sheet=sheet, changed_by=by, old_values=before, new_values=after
        )
        return SheetOutcome.CHANGED


# --- Redacted copies ------------------------------------------------------------------------


def redaction_save(
    *,
    revision: EntryRevision,
    fields: Mapping[str, str],
    outputs: Mapping[int, str],
    by: User,
) -> Redaction:
    """Store the copy judges read instead of the revision; the original stays as it was.

    `fields` has Redaction's text fields; `outputs` the redacted output of any of the
    revision's runs (an output left as it was is not stored).
    """
    with transaction.atomic():
        contest = lock_contest(revision.entry.contest_id)
        if contest.status not in (Status.OPEN, Status.JUDGING):
            raise ValidationError(
                _(
                    "Redacted copies are written before and during judging; this contest is "
                    "“%(status)s”."
                )
                % {"status": contest.get_status_display()},
                code="closed",
            )
        if not fields.get("title", "").strip() or not fields.get("prompt_template", "").strip():
            raise ValidationError(
                _("The title and the prompt cannot be empty, even in a redacted copy."),
                code="required",
            )
        originals = dict(
            Run.objects.entry_runs().filter(revision=revision).values_list("pk", "output")
        )
        changed_outputs = {
            str(run_id): text
            for run_id, text in outputs.items()
            if run_id in originals and text != originals[run_id]
        }
        redaction, _created = Redaction.objects.update_or_create(
            revision=revision,
            defaults={
                **{name: fields.get(name, "") for name in Redaction.TEXT_FIELDS},
                "outputs": changed_outputs,
                "redacted_by": by,
            },
        )
    return redaction


# --- Criteria and award tiers ---------------------------------------------------------------


def criteria_replace(
    *,
    contest: Contest,
    criteria: Sequence[Mapping[str, Any]],
    tiers: Sequence[Mapping[str, Any]],
) -> None:
    """Make the contest's criteria and award tiers exactly these, in order.

    Only until a judge starts a sheet or an award is decided (`criteria_lock_reason`), so
    no score or decision refers to the rows replaced here.
    """
    if not criteria:
        raise ValidationError(_("Keep at least one criterion."), code="no_criteria")
    with transaction.atomic():
        contest = lock_contest(contest.pk)
        refuse(criteria_lock_reason(contest), "locked")
        Criterion.objects.filter(contest=contest).delete()
        AwardTier.objects.filter(contest=contest).delete()
        criteria_create(contest=contest, criteria=criteria)
        award_tiers_create(contest=contest, tiers=tiers)
