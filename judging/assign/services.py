"""Assignment writes: made by the move to judging, re-balanced when the judges change, one
added, removed or waived by an organiser's hand. Keyword-only functions, no request.

Each holds the contest's row lock: the move to judging and a change of judges already run
under it (the lifecycle and `contest_save` take it), the hand tools take it themselves.
Judges hear of new work by mail once the transaction commits (`judging.mails`).
"""

from collections.abc import Collection, Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import Contest, Entry, EntryRevision
from judging.assignment import AssignmentImpossible, EntryRef, JudgeRef, assign, eligible
from judging.mails import ASSIGNMENT_MAIL_TASK, mail_after_commit
from judging.models import Assignment, ScoreSheet
from judging.rules import assignment_change_refusal
from judging.services import lock_contest, refuse

Status = Contest.Status


def assignment_seed(contest: Contest) -> int:
    """The seed of the contest's assignment: its id, so the same contest gives the same
    assignment every time (a re-balance included)."""
    return contest.pk


def judged_revisions(contest: Contest) -> list[EntryRevision]:
    """What judging scores: each submitted entry's last submitted revision. Withdrawn and
    never-submitted entries are left out."""
    return list(
        EntryRevision.objects.filter(
            entry__contest=contest,
            entry__status=Entry.Status.SUBMITTED,
            number=F("entry__revision"),
        )
        .select_related("entry__author__department", "redaction")
        .order_by("entry_id")
    )


def entry_ref(entry: Entry, title: str) -> EntryRef:
    """The entry as the assignment sees it; `title` names it in a refusal."""
    author = entry.author
    return EntryRef(
        id=entry.pk, author_id=author.pk, department_id=author.department_id, label=title
    )


def judge_refs(judges: Iterable[User]) -> list[JudgeRef]:
    return [
        JudgeRef(
            id=judge.pk,
            department_id=judge.department_id,
            department_name=judge.department.name if judge.department else "",
            label=judge.label,
        )
        for judge in judges
    ]


def _contest_judges(contest: Contest) -> list[User]:
    return list(contest.judges.select_related("department").order_by("pk"))


def assignment_plan(
    contest: Contest,
    revisions: list[EntryRevision],
    judges: list[User],
    keep: Mapping[int, Collection[int]] | None = None,
) -> dict[int, list[int]]:
    try:
        return assign(
            [entry_ref(revision.entry, revision.title) for revision in revisions],
            judge_refs(judges),
            k=contest.judges_per_entry,
            recuse_same_department=contest.recuse_same_department,
            seed=assignment_seed(contest),
            keep=keep,
        )
    except AssignmentImpossible as error:
        raise ValidationError(
            [problem.message for problem in error.problems], code="assignment_impossible"
        ) from error


def assignments_make(contest: Contest) -> None:
    """Give every judged entry k judges: the effect of moving the contest to judging.

    Runs inside the status change's transaction (the contest row is locked); a constraint
    that makes k impossible refuses the change with each entry's reason, and nothing is
    stored. Judges get their mail once it commits.
    """
    revisions = judged_revisions(contest)
    if not revisions:
        return
    plan = assignment_plan(contest, revisions, _contest_judges(contest))
    by_entry = {revision.entry_id: revision for revision in revisions}
    Assignment.objects.bulk_create(
        Assignment(contest=contest, entry_id=entry_id, revision=by_entry[entry_id], judge_id=judge)
        for entry_id, judges in plan.items()
        for judge in judges
    )
    mail_after_commit(ASSIGNMENT_MAIL_TASK, contest, {j for js in plan.values() for j in js})


def assignments_rebalance(contest: Contest) -> None:
    """Re-assign the open work after the contest's judges changed (while judging).

    Submitted and waived assignments of judges who stay are kept as they are (handed to the
    assignment as `keep`, at most k per entry); so are open ones a judge has started, when
    the balance allows. A removed judge's open assignments go; their submitted sheets stay
    and still count. Assignments an organiser added by hand are extra and left alone.
    Refused (the judges field names why) when the new judges cannot cover every entry.
    """
    if contest.status != Status.JUDGING:
        return
    judges = _contest_judges(contest)
    judge_ids = {judge.pk for judge in judges}
    current = list(
        Assignment.objects.filter(contest=contest)
        .select_related("revision__entry__author", "sheet")
        .order_by("pk")
    )
    revisions = list({a.entry_id: a.revision for a in current}.values())
    automatic = [a for a in current if not a.manual and a.judge_id in judge_ids]
    done = [a for a in automatic if a.status != Assignment.Status.OPEN]
    started = [a for a in automatic if a.status == Assignment.Status.OPEN and _has_sheet(a)]
    k = contest.judges_per_entry
    try:
        try:
            plan = assignment_plan(contest, revisions, judges, keep=_pairs(done + started, k))
        except ValidationError:
            # Keeping the drafts made it impossible: keep only what is submitted or waived.
            plan = assignment_plan(contest, revisions, judges, keep=_pairs(done, k))
    except ValidationError as error:
        raise ValidationError({"judges": error.messages}, code="assignment_impossible") from error
    wanted = {(entry_id, judge) for entry_id, js in plan.items() for judge in js}
    existing = {(a.entry_id, a.judge_id): a for a in current}
    gone = [
        a.pk
        for a in current
        if a.status == Assignment.Status.OPEN
        and (
            a.judge_id not in judge_ids or (not a.manual and (a.entry_id, a.judge_id) not in wanted)
        )
    ]
    Assignment.objects.filter(pk__in=gone).delete()
    # A pair the organiser had added by hand now belongs to the balanced assignment.
    Assignment.objects.filter(
        pk__in=[existing[p].pk for p in wanted if p in existing and existing[p].manual]
    ).update(manual=False)
    by_entry = {revision.entry_id: revision for revision in revisions}
    new = [pair for pair in wanted if pair not in existing]
    Assignment.objects.bulk_create(
        Assignment(contest=contest, entry_id=entry_id, revision=by_entry[entry_id], judge_id=judge)
        for entry_id, judge in sorted(new)
    )
    mail_after_commit(ASSIGNMENT_MAIL_TASK, contest, {judge for _entry, judge in new})


def _has_sheet(assignment: Assignment) -> bool:
    try:
        return assignment.sheet is not None
    except ScoreSheet.DoesNotExist:
        return False


def _pairs(assignments: Iterable[Assignment], k: int) -> dict[int, list[int]]:
    """entry id → judges to keep, at most k each: submitted first, then waived, then begun.

    More than k happen when a judge who had submitted comes back after their entries were
    given to someone else; the extra submitted sheets stay all the same.
    """
    order: dict[str, int] = {Assignment.Status.SUBMITTED: 0, Assignment.Status.WAIVED: 1}
    keep: dict[int, list[int]] = {}
    for assignment in sorted(assignments, key=lambda a: (order.get(a.status, 2), a.pk)):
        judges = keep.setdefault(assignment.entry_id, [])
        if len(judges) < k:
            judges.append(assignment.judge_id)
    return keep


def assignment_add(*, contest: Contest, entry: Entry, judge: User) -> Assignment:
    """One more judge for an entry, by an organiser's hand; the usual conflicts still apply."""
    with transaction.atomic():
        contest = lock_contest(contest.pk)
        refuse(assignment_change_refusal(contest), "not_judging")
        if entry.contest_id != contest.pk:
            raise ValidationError(_("This entry belongs to another contest."), code="other_contest")
        revision = (
            Assignment.objects.filter(entry=entry).values_list("revision_id", flat=True).first()
        )
        if revision is None:
            raise ValidationError(
                _("This entry is not being judged (it was not submitted when judging started)."),
                code="not_judged",
            )
        if not contest.judges.filter(pk=judge.pk).exists():
            raise ValidationError(
                _("%(judge)s is not a judge of this contest. Add them in the settings first.")
                % {"judge": judge.label},
                code="not_a_judge",
            )
        refuse(_conflict(contest, entry, judge), "conflict")
        if Assignment.objects.filter(entry=entry, judge=judge).exists():
            raise ValidationError(
                _("%(judge)s is already assigned to this entry.") % {"judge": judge.label},
                code="already_assigned",
            )
        assignment = Assignment.objects.create(
            contest=contest, entry=entry, revision_id=revision, judge=judge, manual=True
        )
        mail_after_commit(ASSIGNMENT_MAIL_TASK, contest, {judge.pk})
    return assignment


def _conflict(contest: Contest, entry: Entry, judge: User) -> str | None:
    (judge_ref,) = judge_refs([judge])
    if eligible(
        entry_ref(entry, entry.title),
        judge_ref,
        recuse_same_department=contest.recuse_same_department,
    ):
        return None
    if judge.pk == entry.author_id:
        return _("%(judge)s wrote this entry, and nobody judges their own entry.") % {
            "judge": judge.label
        }
    return _(
        "%(judge)s works in the same department as the author (%(department)s), and this "
        "contest keeps judges away from their own department's entries."
    ) % {"judge": judge.label, "department": judge_ref.department_name}


def assignment_remove(*, assignment: Assignment) -> None:
    """Take an open assignment away (with any draft); submitted sheets always stay."""
    with transaction.atomic():
        refuse(assignment_change_refusal(lock_contest(assignment.contest_id)), "not_judging")
        removed, _detail = Assignment.objects.filter(
            pk=assignment.pk, status=Assignment.Status.OPEN
        ).delete()
        if not removed:
            raise ValidationError(
                _(
                    "Only an assignment that is still to be scored can be removed; a submitted "
                    "or waived one stays on record."
                ),
                code="not_open",
            )


def assignment_waive(*, assignment: Assignment, reason: str, by: User) -> None:
    """The judge will not score this entry (ill, a conflict found late…); the reason stays."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Write why this assignment is waived."), code="reason_required")
    with transaction.atomic():
        refuse(assignment_change_refusal(lock_contest(assignment.contest_id)), "not_judging")
        changed = Assignment.objects.filter(pk=assignment.pk, status=Assignment.Status.OPEN).update(
            status=Assignment.Status.WAIVED,
            waived_reason=reason,
            waived_by=by,
            waived_at=timezone.now(),
        )
        if not changed:
            raise ValidationError(
                _("Only an assignment that is still to be scored can be waived."),
                code="not_open",
            )
