"""Publishing a contest fills the gallery: in the same transaction, once, frozen."""

import pytest
from django.core.exceptions import ValidationError

from contest import extensions
from contest.models import Contest, Entry
from contest.organise.lifecycle import TransitionError, contest_transition
from gallery.models import GalleryPrompt
from gallery.publishing import contest_publish

from .conftest import HIDDEN_OUTPUT, HIDDEN_TASK_INPUT, JUDGE_COMMENT, Published

pytestmark = pytest.mark.django_db


def _prompt(entry: Entry) -> GalleryPrompt:
    return GalleryPrompt.objects.get(entry=entry)


def test_publishing_snapshots_winners_and_shared_entries_only(published: Published):
    titles = set(GalleryPrompt.objects.values_list("entry_id", flat=True))
    assert titles == {
        e.pk
        for e in (
            published.winner,
            published.department_only,
            published.anonymous,
            published.special,
            published.shared,
        )
    }


def test_award_rank_and_rationale_come_from_the_decision(published: Published):
    winner = _prompt(published.winner)
    assert (winner.award_name, winner.award_rank) == ("最優秀賞", 1)
    assert winner.rationale == f"{published.winner.title}は実用性が高い。"
    assert _prompt(published.shared).award_name == ""


def test_a_winner_without_rationale_gets_its_best_criteria_by_name(published: Published):
    rationale = _prompt(published.special).rationale
    names = set(published.contest.criteria.values_list("name_ja", flat=True))
    assert rationale.startswith("特に高く評価された観点：")
    assert set(rationale.removeprefix("特に高く評価された観点：").split("、")) <= names
    assert JUDGE_COMMENT not in rationale
    assert not any(char.isdigit() for char in rationale)


def test_the_credit_is_what_the_author_chose(published: Published):
    winner = _prompt(published.winner)
    assert winner.credit_name == published.winner.author.display_name
    department = published.winner.author.department
    assert department is not None
    assert winner.credit_department == department.name_ja
    department_only = _prompt(published.department_only)
    assert department_only.credit_name == ""
    assert department_only.credit_department
    anonymous = _prompt(published.anonymous)
    assert (anonymous.credit_name, anonymous.credit_department) == ("", "")


def test_examples_come_only_from_visible_tasks(published: Published):
    prompt = _prompt(published.winner)
    assert prompt.examples
    for example in prompt.examples:
        assert example["output"] != HIDDEN_OUTPUT
        assert example["input"] != HIDDEN_TASK_INPUT
        assert example["model"] == "gpt-4o-mini"
    assert prompt.variables == [
        {"name": "input", "label": "入力", "example": "令和7年度の住民税の納付期限は6月30日です。"}
    ]


def test_snapshot_is_frozen_against_later_edits(published: Published):
    Entry.objects.filter(pk=published.winner.pk).update(title="書き換えたタイトル")
    published.winner.author.display_name = "改名"
    published.winner.author.save()
    prompt = _prompt(published.winner)
    assert prompt.title != "書き換えたタイトル"
    assert prompt.credit_name != "改名"


def test_publishing_twice_creates_nothing_new(published: Published):
    before = GalleryPrompt.objects.count()
    contest_publish(published.contest)
    assert GalleryPrompt.objects.count() == before


def test_a_contest_that_does_not_allow_sharing_publishes_only_winners(organiser):
    from .conftest import results_contest

    scene = results_contest(organiser, allow_gallery_sharing=False)
    contest_transition(contest=scene.contest, to_status=Contest.Status.PUBLISHED)
    assert not GalleryPrompt.objects.filter(entry=scene.shared).exists()
    assert GalleryPrompt.objects.count() == 4


def test_withdrawn_entries_are_never_published(ready: Published):
    Entry.objects.filter(pk=ready.shared.pk).update(status=Entry.Status.WITHDRAWN)
    contest_transition(contest=ready.contest, to_status=Contest.Status.PUBLISHED)
    assert not GalleryPrompt.objects.filter(entry=ready.shared).exists()


def test_publishing_is_all_or_nothing(ready: Published):
    def fail_after(contest: Contest) -> None:
        raise ValidationError("later effect failed")

    extensions.register_transition_effect(Contest.Status.PUBLISHED, fail_after)
    try:
        with pytest.raises(TransitionError):
            contest_transition(contest=ready.contest, to_status=Contest.Status.PUBLISHED)
    finally:
        extensions.registry.effects[Contest.Status.PUBLISHED].remove(fail_after)
    assert GalleryPrompt.objects.count() == 0
    ready.contest.refresh_from_db()
    assert ready.contest.status == Contest.Status.RESULTS
