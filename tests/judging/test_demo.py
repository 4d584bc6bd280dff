"""The demo's earlier contest: judged with a harsh and a lenient judge, awards decided."""

from io import StringIO
from statistics import fmean
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from contest.models import Contest, Entry
from contest.organise.lifecycle import contest_transition
from judging.models import Assignment, AwardDecision, Redaction, Score, ScoreSheetChange

DOMAIN = "@city.minatozaka.example.jp"
SLUG = "r6-prompt-contest"


@pytest.fixture
def seeded(db: None, settings: Any) -> str:
    settings.DEBUG = True
    settings.LLM_PROVIDER = "echo"
    out = StringIO()
    with translation.override("en"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def _judge(login: str) -> User:
    return User.objects.get(email=login + DOMAIN)


@pytest.mark.django_db
def test_the_demo_has_an_earlier_contest_judged_with_its_awards_decided(seeded: str) -> None:
    contest = Contest.objects.get(slug=SLUG)
    # The gallery's demo step publishes it after judging's step leaves it at results.
    assert contest.status == Contest.Status.PUBLISHED
    assignments = Assignment.objects.filter(contest=contest)
    assert assignments.count() == 8 * 2
    assert set(assignments.values_list("status", flat=True)) == {Assignment.Status.SUBMITTED}
    decisions = AwardDecision.objects.filter(contest=contest)
    assert decisions.count() == sum(tier.count for tier in contest.award_tiers.all())
    assert all(d.entry_id and d.rationale for d in decisions)
    assert ScoreSheetChange.objects.filter(sheet__assignment__contest=contest).count() == 1
    assert Redaction.objects.filter(revision__entry__contest=contest).count() == 1
    assert f"Earlier contest: 令和6年度 職員プロンプトコンテスト [{SLUG}]" in seeded


@pytest.mark.django_db
def test_one_demo_judge_is_harsh_and_one_lenient(seeded: str) -> None:
    def mean(login: str) -> float:
        levels = Score.objects.filter(
            sheet__assignment__judge=_judge(login), sheet__assignment__contest__slug=SLUG
        ).values_list("level", flat=True)
        return fmean(level for level in levels if level is not None)

    assert mean("judge1") + 1 < mean("judge2")
    assert mean("judge1") < mean("judge3") < mean("judge2")


@pytest.mark.django_db
def test_every_judging_page_of_the_demo_has_something_to_show(seeded: str, client: Client) -> None:
    client.force_login(User.objects.get(email="organiser" + DOMAIN))
    contest = Contest.objects.get(slug=SLUG)
    for name in ("judging_results", "judging_awards", "judging_assignments", "judging_blind"):
        assert client.get(reverse(name, args=[SLUG])).status_code == 200
    entry = contest.entries.first()
    assert entry is not None
    assert client.get(reverse("judging_entry", args=[SLUG, entry.pk])).status_code == 200
    client.force_login(_judge("judge1"))
    page = client.get(reverse("judging_home"))
    assert page.context["queues"][0].contest == contest


@pytest.mark.django_db
def test_the_demo_open_contest_can_move_to_judging_with_its_judges(seeded: str) -> None:
    contest = Contest.objects.get(slug="r7-prompt-contest-1")
    contest_transition(contest=contest, to_status=Contest.Status.JUDGING)
    submitted = Entry.objects.filter(contest=contest, status=Entry.Status.SUBMITTED).count()
    assert Assignment.objects.filter(contest=contest).count() == submitted * 2
