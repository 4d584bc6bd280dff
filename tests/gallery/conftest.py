"""Gallery scenes: a judged contest with its awards decided, ready to publish, and
published prompts made directly for the listing tests."""

from dataclasses import dataclass
from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import User
from contest.models import Contest, Entry
from contest.organise.lifecycle import contest_transition
from gallery.models import GalleryPrompt
from gallery.publishing import search_text_of
from judging.models import AwardDecision, Score
from tests import factories
from tests.judging.scenes import judged_contest, score_everything

_numbers = count(1)

# What must never appear in the gallery, its feed or its export.
ANONYMOUS_NAME = "匿名希望 太郎"
ANONYMOUS_DEPARTMENT = "秘密推進課"
HIDDEN_TASK_INPUT = "非公開の入力です。"
HIDDEN_OUTPUT = "非公開課題の出力SECRET"
JUDGE_COMMENT = "審査員だけのコメントSECRET"


@dataclass
class Published:
    contest: Contest
    winner: Entry  # 最優秀賞, credited by name and department
    department_only: Entry  # 優秀賞, department only
    anonymous: Entry  # 優秀賞, anonymous
    special: Entry  # 特別賞
    shared: Entry  # no award, kept "share in the gallery"
    not_shared: Entry  # no award, did not
    judges: list[User]


def results_contest(organiser: User, **fields: Any) -> Published:
    """A contest at `results`: six judged entries, four award places decided."""
    scene = judged_contest(entries=6, judges=4, k=2, **fields)
    contest = scene.contest
    winner, department_only, anonymous, special, shared, not_shared = scene.entries
    credits = {
        department_only: Entry.Credit.DEPARTMENT,
        anonymous: Entry.Credit.ANONYMOUS,
    }
    for entry, credit in credits.items():
        Entry.objects.filter(pk=entry.pk).update(credit=credit)
    Entry.objects.filter(pk=not_shared.pk).update(share_in_gallery=False)
    anonymous_author = anonymous.author
    anonymous_author.display_name = ANONYMOUS_NAME
    anonymous_author.department = factories.make_department(name_ja=ANONYMOUS_DEPARTMENT)
    anonymous_author.save()
    hidden = contest.sample_tasks.get(visible_to_entrants=False)
    hidden.runs.update(output=HIDDEN_OUTPUT)
    score_everything(contest)

    Score.objects.filter(sheet__assignment__contest=contest).update(comment=JUDGE_COMMENT)
    contest_transition(contest=contest, to_status=Contest.Status.RESULTS)
    tiers = list(contest.award_tiers.all())
    places = [(tiers[0], 0, winner), (tiers[1], 0, department_only), (tiers[1], 1, anonymous)]
    places.append((tiers[2], 0, special))
    AwardDecision.objects.bulk_create(
        AwardDecision(
            contest=contest,
            tier=tier,
            place=place,
            entry=entry,
            rationale=f"{entry.title}は実用性が高い。" if entry != special else "",
            decided_by=organiser,
        )
        for tier, place, entry in places
    )
    for entry in scene.entries:
        entry.refresh_from_db()
    return Published(
        contest, winner, department_only, anonymous, special, shared, not_shared, scene.judges
    )


@pytest.fixture
def ready(organiser: User) -> Published:
    return results_contest(organiser)


@pytest.fixture
def published(ready: Published) -> Published:
    contest_transition(contest=ready.contest, to_status=Contest.Status.PUBLISHED)
    return ready


def make_prompt(**fields: Any) -> GalleryPrompt:
    n = next(_numbers)
    values: dict[str, Any] = {
        "title": f"プロンプト {n}",
        "category": "要約",
        "purpose": "通知文を短くまとめる",
        "prompt_template": "次の文章を要約してください。\n{{input}}",
        "variables": [{"name": "input", "label": "入力", "example": "例文"}],
        "organisation": "みなと坂市",
        "contest_title": "令和7年度 職員プロンプトコンテスト",
        "fiscal_year": 2025,
        "published_at": timezone.now(),
    }
    values.update(fields)
    prompt = GalleryPrompt(**values)
    prompt.search_text = search_text_of(prompt)
    prompt.save()
    return prompt
