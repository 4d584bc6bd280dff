"""Results, their downloads, the awards and the guards on results and publication."""

import csv
import io
import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from contest.models import Contest, Entry
from contest.organise.lifecycle import TransitionError, allowed_transitions, contest_transition
from judging.models import Assignment, AwardDecision
from judging.results.awards import PlaceChoice, awards_decide, place_key
from judging.results.export import results_export
from judging.results.ranking import contest_results
from tests.judging.scenes import Scene, judged_contest, score_everything

Status = Contest.Status


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
def scored(db: None) -> Scene:
    scene = judged_contest(entries=6, judges=3, k=2, departments=3)
    score_everything(scene.contest)
    return scene


def _results_stage(scene: Scene) -> Contest:
    contest_transition(contest=scene.contest, to_status=Status.RESULTS)
    return scene.contest


# --- Guards ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_judging_ends_only_when_every_assignment_is_submitted_or_waived(
    organiser: User,
) -> None:
    scene = judged_contest(entries=2, judges=2, k=1, departments=2)
    first, second = Assignment.objects.filter(contest=scene.contest).order_by("pk")
    Assignment.objects.filter(pk=first.pk).update(status=Assignment.Status.SUBMITTED)
    (move,) = allowed_transitions(scene.contest)
    assert not move.ok
    assert "1 assignment is not scored yet" in move.reason
    assert second.judge.label in move.reason
    with pytest.raises(TransitionError):
        contest_transition(contest=scene.contest, to_status=Status.RESULTS)

    Assignment.objects.filter(pk=second.pk).update(status=Assignment.Status.WAIVED)
    contest_transition(contest=scene.contest, to_status=Status.RESULTS)
    assert Contest.objects.get(pk=scene.contest.pk).status == Status.RESULTS


@pytest.mark.django_db
def test_results_are_published_only_when_every_award_place_is_decided(
    scored: Scene, organiser: User
) -> None:
    contest = _results_stage(scored)
    ranked = [row.entry.pk for row in contest_results(contest).ranked]
    grand, excellence, special = contest.award_tiers.all()
    awards_decide(
        contest=contest,
        choices=[PlaceChoice(grand.pk, 0, ranked[0], rationale="完成度が高い")],
        by=organiser,
    )
    with pytest.raises(TransitionError) as refused:
        contest_transition(contest=contest, to_status=Status.PUBLISHED)
    assert "Excellence award (0 of 2 places)" in refused.value.message
    awards_decide(
        contest=contest,
        choices=[
            PlaceChoice(excellence.pk, 0, ranked[1], rationale="横展開しやすい"),
            PlaceChoice(excellence.pk, 1, empty=True),
            PlaceChoice(special.pk, 0, empty=True),
        ],
        by=organiser,
    )
    contest_transition(contest=contest, to_status=Status.PUBLISHED)
    assert AwardDecision.objects.filter(contest=contest).count() == 4
    assert AwardDecision.objects.filter(contest=contest, entry__isnull=True).count() == 2


# --- Results --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_results_rank_every_entry_with_raw_scores_flags_and_agreement(
    organiser_client: Client, scored: Scene
) -> None:
    response = organiser_client.get(reverse("judging_results", args=[scored.contest.slug]))
    results = response.context["results"]
    assert len(results.rows) == 6
    assert [row.result.rank for row in results.rows] == sorted(
        row.result.rank for row in results.rows
    )
    criteria = list(scored.contest.criteria.all())
    weights = [c.weight for c in criteria]
    for row in results.rows:
        sheets = Assignment.objects.filter(entry=row.entry).prefetch_related("sheet__scores")
        totals = []
        for assignment in sheets:
            levels = {s.criterion_id: s.level or 0 for s in assignment.sheet.scores.all()}
            totals.append(sum(w * levels[c.pk] for w, c in zip(weights, criteria, strict=True)))
        expected = sum(totals) / len(totals) / sum(weights)
        assert row.result.raw == pytest.approx(expected)
        assert row.result.sheet_count == 2
        assert not row.result.incomplete
    html = response.content.decode()
    assert "Krippendorff's alpha" in html
    assert "<svg" in html and "<script" not in html.split("<main")[1].split("</main>")[0]
    assert scored.entries[0].author.label in html  # organisers see who wrote what
    for judge in scored.judges:
        assert judge.label in html  # each judge's column in the chart


@pytest.mark.django_db
def test_an_entry_with_fewer_sheets_than_judges_per_entry_is_flagged_incomplete(
    organiser_client: Client,
) -> None:
    scene = judged_contest(entries=3, judges=3, k=2, departments=3)
    waived = Assignment.objects.filter(contest=scene.contest).first()
    assert waived is not None
    Assignment.objects.filter(pk=waived.pk).update(status=Assignment.Status.WAIVED)
    score_everything(scene.contest)
    results = contest_results(scene.contest)
    row = next(r for r in results.rows if r.entry.pk == waived.entry_id)
    assert row.result.sheet_count == 1
    assert row.result.incomplete


@pytest.mark.django_db
def test_csv_opens_in_excel_with_japanese_intact_and_json_has_the_same_rows(
    organiser_client: Client, scored: Scene
) -> None:
    slug = scored.contest.slug
    response = organiser_client.get(reverse("judging_results_csv", args=[slug]))
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{slug}-results.csv"' in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    assert header[:2] == ["Rank", "Tied"]
    assert "実用性・効果" in header
    document = json.loads(
        organiser_client.get(reverse("judging_results_json", args=[slug])).content
    )
    assert [row["title"] for row in document["entries"]] == [row[5] for row in data]
    assert [str(row["rank"]) for row in document["entries"]] == [row[0] for row in data]
    assert document["criteria"][0]["name"] == "実用性・効果"
    assert document["judges_per_entry"] == 2


@pytest.mark.django_db
def test_export_results_command_gives_the_same_data(scored: Scene, tmp_path: Any) -> None:
    slug = scored.contest.slug
    out = StringIO()
    call_command("export_results", slug, "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == json.loads(results_export(scored.contest, "json"))
    target = tmp_path / "results.csv"
    call_command("export_results", slug, "--format", "csv", "--output", str(target))
    assert target.read_bytes() == results_export(scored.contest, "csv")


@pytest.mark.django_db
def test_only_organisers_see_results(client: Client, scored: Scene) -> None:
    judge = scored.judges[0]
    client.force_login(judge)
    for name in ("judging_results", "judging_results_csv", "judging_results_json"):
        assert client.get(reverse(name, args=[scored.contest.slug])).status_code == 403


# --- Awards ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_awards_page_suggests_the_top_entries_tier_by_tier_skipping_withdrawn_ones(
    organiser_client: Client, scored: Scene
) -> None:
    contest = _results_stage(scored)
    ranked = [row.entry.pk for row in contest_results(contest).ranked]
    Entry.objects.filter(pk=ranked[1]).update(status=Entry.Status.WITHDRAWN)
    response = organiser_client.get(reverse("judging_awards", args=[contest.slug]))
    grand, excellence, special = contest.award_tiers.all()
    initial = response.context["form"].initial
    assert initial[place_key(grand.pk, 0)] == str(ranked[0])
    assert initial[place_key(excellence.pk, 0)] == str(ranked[2])
    assert initial[place_key(excellence.pk, 1)] == str(ranked[3])
    assert initial[place_key(special.pk, 0)] == str(ranked[4])
    assert "Suggested from the ranking" in response.content.decode()


@pytest.mark.django_db
def test_organiser_confirms_awards_with_what_the_judges_valued(
    organiser_client: Client, scored: Scene
) -> None:
    contest = _results_stage(scored)
    ranked = [row.entry.pk for row in contest_results(contest).ranked]
    grand, excellence, special = contest.award_tiers.all()
    data = {
        place_key(grand.pk, 0): str(ranked[0]),
        f"{place_key(grand.pk, 0)}_rationale": "どの課でもすぐ使える",
        place_key(excellence.pk, 0): str(ranked[1]),
        f"{place_key(excellence.pk, 0)}_rationale": "出力が安定している",
        place_key(excellence.pk, 1): "empty",
        place_key(special.pk, 0): "",
    }
    response = organiser_client.post(reverse("judging_awards", args=[contest.slug]), data)
    assert response.status_code == 302
    decisions = {
        (d.tier_id, d.place): (d.entry_id, d.rationale)
        for d in AwardDecision.objects.filter(contest=contest)
    }
    assert decisions == {
        (grand.pk, 0): (ranked[0], "どの課でもすぐ使える"),
        (excellence.pk, 0): (ranked[1], "出力が安定している"),
        (excellence.pk, 1): (None, ""),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("problem", ["withdrawn", "other contest", "twice", "no rationale"])
def test_an_award_that_breaks_a_rule_is_refused_with_the_reason_and_nothing_stored(
    organiser_client: Client, scored: Scene, problem: str
) -> None:
    contest = _results_stage(scored)
    ranked = [row.entry.pk for row in contest_results(contest).ranked]
    grand, excellence, _special = contest.award_tiers.all()
    chosen, second = ranked[0], ranked[1]
    if problem == "withdrawn":
        Entry.objects.filter(pk=chosen).update(status=Entry.Status.WITHDRAWN)
        expected = "was withdrawn, so it cannot receive an award"
    elif problem == "other contest":
        other = judged_contest(entries=1, judges=2, k=1, departments=2)
        chosen = other.entries[0].pk
        expected = "This entry is not part of this contest."
    elif problem == "twice":
        second = chosen
        expected = "This entry already has an award"
    else:
        expected = "Write what the judges valued in this entry"
    data = {
        place_key(grand.pk, 0): str(chosen),
        f"{place_key(grand.pk, 0)}_rationale": "" if problem == "no rationale" else "理由",
        place_key(excellence.pk, 0): str(second),
        f"{place_key(excellence.pk, 0)}_rationale": "理由",
    }
    response = organiser_client.post(reverse("judging_awards", args=[contest.slug]), data)
    assert response.status_code == 400
    assert expected in response.content.decode()
    assert not AwardDecision.objects.exists()


@pytest.mark.django_db
def test_awards_are_decided_only_while_the_results_are_being_prepared(
    scored: Scene, organiser: User
) -> None:
    grand = scored.contest.award_tiers.first()
    assert grand is not None
    with pytest.raises(Exception, match="move the contest to “Results” first"):
        awards_decide(
            contest=scored.contest,
            choices=[PlaceChoice(grand.pk, 0, scored.entries[0].pk, rationale="理由")],
            by=organiser,
        )


# --- What the entrant sees once published ---------------------------------------------------


def _publish(scene: Scene, organiser: User) -> Contest:
    contest = _results_stage(scene)
    choices = [
        PlaceChoice(tier.pk, place, empty=True)
        for tier in contest.award_tiers.all()
        for place in range(tier.count)
    ]
    awards_decide(contest=contest, choices=choices, by=organiser)
    contest_transition(contest=contest, to_status=Status.PUBLISHED)
    return contest


@pytest.mark.django_db
def test_after_publication_the_author_sees_their_scores_and_comments_without_judge_names(
    client: Client, scored: Scene, organiser: User
) -> None:
    entry = scored.entries[0]
    author = entry.author
    client.force_login(author)
    client.cookies["django_language"] = "en"
    url = reverse("entry_detail", args=[entry.pk])
    assert "How the judges scored your entry" not in client.get(url).content.decode()

    _publish(scored, organiser)
    html = client.get(url).content.decode()
    assert "How the judges scored your entry" in html
    assert "良い作品です。" in html  # the overall comment
    assert "<strong>A</strong>" in html
    for judge in scored.judges:
        assert judge.label not in html
        assert judge.email not in html

    # Nobody else sees them: another entrant gets no page, an organiser no section.
    other = scored.entries[1].author
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(organiser)
    assert "How the judges scored your entry" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_a_contest_with_an_unknown_slug_is_not_exported() -> None:
    with pytest.raises(Exception, match="There is no contest"):
        call_command("export_results", "nope", stdout=StringIO())


@pytest.mark.django_db
def test_an_award_refusal_is_in_japanese_for_a_japanese_reader(
    client: Client, scored: Scene, organiser: User
) -> None:
    contest = _results_stage(scored)
    ranked = [row.entry for row in contest_results(contest).ranked]
    Entry.objects.filter(pk=ranked[0].pk).update(status=Entry.Status.WITHDRAWN)
    grand = contest.award_tiers.all()[0]
    client.force_login(organiser)
    response = client.post(
        reverse("judging_awards", args=[contest.slug]),
        {place_key(grand.pk, 0): str(ranked[0].pk), f"{place_key(grand.pk, 0)}_rationale": "理由"},
    )
    assert f"「{ranked[0].title}」は取り下げられているため、受賞の対象にできません。" in (
        response.content.decode()
    )
    assert not AwardDecision.objects.exists()
