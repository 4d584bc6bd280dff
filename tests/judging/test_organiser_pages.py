"""The organiser's judging pages: criteria and awards, assignments, the blind check."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from contest.models import AwardTier, Contest, Criterion, Run
from contest.organise.defaults import DEFAULT_AWARD_TIERS, DEFAULT_CRITERIA
from judging import services
from judging.models import Assignment, Redaction, ScoreSheet
from judging.services import SheetInput
from tests import factories
from tests.judging.scenes import Scene, judged_contest, submitted_entries


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    client.force_login(organiser)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def scene(db: None) -> Scene:
    return judged_contest(entries=4, judges=3, k=2, departments=3)


# --- Criteria and award tiers ---------------------------------------------------------------


def _criteria_post(rows: list[dict[str, Any]], tiers: list[dict[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "criteria-TOTAL_FORMS": len(rows),
        "criteria-INITIAL_FORMS": 0,
        "tiers-TOTAL_FORMS": len(tiers),
        "tiers-INITIAL_FORMS": 0,
    }
    for prefix, items in (("criteria", rows), ("tiers", tiers)):
        for index, row in enumerate(items):
            data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


@pytest.mark.django_db
def test_a_contest_created_on_its_settings_page_starts_with_the_default_criteria_and_awards(
    organiser_client: Client,
) -> None:
    response = organiser_client.post(
        reverse("organiser_contest_create"),
        {
            "title": "令和7年度 職員プロンプトコンテスト",
            "slug": "2025-autumn",
            "opens_at": "2025-10-01T09:00",
            "closes_at": "2025-10-31T17:00",
            "max_entries_per_person": 3,
            "model_provider": "echo",
            "model_name": "gpt-4o-mini",
            "temperature": 0.2,
            "max_tokens": 800,
            "samples_per_task": 1,
            "judges_per_entry": 3,
            "recuse_same_department": "on",
        },
    )
    assert response.status_code == 302
    contest = Contest.objects.get(slug="2025-autumn")
    criteria = [(c.name_ja, c.name_en, c.weight, len(c.levels)) for c in contest.criteria.all()]
    assert criteria == [(c["name_ja"], c["name_en"], c["weight"], 5) for c in DEFAULT_CRITERIA]
    assert [(c.weight) for c in contest.criteria.all()] == [30, 25, 15, 15, 15]
    tiers = [(t.name_ja, t.name_en, t.count) for t in contest.award_tiers.all()]
    assert tiers == [
        ("最優秀賞", "Grand prize", 1),
        ("優秀賞", "Excellence award", 2),
        ("特別賞", "Special award", 1),
    ]
    assert len(tiers) == len(DEFAULT_AWARD_TIERS)


@pytest.mark.django_db
def test_organiser_replaces_the_criteria_and_awards(
    organiser_client: Client, open_contest: Contest
) -> None:
    url = reverse("judging_criteria", args=[open_contest.slug])
    assert organiser_client.get(url).status_code == 200
    response = organiser_client.post(
        url,
        _criteria_post(
            [
                {
                    "name_ja": "実用性",
                    "name_en": "Usefulness",
                    "weight": 60,
                    "scale_min": 1,
                    "scale_max": 3,
                    "description": "使えるか",
                    "levels": "低\n中\n高",
                },
                {"name_ja": "独創性", "weight": 40, "scale_min": 0, "scale_max": 4},
                {"name_ja": "消す", "weight": 1, "scale_min": 1, "scale_max": 5, "DELETE": "on"},
            ],
            [{"name_ja": "グランプリ", "count": 1}],
        ),
    )
    assert response.status_code == 302
    rows = [
        (c.name_ja, c.weight, c.scale_min, c.scale_max, c.levels, c.position)
        for c in Criterion.objects.filter(contest=open_contest)
    ]
    assert rows == [("実用性", 60, 1, 3, ["低", "中", "高"], 0), ("独創性", 40, 0, 4, [], 1)]
    assert list(AwardTier.objects.filter(contest=open_contest).values_list("name_ja", "count")) == [
        ("グランプリ", 1)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"weight": 0}, "Ensure this value is greater than or equal to 1."),
        ({"scale_min": 5, "scale_max": 1}, "The scale must go up"),
        ({"scale_min": 1, "scale_max": 11}, "less than or equal to 10"),
        ({"levels": "低\n高"}, "Describe every level of the scale or none"),
    ],
)
def test_weights_must_be_positive_and_scales_sensible(
    organiser_client: Client, open_contest: Contest, row: dict[str, Any], message: str
) -> None:
    base = {"name_ja": "実用性", "weight": 30, "scale_min": 1, "scale_max": 5}
    before = list(open_contest.criteria.values_list("pk", flat=True))
    response = organiser_client.post(
        reverse("judging_criteria", args=[open_contest.slug]),
        _criteria_post([{**base, **row}], [{"name_ja": "賞", "count": 1}]),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert list(open_contest.criteria.values_list("pk", flat=True)) == before


@pytest.mark.django_db
def test_criteria_lock_once_a_judge_starts_a_sheet_and_the_page_says_why(
    organiser_client: Client, scene: Scene
) -> None:
    assignment = Assignment.objects.filter(contest=scene.contest).first()
    assert assignment is not None
    ScoreSheet.objects.create(assignment=assignment)
    url = reverse("judging_criteria", args=[scene.contest.slug])
    page = organiser_client.get(url).content.decode()
    assert "Locked: a judge has started 1 score sheet" in page
    assert "criteria-TOTAL_FORMS" not in page
    before = list(Criterion.objects.filter(contest=scene.contest).values_list("pk", "weight"))
    organiser_client.post(
        url, _criteria_post([{"name_ja": "新", "weight": 1, "scale_min": 1, "scale_max": 5}], [])
    )
    assert (
        list(Criterion.objects.filter(contest=scene.contest).values_list("pk", "weight")) == before
    )
    dashboard = organiser_client.get(reverse("organiser_contest", args=[scene.contest.slug]))
    assert "Locked: a judge has started 1 score sheet" in dashboard.content.decode()


# --- Assignments ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_matrix_shows_each_assignment_and_each_judges_progress(
    organiser_client: Client, scene: Scene
) -> None:
    judge = scene.judges[0]
    mine = list(Assignment.objects.filter(judge=judge))
    Assignment.objects.filter(pk=mine[0].pk).update(status=Assignment.Status.SUBMITTED)
    response = organiser_client.get(reverse("judging_assignments", args=[scene.contest.slug]))
    matrix = response.context["matrix"]
    progress = next(p for p in matrix.judges if p.judge == judge)
    assert (progress.submitted, progress.total) == (1, len(mine))
    html = response.content.decode()
    assert f"1 / {len(mine)}" in html
    for entry in scene.entries:
        assert reverse("judging_entry", args=[scene.contest.slug, entry.pk]) in html
    cells = sum(1 for row in matrix.rows for state in row.cells if state)
    assert cells == Assignment.objects.filter(contest=scene.contest).count()


@pytest.mark.django_db
def test_an_open_contest_says_whether_judging_could_start_with_the_judges_chosen(
    organiser_client: Client, judge: User
) -> None:
    contest = factories.make_contest(judges_per_entry=2)
    contest.judges.set([judge])
    author = factories.make_user(department=factories.make_department())
    submitted_entries(contest, [author])
    html = organiser_client.get(reverse("judging_assignments", args=[contest.slug])).content
    assert "judging could not start" in html.decode()
    assert "2 judges per entry, but only 1 judge is chosen." in html.decode()


@pytest.mark.django_db
def test_organiser_adds_removes_and_waives_assignments_by_hand(
    organiser_client: Client, scene: Scene
) -> None:
    contest = scene.contest
    entry = scene.entries[0]
    assigned = set(entry.assignments.values_list("judge_id", flat=True))
    extra = factories.make_user(department=factories.make_department(), display_name="追加 審査員")
    contest.judges.add(extra)
    page = organiser_client.get(reverse("judging_entry", args=[contest.slug, entry.pk]))
    assert "追加 審査員" in page.content.decode()

    organiser_client.post(
        reverse("judging_assignment_add", args=[contest.slug, entry.pk]), {"judge": extra.pk}
    )
    added = Assignment.objects.get(entry=entry, judge=extra)
    assert added.manual

    organiser_client.post(reverse("judging_assignment_remove", args=[contest.slug, added.pk]))
    assert not Assignment.objects.filter(pk=added.pk).exists()

    target = Assignment.objects.filter(entry=entry, judge_id__in=assigned).first()
    assert target is not None
    response = organiser_client.post(
        reverse("judging_assignment_waive", args=[contest.slug, target.pk]),
        {"reason": "利害関係が判明したため"},
        follow=True,
    )
    target.refresh_from_db()
    assert target.status == Assignment.Status.WAIVED
    assert "利害関係が判明したため" in response.content.decode()


@pytest.mark.django_db
def test_entry_page_shows_every_sheet_with_its_history(
    organiser_client: Client, scene: Scene
) -> None:
    assignment = Assignment.objects.filter(contest=scene.contest).select_related("judge").first()
    assert assignment is not None
    criteria = list(scene.contest.criteria.all())

    def submit(level: int, overall: str) -> None:
        services.sheet_submit(
            assignment=assignment,
            data=SheetInput({c.pk: level for c in criteria}, {}, overall),
            by=assignment.judge,
        )

    submit(3, "まずまず")
    submit(4, "よく見ると良い")
    html = organiser_client.get(
        reverse("judging_entry", args=[scene.contest.slug, assignment.entry_id])
    ).content.decode()
    assert assignment.judge.label in html
    assert "1 change after submission" in html
    assert f"{criteria[0].name_en}: level 3 → 4" in html
    assert "Overall comment: “まずまず” → “よく見ると良い”" in html


@pytest.mark.django_db
def test_reminders_are_sent_to_the_judges_ticked_after_commit(
    organiser_client: Client, scene: Scene, django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    sent: list[list[int]] = []
    monkeypatch.setattr("judging.mails.current_app.send_task", lambda name, args: sent.append(args))
    judge = scene.judges[0]
    with django_capture_on_commit_callbacks(execute=True):
        response = organiser_client.post(
            reverse("judging_remind", args=[scene.contest.slug]), {"judge": [judge.pk]}, follow=True
        )
    assert sent == [[scene.contest.pk, judge.pk]]
    assert "A reminder is on its way to 1 judge." in response.content.decode()


# --- Blind check ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_blind_check_flags_entries_naming_their_author_and_a_redaction_clears_them(
    organiser_client: Client, scene: Scene
) -> None:
    contest = scene.contest
    named, clean = scene.entries[:2]
    author = named.author
    assert author.department is not None
    revision = named.revisions.get()
    revision.usage_notes = f"不明点は{author.department.name_ja}の{author.display_name}まで。"
    revision.save()
    run = Run.objects.filter(revision=revision).first()
    assert run is not None
    Run.objects.filter(pk=run.pk).update(output=f"連絡先: {author.email}")

    page = organiser_client.get(reverse("judging_blind", args=[contest.slug]))
    rows = page.context["rows"]
    assert [row.revision.entry_id for row in rows] == [named.pk]
    html = page.content.decode()
    assert "Needs a redacted copy" in html
    assert "How to use it" in html and author.email in html

    url = reverse("judging_redaction", args=[contest.slug, named.pk])
    form = organiser_client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items()}
    data["usage_notes"] = "不明点は担当課まで。"
    data[f"output_{run.pk}"] = "連絡先: （伏せ字）"
    response = organiser_client.post(url, data)
    assert response.status_code == 302
    redaction = Redaction.objects.get(revision=revision)
    assert redaction.outputs == {str(run.pk): "連絡先: （伏せ字）"}
    revision.refresh_from_db()
    assert author.display_name in revision.usage_notes  # the original is kept
    assert (
        "Redacted"
        in organiser_client.get(reverse("judging_blind", args=[contest.slug])).content.decode()
    )
    assert clean.pk not in [r.revision.entry_id for r in page.context["rows"]]


@pytest.mark.django_db
def test_removing_judges_on_the_settings_page_that_would_leave_entries_uncovered_is_refused(
    organiser_client: Client, scene: Scene
) -> None:
    contest = scene.contest
    url = reverse("organiser_contest_edit", args=[contest.slug])
    form = organiser_client.get(url).context["form"]
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("judges", "opens_at", "closes_at")
    }
    data.update(
        opens_at=contest.opens_at.strftime("%Y-%m-%dT%H:%M"),
        closes_at=contest.closes_at.strftime("%Y-%m-%dT%H:%M"),
        judges=[scene.judges[0].pk],
        recuse_same_department="on",
    )
    before = set(Assignment.objects.values_list("pk", "judge_id"))
    response = organiser_client.post(url, data)
    assert response.status_code == 200
    judges_field = response.context["form"]["judges"]
    assert any("judges per entry" in str(e) for e in judges_field.errors)
    assert set(contest.judges.values_list("pk", flat=True)) == {j.pk for j in scene.judges}
    assert set(Assignment.objects.values_list("pk", "judge_id")) == before
