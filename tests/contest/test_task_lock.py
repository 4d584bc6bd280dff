"""Sample tasks and model settings lock once an entry has runs: enforced by the services
under the contest's row lock, and shown read-only in the admin."""

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.models import User
from contest import rules, services
from contest.models import Contest, SampleTask
from contest.organise import services as organiser_services
from contest.services import entry_submit
from tests import factories


def _task(contest: Contest) -> SampleTask:
    task = contest.sample_tasks.first()
    assert task is not None
    return task


@pytest.mark.django_db
def test_task_services_refuse_once_an_entry_has_runs(open_contest: Contest, staff: User) -> None:
    entry_submit(entry=factories.make_entry(open_contest, staff))
    task = _task(open_contest)

    with pytest.raises(ValidationError) as created:
        organiser_services.task_create(
            contest=open_contest, title="追加", input="本文", variables={}
        )
    with pytest.raises(ValidationError) as updated:
        organiser_services.task_update(task=task, fields={"input": "差し替え"})
    with pytest.raises(ValidationError):
        organiser_services.task_move(task=task, direction="down")
    with pytest.raises(ValidationError):
        organiser_services.task_delete(task=task)

    assert created.value.code == updated.value.code == "tasks_locked"
    task.refresh_from_db()
    assert task.input != "差し替え"
    assert open_contest.sample_tasks.count() == 2


@pytest.mark.django_db
def test_contest_save_refuses_a_model_change_once_an_entry_has_runs(
    open_contest: Contest, staff: User
) -> None:
    entry_submit(entry=factories.make_entry(open_contest, staff))
    contest = Contest.objects.get(pk=open_contest.pk)
    contest.model_name = "gpt-4o"

    with pytest.raises(ValidationError) as raised:
        organiser_services.contest_save(contest=contest, categories=["要約"], judges=[])

    assert raised.value.code == "model_settings_locked"
    assert Contest.objects.get(pk=open_contest.pk).model_name == "gpt-4o-mini"


@pytest.mark.django_db
def test_contest_save_keeps_other_changes_possible_once_locked(
    open_contest: Contest, staff: User
) -> None:
    entry_submit(entry=factories.make_entry(open_contest, staff))
    contest = Contest.objects.get(pk=open_contest.pk)
    contest.title = "改題"

    organiser_services.contest_save(contest=contest, categories=["要約", "文書作成"], judges=[])

    assert Contest.objects.get(pk=open_contest.pk).title == "改題"


@pytest.mark.django_db
def test_model_settings_may_change_before_any_run(open_contest: Contest) -> None:
    contest = Contest.objects.get(pk=open_contest.pk)
    contest.model_name = "gpt-4o"

    organiser_services.contest_save(contest=contest, categories=[], judges=[])

    assert Contest.objects.get(pk=open_contest.pk).model_name == "gpt-4o"


@pytest.mark.django_db(transaction=True)
def test_a_task_added_while_an_entry_is_submitted_waits_and_is_then_refused(
    open_contest: Contest, staff: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite runs one writer at a time anyway")
    entry = factories.make_entry(open_contest, staff)
    locked, release = threading.Event(), threading.Event()
    check_open = rules.check_contest_accepts_entries

    def pause_inside_the_transaction(contest: Contest) -> None:
        locked.set()  # entry_submit holds the contest row by now
        release.wait(timeout=10)
        check_open(contest)

    monkeypatch.setattr(services, "check_contest_accepts_entries", pause_inside_the_transaction)
    outcome: dict[str, Any] = {}

    def submit() -> None:
        try:
            entry_submit(entry=entry)
        finally:
            connection.close()

    def add_task() -> None:
        try:
            organiser_services.task_create(
                contest=open_contest, title="締切間際の追加", input="本文", variables={}
            )
            outcome["result"] = "added"
        except ValidationError as error:
            outcome["result"] = error.code
        finally:
            connection.close()

    writer = threading.Thread(target=submit)
    writer.start()
    assert locked.wait(timeout=10)
    organiser = threading.Thread(target=add_task)
    organiser.start()
    organiser.join(timeout=1)
    assert organiser.is_alive()  # waiting for the submission's transaction
    release.set()
    writer.join(timeout=10)
    organiser.join(timeout=10)

    assert outcome["result"] == "tasks_locked"
    assert not SampleTask.objects.filter(title="締切間際の追加").exists()


@pytest.mark.django_db
def test_admin_shows_model_settings_and_tasks_read_only_once_locked(
    client: Client, open_contest: Contest, staff: User
) -> None:
    admin_user = factories.make_user("admin@city.example.jp", is_staff=True, is_superuser=True)
    client.force_login(factories.give_authenticator_app(admin_user))
    url = reverse("admin:contest_contest_change", args=[open_contest.pk])
    assert 'name="model_name"' in client.get(url).content.decode()
    assert 'name="sample_tasks-0-input"' in client.get(url).content.decode()

    entry_submit(entry=factories.make_entry(open_contest, staff))
    page = client.get(url).content.decode()

    assert 'name="model_name"' not in page
    assert 'name="temperature"' not in page
    assert 'name="sample_tasks-0-input"' not in page
    assert 'name="title"' in page  # the rest stays editable
