"""「試しに実行」 on the entry form, the try's results, and revisions read and compared."""

import uuid
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from accounts.models import User
from config.celery import app as celery_app
from contest import services
from contest.models import Contest, Entry, EntryRevision, Run
from contest.runs import services as runs
from tests import factories

POLLING = 'hx-trigger="every 2s"'


@pytest.fixture(autouse=True)
def no_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(celery_app, "send_task", lambda *args, **kwargs: None)


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def try_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "",
        "system_prompt": "あなたは市役所の広報担当です。",
        "prompt_template": "次の文章を3行で要約してください。\n{{input}}",
        "usage_notes": "まだ書いていないメモ",
        "credit": Entry.Credit.NAME,
        "form_token": str(uuid.uuid4()),
        "action": "try",
    }
    data.update(overrides)
    return data


def test_try_runs_the_text_on_the_visible_tasks_and_keeps_the_form(
    client: Client, staff: User, open_contest: Contest
) -> None:
    hidden = factories.make_task(open_contest, title="秘密の課題", visible_to_entrants=False)
    signed_in(client, staff)

    response = client.post(reverse("entry_create", args=[open_contest.slug]), try_data())

    body = response.content.decode()
    assert response.status_code == 200
    assert not Entry.objects.exists()
    assert not EntryRevision.objects.exists()
    tried = list(Run.objects.previews())
    assert len(tried) == 2
    assert hidden.pk not in {run.sample_task_id for run in tried}
    assert "まだ書いていないメモ" in body  # everything typed is kept
    assert "Try-out results" in body
    assert POLLING in body
    assert reverse("preview_results", args=[tried[0].preview_key]) in body


def test_try_without_a_title_is_not_refused_but_personal_data_is(
    client: Client, staff: User, open_contest: Contest
) -> None:
    signed_in(client, staff)
    url = reverse("entry_create", args=[open_contest.slug])

    refused = client.post(
        url, try_data(prompt_template="{{input}}\nご連絡は taro.yamada@example.com まで")
    ).content.decode()

    assert "Nothing was saved." in refused
    assert "line 2" in refused
    assert "taro.yamada@example.com" not in refused.split("</textarea>")[0].split("form-errors")[1]
    assert not Run.objects.exists()


def test_the_hourly_limit_is_shown_on_the_form(
    client: Client, staff: User, open_contest: Contest, settings: Settings
) -> None:
    settings.PREVIEWS_PER_HOUR = 1
    signed_in(client, staff)
    url = reverse("entry_create", args=[open_contest.slug])
    client.post(url, try_data())

    body = client.post(url, try_data()).content.decode()

    assert "hourly limit for trying prompts" in body
    assert Run.objects.count() == 2


def test_trying_an_entry_being_edited_leaves_its_revision_and_runs_alone(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(open_contest, staff)
    services.entry_submit(entry=entry)
    signed_in(client, staff)

    client.post(
        reverse("entry_edit", args=[entry.pk]),
        try_data(title="改訂中", prompt_template="新しい案です。{{input}}"),
    )

    entry.refresh_from_db()
    assert (entry.revision, entry.title) == (1, "通知文の3行要約")
    assert Run.objects.entry_runs().filter(entry=entry).count() == 2
    assert Run.objects.previews().count() == 2


def test_results_partial_stops_polling_when_done_and_is_private(
    client: Client, staff: User, other_staff: User, open_contest: Contest
) -> None:
    signed_in(client, staff)
    client.post(reverse("entry_create", args=[open_contest.slug]), try_data())
    tried = list(Run.objects.previews())
    for run in tried:
        runs.run_execute(run_id=run.pk)
    url = reverse("preview_results", args=[tried[0].preview_key])

    body = client.get(url, headers={"HX-Request": "true"}).content.decode()

    assert "<html" not in body
    assert POLLING not in body
    assert "2 of 2 succeeded" in body
    assert "Offline preview" in body
    assert 'data-copy-target="run-output-' in body
    other = Client()
    other.force_login(other_staff)
    assert other.get(url).status_code == 404


def revised(contest: Contest, author: User) -> Entry:
    entry = factories.make_entry(
        contest, author, prompt_template="3行で要約してください。{{input}}"
    )
    services.entry_submit(entry=entry)
    services.entry_update(entry=entry, data={"prompt_template": "5行で要約してください。{{input}}"})
    services.entry_submit(entry=entry)
    return entry


def test_an_earlier_revision_is_readable_with_its_own_outputs(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = revised(open_contest, staff)
    first = entry.revisions.get(number=1)
    Run.objects.filter(revision=first).update(status=Run.Status.SUCCEEDED, output="初版の出力")
    signed_in(client, staff)

    body = client.get(reverse("entry_revision", args=[entry.pk, 1])).content.decode()

    assert "3行で要約してください。" in body
    assert "初版の出力" in body
    assert POLLING not in body
    assert "An earlier revision" in body


def test_two_revisions_are_compared_with_the_change_highlighted(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = revised(open_contest, staff)
    signed_in(client, staff)

    body = client.get(reverse("entry_revision_diff", args=[entry.pk])).content.decode()

    assert "<del><mark>3</mark>行で要約してください。{{input}}</del>" in body
    assert "<ins><mark>5</mark>行で要約してください。{{input}}</ins>" in body
    assert "Revision 1 and revision 2 compared" in body


def test_comparing_a_revision_that_does_not_exist_is_404(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = revised(open_contest, staff)
    signed_in(client, staff)

    response = client.get(reverse("entry_revision_diff", args=[entry.pk]), {"old": 9})

    assert response.status_code == 404


@pytest.mark.parametrize("revisions", [2, 8])
def test_revision_pages_make_the_same_number_of_queries_for_any_number_of_revisions(
    client: Client,
    staff: User,
    open_contest: Contest,
    settings: Settings,
    revisions: int,
    django_assert_max_num_queries: Any,
) -> None:
    settings.ENTRY_SUBMITS_PER_HOUR = 0
    entry = factories.make_entry(open_contest, staff)
    for n in range(revisions):
        services.entry_update(entry=entry, data={"prompt_template": f"第{n}案 {{{{input}}}}"})
        services.entry_submit(entry=entry)
    signed_in(client, staff)

    with django_assert_max_num_queries(7):
        assert client.get(reverse("entry_revision", args=[entry.pk, 1])).status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("entry_revision_diff", args=[entry.pk])).status_code == 200
