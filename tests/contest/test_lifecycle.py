"""The contest lifecycle: one step at a time, guards that say why, races that cannot slip by."""

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone, translation

from accounts.models import User
from contest import rules, services
from contest.models import Contest, Entry
from contest.organise import lifecycle
from contest.organise import rules as organise_rules
from contest.organise.lifecycle import TransitionError, allowed_transitions, contest_transition
from contest.services import entry_submit
from tests import factories

Status = Contest.Status


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _contest(status: str = Status.DRAFT, *, tasks: int = 1, **fields: object) -> Contest:
    contest = factories.make_contest(status=status, **fields)
    for _ in range(tasks):
        factories.make_task(contest)
    return contest


def _status_in_db(contest: Contest) -> str:
    return Contest.objects.get(pk=contest.pk).status


@pytest.mark.django_db
def test_contest_goes_through_every_stage_in_order(staff: User) -> None:
    contest = _contest()
    contest.judges.add(staff)
    for status in (Status.OPEN, Status.JUDGING, Status.RESULTS, Status.PUBLISHED):
        contest_transition(contest=contest, to_status=status)
        assert _status_in_db(contest) == status
        assert contest.status == status


@pytest.mark.django_db
def test_contest_cannot_open_without_a_sample_task() -> None:
    contest = _contest(tasks=0)
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=contest, to_status=Status.OPEN)
    assert caught.value.code == "no_sample_task"
    assert "Add at least one sample task" in caught.value.message
    assert _status_in_db(contest) == Status.DRAFT


@pytest.mark.django_db
def test_contest_cannot_open_when_its_closing_time_has_passed() -> None:
    now = timezone.now()
    contest = _contest(opens_at=now - timedelta(days=10), closes_at=now - timedelta(hours=1))
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=contest, to_status=Status.OPEN, now=now)
    assert caught.value.code == "closes_in_past"
    assert "closing time in the future" in caught.value.message
    assert _status_in_db(contest) == Status.DRAFT


@pytest.mark.django_db
def test_contest_may_open_before_its_opening_time() -> None:
    now = timezone.now()
    contest = _contest(opens_at=now + timedelta(days=2), closes_at=now + timedelta(days=9))
    contest_transition(contest=contest, to_status=Status.OPEN, now=now)
    assert _status_in_db(contest) == Status.OPEN
    assert not contest.accepts_entries(now)


@pytest.mark.django_db
def test_contest_cannot_close_before_its_opening_time() -> None:
    now = timezone.now()
    contest = _contest(
        Status.OPEN, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=9)
    )
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=contest, to_status=Status.JUDGING, now=now)
    assert caught.value.code == "before_opens"
    assert "has not started yet" in caught.value.message
    assert _status_in_db(contest) == Status.OPEN


@pytest.mark.django_db
def test_closing_early_is_allowed_and_the_dashboard_says_so(staff: User) -> None:
    contest = _contest(Status.OPEN)
    contest.judges.add(staff)
    (judging,) = [t for t in allowed_transitions(contest) if t.status == Status.JUDGING]
    assert judging.ok
    assert "closes entries early" in judging.reason
    contest_transition(contest=contest, to_status=Status.JUDGING)
    assert _status_in_db(contest) == Status.JUDGING


@pytest.mark.django_db
def test_judging_without_judges_is_allowed_with_a_warning() -> None:
    contest = _contest(Status.OPEN)
    (judging,) = [t for t in allowed_transitions(contest) if t.status == Status.JUDGING]
    assert judging.ok
    assert "no judges" in judging.reason
    contest_transition(contest=contest, to_status=Status.JUDGING)
    assert lifecycle.transition_warnings(contest, Status.JUDGING)
    assert _status_in_db(contest) == Status.JUDGING


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.DRAFT, Status.JUDGING),
        (Status.OPEN, Status.RESULTS),
        (Status.JUDGING, Status.OPEN),
        (Status.RESULTS, Status.JUDGING),
        (Status.PUBLISHED, Status.DRAFT),
    ],
)
def test_contest_cannot_skip_or_go_back_a_stage(start: str, target: str) -> None:
    contest = _contest(start)
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=contest, to_status=target)
    assert caught.value.code == "skip"
    assert "one step at a time" in caught.value.message
    assert _status_in_db(contest) == start


@pytest.mark.django_db
@pytest.mark.parametrize("start", [Status.DRAFT, Status.OPEN, Status.JUDGING])
def test_results_are_published_only_from_results(start: str) -> None:
    contest = _contest(start)
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=contest, to_status=Status.PUBLISHED)
    assert caught.value.code == "publish_needs_results"
    assert _status_in_db(contest) == start


@pytest.mark.django_db
def test_unknown_or_same_status_is_refused() -> None:
    contest = _contest(Status.OPEN)
    with pytest.raises(TransitionError):
        contest_transition(contest=contest, to_status="archived")
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=contest, to_status=Status.OPEN)
    assert caught.value.code == "same_status"


@pytest.mark.django_db
def test_open_contest_goes_back_to_draft_while_nobody_has_entered() -> None:
    contest = _contest(Status.OPEN)
    contest_transition(contest=contest, to_status=Status.DRAFT)
    assert _status_in_db(contest) == Status.DRAFT


@pytest.mark.django_db
def test_open_contest_with_an_entry_cannot_go_back_to_draft(staff: User) -> None:
    contest = _contest(Status.OPEN)
    factories.make_entry(contest, staff)
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=contest, to_status=Status.DRAFT)
    assert caught.value.code == "has_entries"
    assert "cannot go back to draft" in caught.value.message
    assert _status_in_db(contest) == Status.OPEN


@pytest.mark.django_db
def test_a_change_made_meanwhile_by_someone_else_is_not_overwritten() -> None:
    contest = _contest(Status.OPEN)
    stale = Contest.objects.get(pk=contest.pk)
    contest_transition(contest=contest, to_status=Status.JUDGING)
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=stale, to_status=Status.DRAFT)
    assert caught.value.code == "concurrent"
    assert "Judging" in caught.value.message
    assert _status_in_db(contest) == Status.JUDGING


@pytest.mark.django_db
def test_an_entry_arriving_after_the_check_still_blocks_going_back_to_draft(
    staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    contest = _contest(Status.OPEN)
    real_guard = lifecycle._guard_problem
    calls = []

    def guard_then_entry_arrives(*args: object) -> object:
        calls.append(args)
        result = real_guard(*args)  # type: ignore[arg-type]
        if len(calls) == 1:
            factories.make_entry(contest, staff)
        return result

    monkeypatch.setattr(lifecycle, "_guard_problem", guard_then_entry_arrives)
    with pytest.raises(TransitionError) as caught:
        contest_transition(contest=contest, to_status=Status.DRAFT)
    assert caught.value.code == "has_entries"
    assert _status_in_db(contest) == Status.OPEN


@pytest.mark.django_db
def test_allowed_transitions_explain_why_a_button_is_disabled(staff: User) -> None:
    draft = _contest(tasks=0)
    assert [(t.status, t.ok) for t in allowed_transitions(draft)] == [(Status.OPEN, False)]
    assert "Add at least one sample task" in allowed_transitions(draft)[0].reason

    open_contest = _contest(Status.OPEN)
    factories.make_entry(open_contest, staff)
    transitions = {t.status: t for t in allowed_transitions(open_contest)}
    assert transitions[Status.JUDGING].ok
    assert not transitions[Status.DRAFT].ok
    assert transitions[Status.DRAFT].label == "Back to draft"

    published = _contest(Status.PUBLISHED)
    assert allowed_transitions(published) == []


@pytest.mark.django_db
def test_model_settings_and_tasks_lock_once_an_entry_has_runs(staff: User) -> None:
    contest = _contest(Status.OPEN)
    factories.make_task(contest)
    entry = factories.make_entry(contest, staff, prompt_template="要約して {{input}}")
    assert organise_rules.model_settings_editable(contest)  # a draft entry has no runs yet
    entry_submit(entry=entry)
    assert not organise_rules.model_settings_editable(contest)


@pytest.mark.django_db
def test_entries_are_accepted_only_while_open_between_the_times() -> None:
    now = timezone.now()
    contest = _contest(
        Status.OPEN, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1)
    )
    assert contest.accepts_entries(now)
    assert not contest.accepts_entries(now + timedelta(hours=2))
    contest_transition(contest=contest, to_status=Status.JUDGING, now=now)
    assert not contest.accepts_entries(now)


@pytest.mark.django_db(transaction=True)
def test_a_change_of_status_waits_for_an_entry_being_written_and_then_sees_it(
    open_contest: Contest, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time anyway")
    locked, release = threading.Event(), threading.Event()
    check_limit = rules.entry_check_limit

    def pause_inside_the_transaction(**kwargs: Any) -> None:
        locked.set()  # the contest row is locked by now
        release.wait(timeout=10)
        check_limit(**kwargs)

    monkeypatch.setattr(services, "entry_check_limit", pause_inside_the_transaction)
    outcome: dict[str, object] = {}

    def create_entry() -> None:
        try:
            services.entry_create(
                contest=open_contest, author=staff, data={"title": "締切間際"}, form_token=None
            )
        finally:
            connection.close()

    def back_to_draft() -> None:
        try:
            contest_transition(contest=Contest.objects.get(pk=open_contest.pk), to_status="draft")
            outcome["result"] = "changed"
        except TransitionError as error:
            outcome["result"] = error.code
        finally:
            connection.close()

    writer = threading.Thread(target=create_entry)
    writer.start()
    assert locked.wait(timeout=10)
    organiser_click = threading.Thread(target=back_to_draft)
    organiser_click.start()
    organiser_click.join(timeout=1)
    assert organiser_click.is_alive()  # waiting for the entry's transaction
    release.set()
    writer.join(timeout=10)
    organiser_click.join(timeout=10)

    assert Entry.objects.filter(contest=open_contest).count() == 1
    assert outcome["result"] != "changed"
    assert Contest.objects.get(pk=open_contest.pk).status == Contest.Status.OPEN
