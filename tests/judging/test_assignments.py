"""Assignments: made when judging starts, re-balanced when judges change, changed by hand."""

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import User
from contest.models import Contest, Entry, EntryRevision
from contest.organise.lifecycle import TransitionError, allowed_transitions, contest_transition
from contest.organise.services import contest_save
from contest.services import entry_submit
from judging import services
from judging.assign import services as assign
from judging.models import Assignment, ScoreSheet
from judging.services import SheetInput
from tests import factories
from tests.judging.scenes import judged_contest, submitted_entries

Status = Contest.Status


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[Any]]]:
    """Every Celery message judging publishes, instead of a broker."""
    sent: list[tuple[str, list[Any]]] = []
    monkeypatch.setattr(
        "judging.mails.current_app.send_task", lambda name, args: sent.append((name, args))
    )
    return sent


def _loads(contest: Contest) -> Counter[int]:
    return Counter(Assignment.objects.filter(contest=contest).values_list("judge_id", flat=True))


def _open_contest(k: int = 2, **fields: Any) -> Contest:
    contest = factories.make_contest(judges_per_entry=k, **fields)
    factories.make_task(contest)
    return contest


# --- Made when judging starts ---------------------------------------------------------------


@pytest.mark.django_db
def test_judging_gives_every_submitted_entry_k_judges_never_its_author_nor_department() -> None:
    scene = judged_contest(entries=9, judges=5, k=3, departments=3)
    contest = scene.contest
    per_entry = Counter(
        Assignment.objects.filter(contest=contest).values_list("entry_id", flat=True)
    )
    assert set(per_entry.values()) == {3}
    assert len(per_entry) == 9
    loads = _loads(contest).values()
    assert max(loads) - min(loads) <= 1
    for assignment in Assignment.objects.filter(contest=contest).select_related(
        "judge", "entry__author"
    ):
        assert assignment.judge_id != assignment.entry.author_id
        assert assignment.judge.department_id != assignment.entry.author.department_id
        assert assignment.status == Assignment.Status.OPEN
        assert not assignment.manual


@pytest.mark.django_db
def test_judges_score_the_last_submitted_revision_not_later_drafts_nor_withdrawn_entries(
    staff: User, other_staff: User, judge: User
) -> None:
    contest = _open_contest(k=1, recuse_same_department=False)
    contest.judges.set([judge])
    entry = factories.make_entry(contest, staff, prompt_template="要約して {{input}}")
    entry_submit(entry=entry)
    entry.prompt_template = "箇条書きで要約して {{input}}"
    entry.save()
    entry_submit(entry=entry)
    entry.title = "保存だけした変更"
    entry.save()  # saved, never submitted: the contest still uses revision 2
    withdrawn = factories.make_entry(contest, other_staff, prompt_template="{{input}}")
    entry_submit(entry=withdrawn)
    Entry.objects.filter(pk=withdrawn.pk).update(status=Entry.Status.WITHDRAWN)
    factories.make_entry(contest, other_staff, title="下書きのまま")

    contest_transition(contest=contest, to_status=Status.JUDGING)

    (assignment,) = Assignment.objects.filter(contest=contest)
    assert assignment.entry_id == entry.pk
    assert assignment.revision == EntryRevision.objects.get(entry=entry, number=2)
    assert assignment.revision.prompt_template == "箇条書きで要約して {{input}}"


@pytest.mark.django_db
def test_an_impossible_assignment_refuses_judging_with_the_entry_and_stores_nothing(
    judge: User, department_b: Any
) -> None:
    contest = _open_contest(k=2)
    author = factories.make_user(department=department_b, display_name="同じ課の人")
    contest.judges.set([judge, factories.make_user(department=department_b)])
    (entry,) = submitted_entries(contest, [author])

    with pytest.raises(TransitionError) as refused:
        contest_transition(contest=contest, to_status=Status.JUDGING)

    assert entry.title in refused.value.message
    assert Contest.objects.get(pk=contest.pk).status == Status.OPEN
    assert not Assignment.objects.exists()


@pytest.mark.django_db
def test_the_assignment_is_the_same_each_time_for_a_contest() -> None:
    scene = judged_contest(entries=8, judges=5, k=2, departments=4)
    contest = scene.contest
    made = set(Assignment.objects.filter(contest=contest).values_list("entry_id", "judge_id"))
    assert assign.assignment_seed(contest) == contest.pk
    plan = assign.assignment_plan(
        contest, assign.judged_revisions(contest), list(contest.judges.order_by("pk"))
    )
    assert {(e, j) for e, judges in plan.items() for j in judges} == made


@pytest.mark.django_db(transaction=True)
def test_judges_are_mailed_about_their_assignments_once_judging_has_committed(
    published: list[tuple[str, list[Any]]],
) -> None:
    scene = judged_contest(entries=4, judges=3, k=1, departments=3)
    assert sorted(published) == sorted(
        ("judging.tasks.send_assignment_mail", [scene.contest.pk, judge.pk])
        for judge in {a.judge for a in Assignment.objects.filter(contest=scene.contest)}
    )


@pytest.mark.django_db
def test_a_contest_without_submitted_entries_starts_judging_without_assignments() -> None:
    contest = _open_contest()
    contest_transition(contest=contest, to_status=Status.JUDGING)
    assert Contest.objects.get(pk=contest.pk).status == Status.JUDGING
    assert not Assignment.objects.exists()


# --- Re-balanced when the judges change -----------------------------------------------------


def _save_judges(contest: Contest, judges: list[User]) -> None:
    contest_save(contest=contest, categories=[], judges=judges)


def _submit(assignment: Assignment, levels: int = 3) -> None:
    criteria = assignment.contest.criteria.all()
    services.sheet_submit(
        assignment=assignment,
        data=SheetInput(levels={c.pk: levels for c in criteria}, comments={}, overall_comment=""),
        by=assignment.judge,
    )


@pytest.mark.django_db
def test_removing_a_judge_moves_their_open_work_and_keeps_what_they_submitted() -> None:
    scene = judged_contest(entries=6, judges=5, k=2, departments=5)
    contest = scene.contest
    leaving = scene.judges[1]
    done, *_open = scene.assignments_of(leaving)
    _submit(done)

    _save_judges(contest, [j for j in scene.judges if j != leaving])

    left = Assignment.objects.filter(contest=contest, judge=leaving)
    assert list(left.values_list("pk", "status")) == [(done.pk, Assignment.Status.SUBMITTED)]
    # Every entry has two judges who stay; the submitted sheet is kept besides.
    for entry in scene.entries:
        assert Assignment.objects.filter(entry=entry).exclude(judge=leaving).count() == 2
    stayed = Assignment.objects.filter(contest=contest).exclude(judge=leaving)
    loads = Counter(stayed.values_list("judge_id", flat=True)).values()
    assert max(loads) - min(loads) <= 1


@pytest.mark.django_db
def test_adding_a_judge_takes_open_work_and_leaves_submitted_and_started_sheets_alone(
    published: list[tuple[str, list[Any]]],
) -> None:
    scene = judged_contest(entries=6, judges=3, k=2, departments=3)
    contest = scene.contest
    first = scene.assignments_of(scene.judges[0])
    _submit(first[0])
    services.sheet_save_draft(
        assignment=first[1],
        data=SheetInput(levels={}, comments={}, overall_comment="途中まで"),
        by=scene.judges[0],
    )
    newcomer = factories.make_user(department=factories.make_department())

    _save_judges(contest, [*scene.judges, newcomer])

    assert Assignment.objects.filter(pk=first[0].pk, status=Assignment.Status.SUBMITTED).exists()
    assert ScoreSheet.objects.filter(assignment_id=first[1].pk).exists()
    assert Assignment.objects.filter(contest=contest, judge=newcomer).count() >= 2
    loads = _loads(contest).values()
    assert max(loads) - min(loads) <= 1
    assert set(Counter(Assignment.objects.values_list("entry_id", flat=True)).values()) == {2}


@pytest.mark.django_db
def test_removing_judges_that_leave_an_entry_uncovered_refuses_the_save() -> None:
    scene = judged_contest(entries=4, judges=3, k=2, departments=3)
    contest = scene.contest
    before = set(Assignment.objects.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as refused:
        _save_judges(contest, scene.judges[:1])
    assert "judges" in refused.value.error_dict
    assert set(Assignment.objects.values_list("pk", flat=True)) == before


@pytest.mark.django_db
def test_judges_changing_before_or_after_judging_touch_no_assignment() -> None:
    scene = judged_contest(entries=4, judges=3, k=1, departments=3)
    contest = scene.contest
    Assignment.objects.filter(contest=contest).update(status=Assignment.Status.WAIVED)
    contest_transition(contest=contest, to_status=Status.RESULTS)
    before = list(Assignment.objects.values_list("pk", "judge_id"))
    _save_judges(contest, scene.judges[:1])
    assert list(Assignment.objects.values_list("pk", "judge_id")) == before


# --- By hand --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_organiser_adds_a_judge_by_hand_and_the_usual_conflicts_still_apply(
    published: list[tuple[str, list[Any]]],
) -> None:
    scene = judged_contest(entries=3, judges=4, k=1, departments=2)
    contest = scene.contest
    entry = scene.entries[0]
    assigned = set(entry.assignments.values_list("judge_id", flat=True))
    colleague = next(
        j
        for j in scene.judges
        if j.department_id == entry.author.department_id and j.pk not in assigned
    )
    outsider = next(
        j
        for j in scene.judges
        if j.department_id != entry.author.department_id and j.pk not in assigned
    )

    with pytest.raises(ValidationError) as refused:
        assign.assignment_add(contest=contest, entry=entry, judge=colleague)
    assert "same department" in refused.value.messages[0]
    with pytest.raises(ValidationError) as refused:
        assign.assignment_add(contest=contest, entry=entry, judge=entry.author)
    assert "not a judge of this contest" in refused.value.messages[0]

    added = assign.assignment_add(contest=contest, entry=entry, judge=outsider)
    assert added.manual
    assert {a.revision_id for a in entry.assignments.all()} == {added.revision_id}
    with pytest.raises(ValidationError) as refused:
        assign.assignment_add(contest=contest, entry=entry, judge=outsider)
    assert "already assigned" in refused.value.messages[0]


@pytest.mark.django_db
def test_a_judge_never_gets_their_own_entry_even_by_hand() -> None:
    scene = judged_contest(entries=2, judges=3, k=1, departments=3)
    contest = scene.contest
    judge = scene.judges[0]
    (own,) = submitted_entries(contest, [judge])
    Assignment.objects.create(
        contest=contest, entry=own, revision=own.revisions.get(), judge=scene.judges[1]
    )
    with pytest.raises(ValidationError) as refused:
        assign.assignment_add(contest=contest, entry=own, judge=judge)
    assert "wrote this entry" in refused.value.messages[0]


@pytest.mark.django_db
def test_only_an_open_assignment_can_be_removed_or_waived(organiser: User) -> None:
    scene = judged_contest(entries=2, judges=2, k=1, departments=2)
    first, second = Assignment.objects.filter(contest=scene.contest).order_by("pk")
    _submit(first)
    with pytest.raises(ValidationError, match="still to be scored can be removed"):
        assign.assignment_remove(assignment=first)
    with pytest.raises(ValidationError, match="still to be scored can be waived"):
        assign.assignment_waive(assignment=first, reason="不在", by=organiser)
    with pytest.raises(ValidationError, match="Write why"):
        assign.assignment_waive(assignment=second, reason="  ", by=organiser)

    assign.assignment_waive(assignment=second, reason="利害関係が判明", by=organiser)
    second.refresh_from_db()
    assert (second.status, second.waived_reason, second.waived_by) == (
        Assignment.Status.WAIVED,
        "利害関係が判明",
        organiser,
    )
    assert second.waived_at is not None


@pytest.mark.django_db
def test_assignments_change_by_hand_only_while_judging(organiser: User) -> None:
    scene = judged_contest(entries=2, judges=2, k=1, departments=2)
    Assignment.objects.filter(contest=scene.contest).update(status=Assignment.Status.WAIVED)
    contest_transition(contest=scene.contest, to_status=Status.RESULTS)
    assignment = Assignment.objects.filter(contest=scene.contest).first()
    assert assignment is not None
    with pytest.raises(ValidationError, match="only while the contest is being judged"):
        assign.assignment_remove(assignment=assignment)


@pytest.mark.django_db
def test_the_dashboard_says_before_judging_when_there_are_too_few_judges(judge: User) -> None:
    contest = _open_contest(k=2)
    contest.judges.set([judge])
    (judging,) = [t for t in allowed_transitions(contest) if t.status == Status.JUDGING]
    assert judging.ok  # nothing submitted yet: nothing to assign
    submitted_entries(contest, [factories.make_user(department=factories.make_department())])
    (judging,) = [t for t in allowed_transitions(contest) if t.status == Status.JUDGING]
    assert not judging.ok
    assert "Each entry needs 2 judges, but 1 judge is chosen." in judging.reason
