"""Score sheets: drafts, submission, changes kept with who/when/before/after, and refusals."""

from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from contest.models import Contest
from contest.organise.lifecycle import contest_transition
from judging import services
from judging.models import Assignment, Score, ScoreSheet, ScoreSheetChange
from judging.services import SheetInput, SheetOutcome, level_key
from tests.judging.scenes import Scene, judged_contest


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def scene(db: None) -> Scene:
    return judged_contest(entries=3, judges=2, k=1, departments=2)


def _first(scene: Scene) -> Assignment:
    return Assignment.objects.filter(contest=scene.contest).select_related("judge").first()  # type: ignore[return-value]


def _input(scene: Scene, levels: list[int | None], overall: str = "") -> SheetInput:
    criteria = list(scene.contest.criteria.all())
    return SheetInput(
        levels={c.pk: level for c, level in zip(criteria, levels, strict=True)},
        comments={criteria[0].pk: "出力がそのまま使える"},
        overall_comment=overall,
    )


def _levels(assignment: Assignment) -> list[int | None]:
    return list(
        Score.objects.filter(sheet__assignment=assignment)
        .order_by("criterion__position")
        .values_list("level", flat=True)
    )


@pytest.mark.django_db
def test_a_draft_keeps_what_is_chosen_so_far_and_does_not_count(scene: Scene) -> None:
    assignment = _first(scene)
    services.sheet_save_draft(
        assignment=assignment, data=_input(scene, [4, None, 3, None, None]), by=assignment.judge
    )
    assert _levels(assignment) == [4, None, 3, None, None]
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.OPEN
    assert not assignment.sheet.is_submitted


@pytest.mark.django_db
def test_submitting_needs_a_level_for_every_criterion_and_stores_nothing_otherwise(
    scene: Scene,
) -> None:
    assignment = _first(scene)
    with pytest.raises(ValidationError) as refused:
        services.sheet_submit(
            assignment=assignment, data=_input(scene, [4, 5, None, 3, 3]), by=assignment.judge
        )
    third = scene.contest.criteria.all()[2]
    assert refused.value.message_dict[level_key(third.pk)] == [
        f"Choose a level for “{third.name}”."
    ]
    assert not ScoreSheet.objects.exists()
    assert Assignment.objects.get(pk=assignment.pk).status == Assignment.Status.OPEN


@pytest.mark.django_db
def test_a_level_outside_the_scale_is_refused_and_nothing_is_stored(scene: Scene) -> None:
    assignment = _first(scene)
    for save in (services.sheet_save_draft, services.sheet_submit):
        with pytest.raises(ValidationError) as refused:
            save(assignment=assignment, data=_input(scene, [6, 5, 4, 3, 0]), by=assignment.judge)
        messages = refused.value.messages
        assert any("6 is not a level of" in m and "from 1 to 5" in m for m in messages)
        assert any("0 is not a level of" in m for m in messages)
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_submission_then_a_change_is_recorded_with_who_when_before_and_after(
    scene: Scene,
) -> None:
    assignment = _first(scene)
    judge = assignment.judge
    first = services.sheet_submit(
        assignment=assignment, data=_input(scene, [4, 4, 3, 3, 5], "よい"), by=judge
    )
    assert first == SheetOutcome.SUBMITTED
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.SUBMITTED
    assert not ScoreSheetChange.objects.exists()

    same = services.sheet_submit(
        assignment=assignment, data=_input(scene, [4, 4, 3, 3, 5], "よい"), by=judge
    )
    assert same == SheetOutcome.UNCHANGED
    assert not ScoreSheetChange.objects.exists()

    changed = services.sheet_submit(
        assignment=assignment, data=_input(scene, [5, 4, 3, 3, 5], "とてもよい"), by=judge
    )
    assert changed == SheetOutcome.CHANGED
    (change,) = ScoreSheetChange.objects.all()
    criterion = str(scene.contest.criteria.all()[0].pk)
    assert change.changed_by == judge
    assert change.changed_at is not None
    assert change.old_values["scores"][criterion] == 4
    assert change.new_values["scores"][criterion] == 5
    assert (change.old_values["overall"], change.new_values["overall"]) == ("よい", "とてもよい")
    assert _levels(assignment) == [5, 4, 3, 3, 5]


@pytest.mark.django_db
def test_a_submitted_sheet_is_changed_by_submitting_again_not_by_autosave(scene: Scene) -> None:
    assignment = _first(scene)
    services.sheet_submit(
        assignment=assignment, data=_input(scene, [4, 4, 3, 3, 5]), by=assignment.judge
    )
    with pytest.raises(ValidationError, match="already submitted"):
        services.sheet_save_draft(
            assignment=assignment, data=_input(scene, [1, 1, 1, 1, 1]), by=assignment.judge
        )
    assert _levels(assignment) == [4, 4, 3, 3, 5]


@pytest.mark.django_db
def test_another_judges_sheet_cannot_be_written(scene: Scene) -> None:
    theirs = Assignment.objects.filter(contest=scene.contest).order_by("pk").first()
    assert theirs is not None
    other = next(j for j in scene.judges if j.pk != theirs.judge_id)
    with pytest.raises(ValidationError, match="belongs to another judge"):
        services.sheet_submit(assignment=theirs, data=_input(scene, [3] * 5), by=other)
    assert not ScoreSheet.objects.exists()


@pytest.mark.django_db
def test_sheets_cannot_change_once_judging_has_closed(scene: Scene) -> None:
    assignment = _first(scene)
    services.sheet_submit(assignment=assignment, data=_input(scene, [3] * 5), by=assignment.judge)
    Assignment.objects.filter(contest=scene.contest).update(status=Assignment.Status.SUBMITTED)
    contest_transition(contest=scene.contest, to_status=Contest.Status.RESULTS)
    with pytest.raises(ValidationError) as refused:
        services.sheet_submit(
            assignment=assignment, data=_input(scene, [5] * 5), by=assignment.judge
        )
    assert "Judging has ended for this contest (it is now “Results”)" in refused.value.messages[0]
    assert _levels(assignment) == [3] * 5
    assert not ScoreSheetChange.objects.exists()


@pytest.mark.django_db
def test_a_waived_assignment_is_not_scored(scene: Scene) -> None:
    assignment = _first(scene)
    Assignment.objects.filter(pk=assignment.pk).update(status=Assignment.Status.WAIVED)
    with pytest.raises(ValidationError, match="waived this assignment"):
        services.sheet_save_draft(
            assignment=assignment, data=_input(scene, [3] * 5), by=assignment.judge
        )
