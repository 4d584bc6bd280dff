"""Per-person hourly limits on submitting and re-running: the arithmetic, the services that
take from the allowance, and the pages that say when to come back."""

import types
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django.fixtures import Settings

from accounts.models import User
from config.celery import app as celery_app
from contest import limits, services
from contest.limits import RETRY, SUBMIT, RateLimitedError
from contest.models import Contest, Entry, EntryRevision, Run
from contest.runs.services import runs_retry_failed
from tests import factories

# 12:00:00 Japan time, the start of a window (windows start on the hour, in UTC and JST).
NOON = datetime(2025, 6, 10, 3, 0, tzinfo=UTC).timestamp()
PROMPT = "次の文章を3行で要約してください。\n{{input}}"


class Clock:
    def __init__(self) -> None:
        self.now = NOON

    def time(self) -> float:
        return self.now

    def move(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    current = Clock()
    monkeypatch.setattr(limits, "time", types.SimpleNamespace(time=current.time))
    return current


@pytest.fixture(autouse=True)
def in_english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(celery_app, "send_task", lambda *args, **kwargs: None)


def take(action: limits.Action, user_id: int = 1) -> limits.Taken | None:
    return limits.limit_take(action=action, user_id=user_id)


def refused(call: Callable[[], Any]) -> RateLimitedError:
    with pytest.raises(RateLimitedError) as caught:
        call()
    return caught.value


# --- The arithmetic --------------------------------------------------------------------------


def test_the_oldest_bucket_counts_for_the_part_of_it_still_within_the_hour() -> None:
    counts = [4, 0, 0, 1, 0, 0, 2]  # ten-minute buckets, oldest first
    assert limits.window_count(counts=counts, elapsed=150) == 4 * 0.75 + 3


def test_the_wait_ends_when_the_oldest_bucket_has_faded_enough() -> None:
    counts = [2, 1, 1, 1, 1, 1, 1]  # 8 in the hour 100 s into this bucket; limit 8
    # One more fits once half the oldest bucket is out of the hour: 300 s into this one.
    assert limits.seconds_until_allowed(counts=counts, elapsed=100, limit=8) == 200


def test_a_full_hour_waits_for_its_buckets_to_leave() -> None:
    counts = [0, 0, 0, 0, 0, 3, 0]  # three takes in the previous bucket; limit 3
    # Five buckets until they are the oldest, then a third of that one (3 × 2/3 + 1 = 3).
    assert limits.seconds_until_allowed(counts=counts, elapsed=0, limit=3) == 5 * 600 + 200


def test_a_limit_of_one_frees_its_place_within_ten_minutes_of_the_hour() -> None:
    counts = [0, 0, 0, 0, 0, 0, 1]
    assert limits.seconds_until_allowed(counts=counts, elapsed=0, limit=1) == 70 * 60


# --- Taking from the allowance ---------------------------------------------------------------


def test_the_allowance_is_taken_then_refused_with_the_time_to_come_back(
    settings: Settings, clock: Clock
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 3
    for _ in range(3):
        assert take(SUBMIT) is not None
    clock.move(600)

    error = refused(lambda: take(SUBMIT))

    assert error.code == "rate_limited"
    assert error.retry_at == datetime(2025, 6, 10, 4, 3, 20, tzinfo=UTC)  # 13:03:20 in Japan
    assert error.messages == [
        "You have reached the hourly limit for submitting (3 per hour). You can submit again "
        "from 13:04 (Japan time), in 54 minutes. Nothing was submitted; what you typed is "
        "kept, and you can save it as a draft meanwhile."
    ]


def test_the_place_comes_back_exactly_when_the_refusal_said(
    settings: Settings, clock: Clock
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 3
    for _ in range(3):
        take(SUBMIT)
    clock.move(600)
    retry_at = refused(lambda: take(SUBMIT)).retry_at.timestamp()

    clock.now = retry_at - 1
    refused(lambda: take(SUBMIT))
    clock.now = retry_at
    assert take(SUBMIT) is not None
    refused(lambda: take(SUBMIT))  # and only that one place


def test_an_hour_later_the_whole_allowance_is_back(settings: Settings, clock: Clock) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 2
    take(SUBMIT)
    take(SUBMIT)
    refused(lambda: take(SUBMIT))

    clock.move(2 * limits.WINDOW_SECONDS)

    assert take(SUBMIT) is not None
    assert take(SUBMIT) is not None


def test_each_person_and_each_action_has_its_own_allowance(
    settings: Settings, clock: Clock
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 1
    settings.RUN_RETRIES_PER_HOUR = 1
    take(SUBMIT, user_id=1)

    refused(lambda: take(SUBMIT, user_id=1))
    assert take(SUBMIT, user_id=2) is not None
    assert take(RETRY, user_id=1) is not None


def test_zero_means_no_limit(settings: Settings, clock: Clock) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 0
    assert all(take(SUBMIT) is None for _ in range(50))


def test_a_place_given_back_can_be_taken_again(settings: Settings, clock: Clock) -> None:
    settings.RUN_RETRIES_PER_HOUR = 1
    limits.limit_give_back(take(RETRY))
    assert take(RETRY) is not None


def test_the_refusal_reads_in_japanese_with_japan_time(settings: Settings, clock: Clock) -> None:
    settings.RUN_RETRIES_PER_HOUR = 1
    take(RETRY)
    clock.move(30 * 60 + 20)  # 12:30:20; the 12:00 take has left the hour by 13:10

    with translation.override("ja"):
        message = refused(lambda: take(RETRY)).messages[0]

    assert message == (
        "失敗した実行を再実行できる1時間あたりの上限（1回）に達しました。13:10（日本時間）以降、"
        "あと40分で再び再実行できます。"
    )


# --- Submitting ------------------------------------------------------------------------------


def draft(contest: Contest, author: User, prompt: str = PROMPT) -> Entry:
    return services.entry_create(
        contest=contest,
        author=author,
        data={"title": "通知文の要約", "prompt_template": prompt},
        form_token=uuid.uuid4(),
    )


def revise(entry: Entry, n: int) -> EntryRevision:
    services.entry_update(entry=entry, data={"prompt_template": f"版{n}: {PROMPT}"})
    return services.entry_submit(entry=entry)


def test_submitting_past_the_hourly_limit_is_refused_and_changes_nothing(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 2
    entry = draft(open_contest, staff)
    services.entry_submit(entry=entry)
    revise(entry, 2)
    runs_before = Run.objects.count()

    error = refused(lambda: revise(entry, 3))

    entry.refresh_from_db()
    assert error.code == "rate_limited"
    assert (entry.revision, entry.revisions.count()) == (2, 2)
    assert Run.objects.count() == runs_before
    assert entry.prompt_template == f"版3: {PROMPT}"  # the working copy is saved, not submitted


def test_after_the_wait_the_entrant_submits_again(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 1
    entry = draft(open_contest, staff)
    services.entry_submit(entry=entry)
    error = refused(lambda: revise(entry, 2))

    clock.now = error.retry_at.timestamp()

    assert revise(entry, 2).number == 2


def test_a_submit_without_changes_takes_nothing_from_the_allowance(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 2
    entry = draft(open_contest, staff)
    services.entry_submit(entry=entry)
    for _ in range(5):
        services.entry_submit(entry=entry, only_if_changed=True)

    assert revise(entry, 2).number == 2
    refused(lambda: revise(entry, 3))


def test_a_submission_refused_for_another_reason_takes_nothing(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 1
    entry = draft(open_contest, staff, prompt="連絡先 taro@example.jp へ。\n{{input}}")
    with pytest.raises(ValidationError) as caught:
        services.entry_submit(entry=entry)
    assert not isinstance(caught.value, RateLimitedError)

    services.entry_update(entry=entry, data={"prompt_template": PROMPT})
    assert services.entry_submit(entry=entry).number == 1


def test_saving_drafts_is_never_limited(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 1
    entry = draft(open_contest, staff)
    services.entry_submit(entry=entry)
    for n in range(5):
        services.entry_save(
            contest=open_contest,
            author=staff,
            data={"title": f"下書き{n}"},
            form_token=None,
            entry=entry,
        )
    entry.refresh_from_db()
    assert entry.title == "下書き4"


def signed_in(user: User, language: str = "en") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    return client


def edit_data(contest: Contest, **overrides: str) -> dict[str, str]:
    data = {
        "title": "通知文の3行要約",
        "category": str(contest.categories.first().pk),  # type: ignore[union-attr]
        "prompt_template": "改訂版: {{input}}",
        "credit": Entry.Credit.NAME,
        "confirm_no_personal_data": "on",
        "form_token": str(uuid.uuid4()),
        "action": "submit",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "You can submit again from 13:10 (Japan time), in 70 minutes."),
        ("ja", "13:10（日本時間）以降、あと70分で再び提出できます。"),
    ],
)
def test_the_entry_form_says_when_to_submit_again_and_keeps_the_text(
    settings: Settings,
    clock: Clock,
    open_contest: Contest,
    staff: User,
    language: str,
    expected: str,
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 1
    entry = draft(open_contest, staff)
    services.entry_submit(entry=entry)
    data = edit_data(open_contest, prompt_template="改訂版です、{{input}}")

    response = signed_in(staff, language).post(reverse("entry_edit", args=[entry.pk]), data)

    page = response.content.decode()
    assert response.status_code == 200
    assert expected in page
    assert "改訂版です、{{input}}</textarea>" in page
    entry.refresh_from_db()
    assert entry.revision == 1
    assert entry.prompt_template == PROMPT  # all or nothing: the post changed nothing


# --- Re-running -----------------------------------------------------------------------------


def failed_entry(contest: Contest, author: User) -> Entry:
    entry = draft(contest, author)
    services.entry_submit(entry=entry)
    entry.runs.update(status=Run.Status.FAILED, error="x", error_code="server_error")
    return entry


def test_an_entrant_re_runs_failed_runs_a_limited_number_of_times_an_hour(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    settings.RUN_RETRIES_PER_HOUR = 1
    entry = failed_entry(open_contest, staff)
    assert runs_retry_failed(entry=entry, requested_by=staff) == 2
    entry.runs.update(status=Run.Status.FAILED)

    error = refused(lambda: runs_retry_failed(entry=entry, requested_by=staff))

    assert "re-run them again from 13:10 (Japan time), in 70 minutes" in error.messages[0]
    assert set(entry.runs.values_list("status", flat=True)) == {Run.Status.FAILED}


def test_organisers_re_run_without_limit(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User, organiser: User
) -> None:
    settings.RUN_RETRIES_PER_HOUR = 1
    entry = failed_entry(open_contest, staff)
    for _ in range(3):
        assert runs_retry_failed(entry=entry, requested_by=organiser) == 2
        assert runs_retry_failed(contest=open_contest, requested_by=organiser) == 0
        entry.runs.update(status=Run.Status.FAILED)


def test_a_re_run_with_nothing_failed_takes_nothing(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    settings.RUN_RETRIES_PER_HOUR = 1
    entry = failed_entry(open_contest, staff)
    entry.runs.update(status=Run.Status.SUCCEEDED)
    for _ in range(3):
        assert runs_retry_failed(entry=entry, requested_by=staff) == 0

    entry.runs.update(status=Run.Status.FAILED)
    assert runs_retry_failed(entry=entry, requested_by=staff) == 2


def test_the_runs_panel_says_when_the_entrant_can_re_run_again(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    settings.RUN_RETRIES_PER_HOUR = 1
    entry = failed_entry(open_contest, staff)
    client = signed_in(staff)
    url = reverse("entry_retry_failed", args=[entry.pk])
    client.post(url, headers={"HX-Request": "true"})
    entry.runs.update(status=Run.Status.FAILED)

    partial = client.post(url, headers={"HX-Request": "true"}).content.decode()
    page = client.post(url, follow=True).content.decode()

    for body in (partial, page):
        assert "You can re-run them again from 13:10 (Japan time), in 70 minutes." in body
    assert 'role="alert"' in partial
    assert "<html" not in partial
    assert set(entry.runs.values_list("status", flat=True)) == {Run.Status.FAILED}


def test_the_limits_hold_for_every_person_of_a_second_entry_too(
    settings: Settings, clock: Clock, open_contest: Contest, staff: User
) -> None:
    # The allowance is the person's, not the entry's: a second entry does not reset it.
    settings.ENTRY_SUBMITS_PER_HOUR = 1
    services.entry_submit(entry=draft(open_contest, staff))
    second = factories.make_entry(open_contest, staff, prompt_template=PROMPT)

    refused(lambda: services.entry_submit(entry=second))
