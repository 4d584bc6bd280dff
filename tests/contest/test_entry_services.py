"""Entry services: create, update, submit, revise and withdraw, without a request."""

import threading
import uuid
from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone, translation
from PIL import Image

from accounts.models import User
from contest import rules, services
from contest.images import CleanImage, clean_image
from contest.models import Contest, Entry, EntryRevision, Run, SampleTask
from contest.selectors import placeholder_coverage
from tests import factories

PROMPT = "次の文章を3行で要約してください。\n{{input}}"


def draft(contest: Contest, author: User, **data: object) -> Entry:
    values: dict[str, object] = {"title": "通知文の要約", "prompt_template": PROMPT}
    values.update(data)
    return services.entry_create(
        contest=contest, author=author, data=values, form_token=uuid.uuid4()
    )


def close(contest: Contest) -> None:
    now = timezone.now()
    Contest.objects.filter(pk=contest.pk).update(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(minutes=1)
    )


# --- Create ---------------------------------------------------------------------------------


def test_entry_create_makes_a_draft_with_the_form_token(open_contest: Contest, staff: User):
    token = uuid.uuid4()
    entry = services.entry_create(
        contest=open_contest,
        author=staff,
        data={"title": "要約", "prompt_template": PROMPT, "minutes_before": 30},
        form_token=token,
    )
    entry.refresh_from_db()
    assert entry.status == Entry.Status.DRAFT
    assert entry.revision == 0
    assert entry.form_token == token
    assert entry.minutes_before == 30
    assert not Run.objects.filter(entry=entry).exists()


def test_entry_create_ignores_fields_a_form_may_not_set(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff, status=Entry.Status.SUBMITTED, revision=7)
    assert entry.status == Entry.Status.DRAFT
    assert entry.revision == 0


def test_same_form_token_twice_raises_with_the_first_entry(open_contest: Contest, staff: User):
    token = uuid.uuid4()
    data = {"title": "要約", "prompt_template": PROMPT}
    first = services.entry_create(contest=open_contest, author=staff, data=data, form_token=token)
    with pytest.raises(services.EntryFormUsedError) as raised:
        services.entry_create(contest=open_contest, author=staff, data=data, form_token=token)
    assert raised.value.entry.pk == first.pk
    assert Entry.objects.filter(author=staff).count() == 1


def test_entry_create_refused_after_the_deadline(open_contest: Contest, staff: User):
    close(open_contest)
    with translation.override("en"), pytest.raises(rules.ContestClosedError) as raised:
        draft(open_contest, staff)
    assert "The deadline for this contest passed on" in raised.value.messages[0]
    assert "(Japan time)" in raised.value.messages[0]
    assert not Entry.objects.exists()


def test_entry_create_refused_before_the_contest_opens(staff: User, organiser: User):
    contest = factories.make_contest(opens_at=timezone.now() + timedelta(days=1))
    with translation.override("en"), pytest.raises(rules.ContestClosedError) as raised:
        draft(contest, staff)
    assert "This contest opens for entries on" in raised.value.messages[0]


def test_entry_create_refused_when_contest_is_judging(staff: User):
    contest = factories.make_contest(status=Contest.Status.JUDGING)
    with translation.override("en"), pytest.raises(rules.ContestClosedError) as raised:
        draft(contest, staff)
    assert "not accepting entries" in raised.value.messages[0]


def test_closed_contest_error_is_present_in_japanese(open_contest: Contest, staff: User):
    close(open_contest)
    with translation.override("ja"), pytest.raises(rules.ContestClosedError) as raised:
        draft(open_contest, staff)
    assert raised.value.messages


def test_limit_counts_drafts_and_submitted_entries(open_contest: Contest, staff: User):
    Contest.objects.filter(pk=open_contest.pk).update(max_entries_per_person=2)
    open_contest.refresh_from_db()
    services.entry_submit(entry=draft(open_contest, staff))
    draft(open_contest, staff)
    with translation.override("en"), pytest.raises(rules.EntryLimitError) as raised:
        draft(open_contest, staff)
    message = raised.value.messages[0]
    assert "You already have 2 entries in this contest; the limit is 2 per person" in message
    assert "drafts count too" in message
    assert Entry.objects.filter(author=staff).count() == 2


def test_a_withdrawn_entry_frees_its_place(open_contest: Contest, staff: User):
    Contest.objects.filter(pk=open_contest.pk).update(max_entries_per_person=1)
    open_contest.refresh_from_db()
    services.entry_withdraw(entry=draft(open_contest, staff))
    second = draft(open_contest, staff)
    assert second.status == Entry.Status.DRAFT


def test_limit_is_per_person(open_contest: Contest, staff: User, other_staff: User):
    Contest.objects.filter(pk=open_contest.pk).update(max_entries_per_person=1)
    open_contest.refresh_from_db()
    draft(open_contest, staff)
    assert draft(open_contest, other_staff).author == other_staff


# --- Submit and revise ------------------------------------------------------------------------


def test_entry_submit_freezes_revision_one_and_queues_runs(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff, system_prompt="あなたは広報担当です。", minutes_after=5)
    revision = services.entry_submit(entry=entry)
    entry.refresh_from_db()
    assert revision.number == 1
    assert entry.revision == 1
    assert entry.status == Entry.Status.SUBMITTED
    assert entry.submitted_at is not None
    assert revision.prompt_template == PROMPT
    assert revision.system_prompt == "あなたは広報担当です。"
    assert revision.minutes_after == 5
    runs = Run.objects.filter(revision=revision)
    assert runs.count() == open_contest.sample_tasks.count() * open_contest.samples_per_task
    assert set(runs.values_list("status", flat=True)) == {Run.Status.QUEUED}


def test_resubmitting_makes_revision_two_keeps_one_and_cancels_its_pending_runs(
    open_contest: Contest, staff: User
):
    entry = draft(open_contest, staff)
    first = services.entry_submit(entry=entry)
    services.entry_update(entry=entry, data={"prompt_template": "改訂版です。\n{{input}}"})
    second = services.entry_submit(entry=entry)
    assert second.number == 2
    assert list(entry.revisions.values_list("number", flat=True)) == [2, 1]
    assert EntryRevision.objects.get(pk=first.pk).prompt_template == PROMPT
    assert second.prompt_template == "改訂版です。\n{{input}}"
    assert set(Run.objects.filter(revision=first).values_list("status", flat=True)) == {
        Run.Status.CANCELLED
    }
    assert set(Run.objects.filter(revision=second).values_list("status", flat=True)) == {
        Run.Status.QUEUED
    }


def test_submit_only_if_changed_does_not_pay_for_the_same_text_twice(
    open_contest: Contest, staff: User
):
    entry = draft(open_contest, staff)
    first = services.entry_submit(entry=entry)
    again = services.entry_submit(entry=entry, only_if_changed=True)
    assert again.pk == first.pk
    assert entry.revisions.count() == 1
    assert Run.objects.filter(entry=entry).count() == open_contest.sample_tasks.count()


def test_entry_update_keeps_a_submitted_entry_at_its_revision(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff)
    services.entry_submit(entry=entry)
    services.entry_update(entry=entry, data={"title": "新しい題名"})
    entry.refresh_from_db()
    assert entry.title == "新しい題名"
    assert entry.status == Entry.Status.SUBMITTED
    assert entry.revision == 1
    assert entry.revisions.get().title == "通知文の要約"


def test_entry_submit_refused_after_the_deadline(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff)
    close(open_contest)
    with pytest.raises(rules.ContestClosedError):
        services.entry_submit(entry=entry)
    entry.refresh_from_db()
    assert entry.status == Entry.Status.DRAFT
    assert not EntryRevision.objects.exists()


def test_entry_update_refused_after_the_deadline(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff)
    close(open_contest)
    with pytest.raises(rules.ContestClosedError):
        services.entry_update(entry=entry, data={"title": "遅すぎた変更"})
    assert Entry.objects.get(pk=entry.pk).title == "通知文の要約"


def test_a_withdrawn_entry_cannot_be_submitted_or_changed(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff)
    services.entry_withdraw(entry=entry)
    with translation.override("en"), pytest.raises(rules.EntryWithdrawnError) as raised:
        services.entry_submit(entry=entry)
    assert "withdrawn" in raised.value.messages[0]
    with pytest.raises(rules.EntryWithdrawnError):
        services.entry_update(entry=entry, data={"title": "x"})


def test_entry_submit_refuses_personal_data_stored_in_a_draft(open_contest: Contest, staff: User):
    # A draft written without the form (admin, import) must still never reach a model.
    entry = factories.make_entry(
        open_contest, staff, prompt_template="連絡先 090-1234-5678 まで。\n{{input}}"
    )
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        services.entry_submit(entry=entry)
    errors = raised.value.message_dict["prompt_template"]
    assert any("phone number" in message for message in errors)
    assert not any("090-1234-5678" in message for message in errors)
    assert not Run.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_make_distinct_revisions(
    open_contest: Contest, staff: User, monkeypatch: pytest.MonkeyPatch
):
    # Committed transactions would ring the broker; nothing here should publish.
    monkeypatch.setattr("contest.runs.services.enqueue_run_ids", lambda run_ids: None)
    entry = draft(open_contest, staff)
    barrier = threading.Barrier(2)
    numbers: list[int] = []
    failures: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            numbers.append(services.entry_submit(entry=Entry.objects.get(pk=entry.pk)).number)
        except BaseException as error:  # reported below, in the test thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    assert sorted(numbers) == [1, 2]
    assert Entry.objects.get(pk=entry.pk).revision == 2


# --- Withdraw -------------------------------------------------------------------------------


def test_entry_withdraw_cancels_pending_runs(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff)
    services.entry_submit(entry=entry)
    services.entry_withdraw(entry=entry)
    entry.refresh_from_db()
    assert entry.status == Entry.Status.WITHDRAWN
    assert set(Run.objects.filter(entry=entry).values_list("status", flat=True)) == {
        Run.Status.CANCELLED
    }


def test_entry_withdraw_refused_after_the_deadline(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff)
    services.entry_submit(entry=entry)
    close(open_contest)
    with pytest.raises(rules.ContestClosedError):
        services.entry_withdraw(entry=entry)
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.SUBMITTED


def test_withdrawing_twice_is_refused(open_contest: Contest, staff: User):
    entry = draft(open_contest, staff)
    services.entry_withdraw(entry=entry)
    with pytest.raises(rules.EntryWithdrawnError):
        services.entry_withdraw(entry=entry)


# --- Placeholders (pure) ----------------------------------------------------------------------


def test_placeholder_coverage_offers_only_what_every_task_provides():
    tasks = [
        SampleTask(title="通知", input="a", variables={"audience": "高齢者", "tone": "丁寧"}),
        SampleTask(title="答弁", input="b", variables={"tone": "簡潔"}),
        SampleTask(title="秘密", input="c", variables={"tone": "x"}, visible_to_entrants=False),
    ]
    with translation.override("en"):
        coverage = placeholder_coverage(tasks)
    assert coverage.available == ["input", "tone"]
    assert coverage.missing_from == {"audience": ["“答弁”", "1 hidden sample task"]}


def test_placeholder_coverage_without_tasks_offers_input():
    assert placeholder_coverage([]).available == ["input"]


def _clean_png() -> CleanImage:
    buffer = BytesIO()
    Image.new("RGB", (30, 20), "teal").save(buffer, format="PNG")
    return clean_image(SimpleUploadedFile("s.png", buffer.getvalue(), content_type="image/png"))


def test_a_failed_submit_leaves_no_image_files_behind(
    open_contest: Contest, staff: User, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path

    def refuse(**kwargs: object) -> None:
        raise ValidationError("refused at the last step")

    monkeypatch.setattr(services, "entry_submit", refuse)
    data = {"title": "画像つき", "prompt_template": "要約 {{input}}", "image": _clean_png()}
    with pytest.raises(ValidationError):
        services.entry_save(
            contest=open_contest, author=staff, data=data, form_token=uuid.uuid4(), submit=True
        )

    assert not Entry.objects.exists()
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []


def test_a_saved_entry_keeps_its_image_files(
    open_contest: Contest, staff: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    data = {"title": "画像つき", "prompt_template": "要約 {{input}}", "image": _clean_png()}
    entry = services.entry_save(
        contest=open_contest, author=staff, data=data, form_token=uuid.uuid4()
    )
    assert (tmp_path / str(entry.image.name)).is_file()
    assert (tmp_path / str(entry.thumbnail.name)).is_file()
