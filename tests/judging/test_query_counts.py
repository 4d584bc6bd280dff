"""Judging pages make the same number of queries however many entries a contest has.

Measured here at 10 and 60 entries; bench/judging_pages.py measures 100 and 2,000.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from judging.models import Assignment
from tests.judging.scenes import judged_contest, score_everything


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _counts(client: Client, organiser: User, entries: int) -> dict[str, int]:
    scene = judged_contest(entries=entries, judges=6, k=3, departments=4)
    judge = scene.judges[0]
    mine = Assignment.objects.filter(judge=judge).order_by("pk")
    half = list(mine.values_list("pk", flat=True))[: mine.count() // 2]
    score_everything(scene.contest)
    Assignment.objects.filter(judge=judge).exclude(pk__in=half).update(
        status=Assignment.Status.OPEN
    )
    slug = scene.contest.slug
    client.force_login(judge)
    counts = {
        "sheet": _queries(client, reverse("judging_sheet", args=[half[0]])),
        "queue": _queries(client, reverse("judging_home")),
    }
    client.force_login(organiser)
    counts["results"] = _queries(client, reverse("judging_results", args=[slug]))
    counts["matrix"] = _queries(client, reverse("judging_assignments", args=[slug]))
    counts["awards"] = _queries(client, reverse("judging_awards", args=[slug]))
    counts["blind"] = _queries(client, reverse("judging_blind", args=[slug]))
    counts["entry"] = _queries(client, reverse("judging_entry", args=[slug, scene.entries[0].pk]))
    return counts


@pytest.mark.django_db
def test_judging_pages_make_the_same_queries_at_10_and_60_entries(
    client: Client, organiser: User
) -> None:
    small = _counts(client, organiser, 10)
    large = _counts(client, organiser, 60)
    assert small == large
