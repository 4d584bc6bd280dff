"""The contest's timeline: the new optional dates, their order, and where they are shown."""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from contest.models import Contest
from contest.organise.bundle import BundleError, bundle_import, bundle_validate
from contest.organise.rules import schedule_order_problems
from contest.templatetags.japan_time import japan_datetime
from contest.timeline import contest_timeline
from tests import factories

Status = Contest.Status
NOW = datetime(2025, 6, 15, 3, 0, tzinfo=UTC)


def _contest(status: str, **dates: datetime | None) -> Contest:
    """An unsaved contest: the timeline is pure and needs no database."""
    fields: dict[str, Any] = {
        "opens_at": datetime(2025, 6, 2, tzinfo=UTC),
        "closes_at": datetime(2025, 6, 30, tzinfo=UTC),
        "judging_ends_at": None,
        "results_at": None,
        **dates,
    }
    return Contest(status=status, **fields)


# --- The pure timeline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "now", "states"),
    [
        (Status.DRAFT, NOW, ["upcoming"] * 4),
        (Status.OPEN, datetime(2025, 6, 1, tzinfo=UTC), ["upcoming"] * 4),
        (Status.OPEN, NOW, ["current", "upcoming", "upcoming", "upcoming"]),
        (
            Status.OPEN,
            datetime(2025, 7, 1, tzinfo=UTC),
            ["done", "current", "upcoming", "upcoming"],
        ),
        (Status.JUDGING, NOW, ["done", "current", "upcoming", "upcoming"]),
        (Status.RESULTS, NOW, ["done", "done", "current", "upcoming"]),
        (Status.PUBLISHED, NOW, ["done", "done", "done", "current"]),
    ],
)
def test_the_current_stage_follows_the_status_and_the_clock(
    status: str, now: datetime, states: list[str]
) -> None:
    timeline = contest_timeline(_contest(status), now)
    assert [step.state for step in timeline.steps] == states
    assert timeline.stage


def test_steps_carry_their_dates_and_missing_ones_stay_empty() -> None:
    results = datetime(2025, 8, 1, tzinfo=UTC)
    with translation.override("en"):
        timeline = contest_timeline(_contest(Status.OPEN, results_at=results), NOW)
    assert [(step.label, step.when) for step in timeline.steps] == [
        ("Entries open", datetime(2025, 6, 2, tzinfo=UTC)),
        ("Entries close", datetime(2025, 6, 30, tzinfo=UTC)),
        ("Judging ends", None),
        ("Results announced", results),
    ]


# --- The order of the dates -------------------------------------------------------------------


def _dates(*days: int | None) -> dict[str, datetime | None]:
    names = ("opens_at", "closes_at", "judging_ends_at", "results_at")
    return {
        name: None if day is None else datetime(2025, 6, day, tzinfo=UTC)
        for name, day in zip(names, days, strict=True)
    }


@pytest.mark.parametrize(
    ("days", "problems"),
    [
        ((1, 10, 20, 30), []),
        ((1, 10, None, None), []),
        ((1, 10, None, 30), []),
        ((10, 1, None, None), [("closes_at", "opens_at")]),
        ((1, 10, 10, None), [("judging_ends_at", "closes_at")]),
        ((1, 10, None, 5), [("results_at", "closes_at")]),  # compared with the last date set
        ((1, 10, 20, 15), [("results_at", "judging_ends_at")]),
    ],
)
def test_each_date_must_come_after_the_one_before_it(
    days: tuple[int | None, ...], problems: list[tuple[str, str]]
) -> None:
    assert schedule_order_problems(_dates(*days)) == problems


@pytest.mark.django_db
@pytest.mark.parametrize(
    "dates",
    [
        {"judging_ends_at": -1},
        {"results_at": -1},
        {"judging_ends_at": 5, "results_at": 4},
    ],
)
def test_the_database_refuses_dates_out_of_order(dates: dict[str, int]) -> None:
    contest = factories.make_contest()
    for name, days in dates.items():
        setattr(contest, name, contest.closes_at + timedelta(days=days))
    with pytest.raises(IntegrityError), transaction.atomic():
        contest.save()


# --- The form -----------------------------------------------------------------------------------


def _form_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "令和7年度 第2回 職員プロンプトコンテスト",
        "slug": "r7-second",
        "opens_at": "2025-06-02T09:00",
        "closes_at": "2025-06-30T17:00",
        "judging_ends_at": "2025-07-15T17:00",
        "results_at": "2025-07-31T12:00",
        "max_entries_per_person": "3",
        "model_provider": "echo",
        "model_name": "gpt-4o-mini",
        "temperature": "0.2",
        "max_tokens": "800",
        "samples_per_task": "1",
        "judges_per_entry": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    client.force_login(organiser)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.mark.django_db
def test_organiser_sets_the_optional_dates_in_japan_time(organiser_client: Client) -> None:
    response = organiser_client.post(reverse("organiser_contest_create"), _form_data())
    assert response.status_code == 302
    contest = Contest.objects.get(slug="r7-second")
    assert contest.judging_ends_at == datetime(2025, 7, 15, 8, 0, tzinfo=UTC)
    assert contest.results_at == datetime(2025, 7, 31, 3, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_the_optional_dates_may_stay_empty(organiser_client: Client) -> None:
    data = _form_data(judging_ends_at="", results_at="")
    assert organiser_client.post(reverse("organiser_contest_create"), data).status_code == 302
    contest = Contest.objects.get(slug="r7-second")
    assert (contest.judging_ends_at, contest.results_at) == (None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"judging_ends_at": "2025-06-30T17:00"}, "judging_ends_at", "Judging can end only"),
        (
            {"judging_ends_at": "", "results_at": "2025-06-29T17:00"},
            "results_at",
            "The results can be announced only after entries close.",
        ),
        (
            {"results_at": "2025-07-01T17:00"},
            "results_at",
            "The results can be announced only after judging ends.",
        ),
    ],
)
def test_dates_out_of_order_are_refused_keeping_what_was_typed(
    organiser_client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    response = organiser_client.post(reverse("organiser_contest_create"), _form_data(**overrides))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    for value in overrides.values():
        if value:
            assert f'value="{value}"' in response.content.decode()
    assert not Contest.objects.exists()


# --- Where the timeline is shown --------------------------------------------------------------


@pytest.mark.django_db
def test_contest_page_shows_the_timeline_with_the_current_stage(
    client: Client, staff: User, open_contest: Contest
) -> None:
    open_contest.judging_ends_at = open_contest.closes_at + timedelta(days=14)
    open_contest.save()
    client.force_login(staff)
    html = client.get(reverse("contest_detail", args=[open_contest.slug])).content.decode()
    timeline = html.split('class="timeline-steps"', 1)[1].split("</ol>", 1)[0]
    assert timeline.index("応募受付開始") < timeline.index("応募締切") < timeline.index("審査終了")
    assert timeline.index("審査終了") < timeline.index("結果発表")
    assert '<li class="current" aria-current="step">' in timeline
    assert "現在の段階" in timeline
    assert japan_datetime(open_contest.judging_ends_at) in timeline
    assert "未定" in timeline  # results not announced yet


@pytest.mark.django_db
def test_dashboard_shows_the_timeline(organiser_client: Client, open_contest: Contest) -> None:
    html = organiser_client.get(reverse("organiser_contest", args=[open_contest.slug]))
    assert 'class="timeline-steps"' in html.content.decode()
    assert html.context["timeline"].steps[0].is_current


# --- The bundle -------------------------------------------------------------------------------

BUNDLE: dict[str, Any] = {
    "slug": "2025-spring",
    "title": "令和7年度 第1回 職員プロンプトコンテスト",
    "opens_at": "2025-06-02T09:00+09:00",
    "closes_at": "2025-06-30T17:00+09:00",
    "judging_ends_at": "2025-07-15T17:00+09:00",
    "results_at": "2025-07-31T12:00+09:00",
}


@pytest.mark.django_db
def test_bundle_takes_the_optional_dates() -> None:
    bundle_import(data=copy.deepcopy(BUNDLE))
    contest = Contest.objects.get(slug="2025-spring")
    assert contest.judging_ends_at == datetime(2025, 7, 15, 8, 0, tzinfo=UTC)
    assert contest.results_at == datetime(2025, 7, 31, 3, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_bundle_without_the_optional_dates_leaves_them_empty() -> None:
    bundle = {k: v for k, v in BUNDLE.items() if k not in ("judging_ends_at", "results_at")}
    bundle_import(data=bundle)
    contest = Contest.objects.get(slug="2025-spring")
    assert (contest.judging_ends_at, contest.results_at) == (None, None)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"results_at": "2025-07-01T12:00+09:00"},
            "results_at: must be later than judging_ends_at.",
        ),
        (
            {"judging_ends_at": "2025-06-01T12:00+09:00"},
            "judging_ends_at: must be later than closes_at.",
        ),
        ({"results_at": "2025-07-31T12:00"}, "results_at: needs a time zone offset"),
        ({"judging_ends_at": "next week"}, "judging_ends_at: must be a date and time like"),
    ],
)
def test_bundle_dates_out_of_order_or_unreadable_are_refused(
    change: dict[str, str], message: str
) -> None:
    with translation.override("en"), pytest.raises(BundleError) as caught:
        bundle_import(data={**BUNDLE, **change})
    assert any(text.startswith(message) for text in caught.value.messages), caught.value.messages
    assert not Contest.objects.exists()


def test_the_readme_bundle_example_with_its_dates_is_valid() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = readme.split("## Contest bundle", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    bundle = bundle_validate(json.loads(example), now=datetime(2025, 5, 1, tzinfo=UTC))
    assert bundle.fields["judging_ends_at"] == datetime(2025, 7, 15, 8, 0, tzinfo=UTC)
    assert bundle.fields["results_at"] == datetime(2025, 7, 31, 3, 0, tzinfo=UTC)
