"""Preview runs ("try it"): one mechanism for the entry form and the gallery, on the same
engine as entry runs, counted nowhere a contest is counted."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks, Settings

from accounts.models import User
from config.celery import app as celery_app
from contest import home
from contest.limits import RateLimitedError
from contest.models import Contest, Entry, EntryRevision, Run
from contest.organise.selectors import EntryFilters, contest_entries
from contest.runs import services as runs
from contest.runs.previews import (
    PreviewInput,
    preview_inputs_for_tasks,
    preview_runs,
    runs_create_preview,
    runs_purge_previews,
)
from contest.runs.selectors import contest_run_monitor, entry_run_grid
from contest.tasks import purge_previews
from tests import factories


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    published: list[int] = []

    def send_task(name: str, args: list[int], **kwargs: Any) -> None:
        assert name == runs.EXECUTE_RUN_TASK
        published.append(args[0])

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return published


def _try(
    user: User,
    contest: Contest,
    capture: DjangoCaptureOnCommitCallbacks,
    *,
    prompt: str = "次の文章を3行で要約してください。\n{{input}}",
    system_prompt: str = "",
) -> list[Run]:
    with capture(execute=True):
        key = runs_create_preview(
            user=user,
            system_prompt=system_prompt,
            prompt_template=prompt,
            inputs=preview_inputs_for_tasks(list(contest.sample_tasks.all())),
            contest=contest,
        )
    return preview_runs(user=user, preview_key=key)


def test_a_try_queues_one_preview_run_per_task_and_rings_the_same_task(
    staff: User, open_contest: Contest, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    tried = _try(staff, open_contest, django_capture_on_commit_callbacks)

    assert len(tried) == 2
    assert sorted(sent) == sorted(run.pk for run in tried)
    assert {run.kind for run in tried} == {Run.Kind.PREVIEW}
    assert {run.status for run in tried} == {Run.Status.QUEUED}
    assert len({run.preview_key for run in tried}) == 1
    assert all(run.entry_id is None and run.revision_id is None for run in tried)
    assert tried[0].messages[-1]["content"].endswith("令和7年度の住民税の納付期限は6月30日です。")


def test_a_try_stores_no_entry_and_no_revision(
    staff: User, open_contest: Contest, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    _try(staff, open_contest, django_capture_on_commit_callbacks)

    assert not Entry.objects.exists()
    assert not EntryRevision.objects.exists()


def test_personal_data_is_refused_with_its_line_and_masked_before_anything_is_queued(
    staff: User, open_contest: Contest, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(ValidationError) as refused:
        _try(
            staff,
            open_contest,
            django_capture_on_commit_callbacks,
            prompt="{{input}}\n連絡先は taro.yamada@example.com です。",
        )

    messages = refused.value.message_dict["prompt_template"]
    assert any("line 2" in message and "taro.yamada@" not in message for message in messages)
    assert not Run.objects.exists()
    assert sent == []


def test_what_a_person_typed_into_a_gallery_try_is_checked_too(
    staff: User, sent: list[int]
) -> None:
    with pytest.raises(ValidationError) as refused:
        runs_create_preview(
            user=staff,
            system_prompt="",
            prompt_template="{{input}}",
            inputs=[PreviewInput(variables={"input": "電話 090-1234-5678"}, label="Your text")],
        )

    assert "inputs" in refused.value.message_dict
    assert not Run.objects.exists()


def test_tries_are_limited_per_person_and_hour(
    staff: User,
    other_staff: User,
    open_contest: Contest,
    settings: Settings,
    sent: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PREVIEWS_PER_HOUR = 2
    _try(staff, open_contest, django_capture_on_commit_callbacks)
    _try(staff, open_contest, django_capture_on_commit_callbacks)

    with pytest.raises(RateLimitedError) as refused:
        _try(staff, open_contest, django_capture_on_commit_callbacks)

    assert "hourly limit for trying prompts (2 per hour)" in refused.value.messages[0]
    assert Run.objects.count() == 4
    # Someone else's allowance is their own.
    assert len(_try(other_staff, open_contest, django_capture_on_commit_callbacks)) == 2


def test_the_refusal_is_in_japanese_for_a_japanese_reader(
    staff: User,
    open_contest: Contest,
    settings: Settings,
    sent: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PREVIEWS_PER_HOUR = 1
    _try(staff, open_contest, django_capture_on_commit_callbacks)

    with translation.override("ja"), pytest.raises(RateLimitedError) as refused:
        _try(staff, open_contest, django_capture_on_commit_callbacks)

    assert "試しに実行" in refused.value.messages[0]


def test_without_a_contest_the_model_comes_from_the_settings(
    staff: User, settings: Settings, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    settings.LLM_PROVIDER = "echo"
    settings.LLM_MODEL = "site-model"
    with django_capture_on_commit_callbacks(execute=True):
        key = runs_create_preview(
            user=staff,
            system_prompt="あなたは広報担当です。",
            prompt_template="お知らせを書いてください：ごみの日の変更",
            inputs=[PreviewInput(variables={}, label="Your text")],
        )

    (run,) = preview_runs(user=staff, preview_key=key)
    assert (run.provider, run.model, run.contest_id, run.sample_task_id) == (
        "echo",
        "site-model",
        None,
        None,
    )
    assert run.messages[0] == {"role": "system", "content": "あなたは広報担当です。"}
    assert sent == [run.pk]


def test_a_preview_runs_through_the_engine_and_counts_nowhere(
    staff: User, open_contest: Contest, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    entry = factories.make_entry(open_contest, staff)
    tried = _try(staff, open_contest, django_capture_on_commit_callbacks)
    for run in tried:
        runs.run_execute(run_id=run.pk)

    done = preview_runs(user=staff, preview_key=tried[0].preview_key)  # type: ignore[arg-type]
    assert {run.status for run in done} == {Run.Status.SUCCEEDED}
    monitor = contest_run_monitor(contest=open_contest)
    assert monitor.total == 0
    assert entry_run_grid(entry=entry, viewer=staff).total == 0
    (mine,) = home.entries_with_runs(staff)[0]
    assert mine.runs.total == 0
    row = contest_entries(contest=open_contest, filters=EntryFilters()).get(pk=entry.pk)
    assert row.runs_succeeded == 0  # type: ignore[attr-defined]


def test_echo_runs_are_not_graded_by_the_tasks_checks(
    staff: User, open_contest: Contest, sent: list[int], django_capture_on_commit_callbacks: Any
) -> None:
    open_contest.sample_tasks.update(checks=[{"type": "contains", "value": "存在しない語"}])
    tried = _try(staff, open_contest, django_capture_on_commit_callbacks)
    runs.run_execute(run_id=tried[0].pk)
    tried[0].refresh_from_db()

    assert tried[0].status == Run.Status.SUCCEEDED
    assert tried[0].check_results == []
    assert tried[0].checks_passed is None


def test_only_the_person_who_tried_sees_the_runs(
    staff: User,
    other_staff: User,
    open_contest: Contest,
    sent: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    tried = _try(staff, open_contest, django_capture_on_commit_callbacks)

    assert preview_runs(user=other_staff, preview_key=tried[0].preview_key) == []  # type: ignore[arg-type]


def test_old_previews_are_purged_and_entry_runs_are_kept(
    staff: User,
    open_contest: Contest,
    settings: Settings,
    sent: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.PREVIEW_RETENTION_DAYS = 7
    old = _try(staff, open_contest, django_capture_on_commit_callbacks)
    recent = _try(staff, open_contest, django_capture_on_commit_callbacks)
    Run.objects.filter(pk__in=[run.pk for run in old]).update(
        created_at=timezone.now() - timedelta(days=8)
    )

    assert runs_purge_previews() == 2
    purge_previews()
    assert set(Run.objects.values_list("pk", flat=True)) == {run.pk for run in recent}


def test_the_database_refuses_a_preview_that_names_a_revision(
    staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(open_contest, staff)
    revision = EntryRevision.objects.create(entry=entry, number=1, title="t", prompt_template="p")
    fields: dict[str, Any] = {
        "provider": "echo",
        "model": "echo",
        "temperature": 0.2,
        "max_tokens": 10,
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(
            kind=Run.Kind.PREVIEW,
            requested_by=staff,
            preview_key=uuid4(),
            entry=entry,
            revision=revision,
            **fields,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(kind=Run.Kind.ENTRY, requested_by=staff, **fields)


def test_the_database_refuses_an_entry_run_without_its_contest(
    staff: User, open_contest: Contest
) -> None:
    # The monitor and the budget count a contest's entry runs by the run's own contest.
    entry = factories.make_entry(open_contest, staff)
    revision = EntryRevision.objects.create(entry=entry, number=1, title="t", prompt_template="p")

    with pytest.raises(IntegrityError), transaction.atomic():
        Run.objects.create(
            entry=entry,
            revision=revision,
            sample_task=open_contest.sample_tasks.first(),
            provider="echo",
            model="echo",
            temperature=0.2,
            max_tokens=10,
        )
