"""The demo: みなと坂市, its staff, an open contest with entries whose runs are queued."""

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Department, User
from contest.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from contest.models import Contest, Entry, EntryRevision, Run
from contest.templating import placeholders

DOMAIN = "@city.minatozaka.example.jp"
OPEN_SLUG = "r7-prompt-contest-1"  # later apps add contests of their own to the demo


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def demo_settings(settings: Any) -> Any:
    settings.LLM_PROVIDER = "echo"
    settings.LLM_MODEL = "gpt-4.1-mini"
    settings.DEBUG = True  # the demo refuses production settings
    return settings


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    models = (Department, User, EmailAddress, Contest, Entry, EntryRevision, Run)
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def seeded(db: None, demo_settings: Any) -> str:
    return _seed()


def test_demo_creates_the_city_with_verified_staff(seeded: str) -> None:
    assert Department.objects.count() == 12
    assert Department.objects.filter(code="KOHO", name_ja="広報広聴課").exists()
    users = User.objects.all()
    assert users.count() == 14
    assert all(user.email.endswith(DOMAIN) for user in users)
    assert all(user.department_id for user in users)
    assert EmailAddress.objects.filter(verified=True, primary=True).count() == 14
    organiser = User.objects.get(email="organiser" + DOMAIN)
    assert organiser.is_organiser
    assert User.objects.filter(is_organiser=True).count() == 1


def test_demo_contest_is_open_and_uses_this_installations_model(seeded: str) -> None:
    contest = Contest.objects.get(slug=OPEN_SLUG)
    now = timezone.now()
    assert contest.title == "令和7年度 第1回 職員プロンプトコンテスト"
    assert contest.status == Contest.Status.OPEN
    assert contest.accepts_entries(now)
    assert abs(contest.opens_at - (now - timedelta(days=7))) < timedelta(minutes=5)
    assert abs(contest.closes_at - (now + timedelta(days=30))) < timedelta(minutes=5)
    assert (contest.model_provider, contest.model_name) == ("echo", "gpt-4.1-mini")
    assert contest.sample_tasks.count() == 5
    assert contest.categories.count() == 5
    assert contest.created_by == User.objects.get(email="organiser" + DOMAIN)
    judges = set(contest.judges.values_list("email", flat=True))
    assert judges == {f"judge{n}{DOMAIN}" for n in (1, 2, 3)}


def test_demo_tasks_have_variables_and_checks(seeded: str) -> None:
    for task in Contest.objects.get(slug=OPEN_SLUG).sample_tasks.all():
        assert len(task.input) > 100
        assert {"audience", "max_chars"} <= set(task.variables)
        assert task.checks


def test_demo_entries_are_submitted_by_different_staff_with_runs_queued(seeded: str) -> None:
    contest = Contest.objects.get(slug=OPEN_SLUG)
    entries = list(contest.entries.select_related("author", "category"))
    assert len(entries) == 10
    assert len({entry.author_id for entry in entries}) == 10
    assert len({entry.author.department_id for entry in entries}) >= 8
    assert len({entry.category_id for entry in entries}) == 5
    for entry in entries:
        assert entry.status == Entry.Status.SUBMITTED
        assert entry.revisions.count() == 1
        assert "input" in placeholders(entry.prompt_template)
        assert entry.minutes_before and entry.minutes_after
        assert entry.minutes_after < entry.minutes_before
    runs = Run.objects.filter(entry__contest=contest)
    assert runs.count() == 10 * 5 * contest.samples_per_task
    assert set(runs.values_list("status", flat=True)) == {Run.Status.QUEUED}
    # Every placeholder reached the model filled in: each task provides what entries use.
    assert not any("{{" in message["content"] for run in runs for message in run.messages)


def test_demo_prints_a_summary_and_the_logins(seeded: str) -> None:
    assert "Demo created: みなと坂市" in seeded
    assert "10 entries submitted; 50 runs queued on echo / gpt-4.1-mini" in seeded
    assert DEMO_PASSWORD in seeded
    for email in ("organiser", "judge1", "staff01", "staff10"):
        assert email + DOMAIN in seeded
    assert "http" not in seeded


def test_demo_logins_work_with_the_printed_password(seeded: str) -> None:
    assert Client().login(email="staff01" + DOMAIN, password=DEMO_PASSWORD)
    assert Client().login(email="organiser" + DOMAIN, password=DEMO_PASSWORD)


def test_demo_organiser_and_judges_sign_in_with_the_printed_two_factor_key(seeded: str) -> None:
    assert DEMO_TOTP_SECRET in seeded
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": "judge1" + DOMAIN, "password": DEMO_PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    code = StringIO()
    call_command("seed_demo", "--code", stdout=code)
    client.post(reverse("mfa_authenticate"), {"code": code.getvalue().strip()})
    assert "_auth_user_id" in client.session
    assert client.get(reverse("judging_home")).status_code == 200  # two factors set up


def test_second_run_changes_nothing_and_says_the_demo_exists(seeded: str) -> None:
    before = _counts()
    output = _seed()
    assert _counts() == before
    assert "The demo already exists; nothing was changed." in output
    assert DEMO_PASSWORD in output


@pytest.mark.django_db
def test_the_demo_refuses_to_run_with_production_settings(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=0"):
        call_command("seed_demo", stdout=StringIO())
    assert not Contest.objects.exists()
