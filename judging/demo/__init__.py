"""Judging's part of `seed_demo`: an earlier contest of みなと坂市, judged, awards decided.

Registered with `contest.extensions.register_demo_step`, so it runs in seed_demo's
transaction after the open contest. Everything goes through the real code: the bundle
importer, `entry_submit`, the lifecycle (whose change to judging makes the assignments), the
score sheet services (one harsh judge, one lenient, one revised sheet), and the awards
service following the ranking's suggestions. The contest is left at `results`, ready to be
published. The runs' outputs are written in `earlier.json`: the past contest's runs, as
they came back, without calling any model now.
"""

import json
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import Contest, Entry, Run
from contest.organise.bundle import bundle_import
from contest.organise.lifecycle import contest_transition
from contest.runs.checks import run_checks
from contest.services import entry_submit
from judging import services
from judging.models import Assignment
from judging.results.awards import PlaceChoice, award_suggestions, awards_decide
from judging.results.ranking import contest_results

DATA = Path(__file__).resolve().parent / "earlier.json"


def entries_submit(
    contest: Contest, rows: list[dict[str, Any]], people: Mapping[str, User]
) -> None:
    """Submit `earlier.json`'s entries (as their authors in `people`) with their runs done.

    The browser test scores these too, so the README's picture of a score sheet shows a
    real-looking entry.
    """
    categories = {category.name: category for category in contest.categories.all()}
    tasks = list(contest.sample_tasks.all())
    fields = ("title", "purpose", "system_prompt", "prompt_template", "usage_notes")
    for row in rows:
        entry = Entry.objects.create(
            contest=contest,
            author=people[row["author"]],
            category=categories[row["category"]],
            minutes_before=row["minutes_before"],
            minutes_after=row["minutes_after"],
            credit=row["credit"],
            **{name: row[name] for name in fields},
        )
        revision = entry_submit(entry=entry)
        for task, output in zip(tasks, row["outputs"], strict=True):
            results = [result.as_dict() for result in run_checks(task.checks, output)]
            Run.objects.filter(revision=revision, sample_task=task).update(
                status=Run.Status.SUCCEEDED,
                output=output,
                attempts=1,
                check_results=results,
                checks_passed=all(result["passed"] for result in results),
                finished_at=timezone.now(),
            )


def _close(contest: Contest, data: dict[str, Any]) -> None:
    """The contest ran months ago: move its dates there, as if time had passed."""
    closes = timezone.now() - timedelta(days=data["closed_days_ago"])
    opens = closes - timedelta(days=data["ran_for_days"])
    Contest.objects.filter(pk=contest.pk).update(opens_at=opens, closes_at=closes)
    contest.opens_at, contest.closes_at = opens, closes


def _redact(contest: Contest, data: dict[str, Any], people: Mapping[str, User]) -> None:
    redacted = data["redacted"]
    entry = Entry.objects.get(contest=contest, author=people[redacted["author"]])
    revision = entry.revisions.get(number=entry.revision)
    fields = {name: getattr(revision, name) for name in ("title", "purpose", "system_prompt")}
    services.redaction_save(
        revision=revision,
        fields={
            **fields,
            "prompt_template": revision.prompt_template,
            "usage_notes": redacted["usage_notes"],
        },
        outputs={},
        by=people["organiser"],
    )


def _level(quality: int, bias: int, index: int, assignment: Assignment) -> int:
    # The entry's quality, the judge's leaning, and a little disagreement between judges.
    wobble = (assignment.entry_id + assignment.judge_id + index) % 3 - 1 if index % 2 else 0
    return max(1, min(5, quality + bias + wobble))


def _score(contest: Contest, data: dict[str, Any], people: Mapping[str, User]) -> int:
    rows = {people[row["author"]].pk: row for row in data["entries"]}
    bias = {people[login].pk: leaning for login, leaning in data["judges"].items()}
    criteria = list(contest.criteria.all())
    assignments = list(
        Assignment.objects.filter(contest=contest)
        .select_related("judge", "entry", "contest")
        .order_by("pk")
    )
    submitted = {}
    for assignment in assignments:
        row = rows[assignment.entry.author_id]
        sheet = services.SheetInput(
            levels={
                c.pk: _level(row["quality"][i], bias[assignment.judge_id], i, assignment)
                for i, c in enumerate(criteria)
            },
            comments={criteria[int(i)].pk: text for i, text in row["comments"].items()},
            overall_comment=row["overall"],
        )
        services.sheet_submit(assignment=assignment, data=sheet, by=assignment.judge)
        submitted[assignment.pk] = sheet
    # One judge looked again at a sheet after submitting it: its history shows the change.
    reviser = people[data["revised_by"]]
    revised = next((a for a in assignments if a.judge_id == reviser.pk), None)
    if revised is not None:
        before = submitted[revised.pk]
        first = criteria[0].pk
        level = before.levels[first] or 1
        services.sheet_submit(
            assignment=revised,
            data=services.SheetInput(
                levels={**before.levels, first: level + 1 if level < 5 else level - 1},
                comments=before.comments,
                overall_comment=before.overall_comment + "見直して評価を改めました。",
            ),
            by=reviser,
        )
    return len(assignments)


def _award(contest: Contest, data: dict[str, Any], people: Mapping[str, User]) -> int:
    rationale = {people[row["author"]].pk: row["rationale"] for row in data["entries"]}
    entries = {entry.pk: entry for entry in contest.entries.all()}
    tiers = list(contest.award_tiers.all())
    suggestions = award_suggestions(contest_results(contest), tiers)
    choices = [
        PlaceChoice(
            tier_id=tier_id,
            place=place,
            entry_id=entry_id,
            rationale=rationale[entries[entry_id].author_id],
        )
        for (tier_id, place), entry_id in suggestions.items()
    ]
    return awards_decide(contest=contest, choices=choices, by=people["organiser"])


def seed_earlier_contest(people: Mapping[str, User]) -> list[str]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    now = timezone.now()
    bundle = {
        **data["bundle"],
        "opens_at": (now - timedelta(hours=1)).isoformat(),
        "closes_at": (now + timedelta(hours=1)).isoformat(),
    }
    contest = bundle_import(data=bundle, created_by=people["organiser"]).contest
    contest.judges.set(people[login] for login in data["judges"])
    entries_submit(contest, data["entries"], people)
    _redact(contest, data, people)
    _close(contest, data)
    contest_transition(contest=contest, to_status=Contest.Status.JUDGING)
    sheets = _score(contest, data, people)
    contest_transition(contest=contest, to_status=Contest.Status.RESULTS)
    awarded = _award(contest, data, people)
    return [
        _(
            "Earlier contest: %(title)s [%(slug)s], judged (%(sheets)d score sheets by "
            "%(judges)d judges, one harsh and one lenient), %(awards)d award places decided; "
            "its results are ready to publish."
        )
        % {
            "title": contest.title,
            "slug": contest.slug,
            "sheets": sheets,
            "judges": len(data["judges"]),
            "awards": awarded,
        }
    ]
