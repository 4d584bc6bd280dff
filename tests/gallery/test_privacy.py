"""Nothing private anywhere in the gallery: not on its pages, in its feed or in its export.

Every kind of private value is planted with a marker, the contest is published through the
real lifecycle, and then the list, every prompt page, the feed and the JSON are searched.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from contest.models import Contest, Entry, EntryRevision
from contest.organise.lifecycle import contest_transition
from gallery.models import GalleryPrompt
from tests import factories

from .conftest import (
    ANONYMOUS_DEPARTMENT,
    ANONYMOUS_NAME,
    HIDDEN_OUTPUT,
    HIDDEN_TASK_INPUT,
    JUDGE_COMMENT,
    Published,
    results_contest,
)

pytestmark = pytest.mark.django_db


def _everything_shown(client: Client) -> str:
    shown = [client.get(reverse("gallery_list")).content.decode()]
    for pk in GalleryPrompt.objects.values_list("pk", flat=True):
        response = client.get(reverse("gallery_detail", args=[pk]))
        if response.status_code == 200:
            shown.append(response.content.decode())
    shown.append(client.get(reverse("gallery_feed")).content.decode())
    export = client.get(reverse("gallery_export")).json()
    shown.append(json.dumps(export, ensure_ascii=False))
    return "\n".join(shown)


def test_no_private_value_reaches_the_page_the_feed_or_the_export(
    client: Client, ready: Published, organiser: User, staff: User
):
    contest = ready.contest
    for n, judge in enumerate(ready.judges):
        judge.display_name = f"審査員氏名SECRET{n}"
        judge.save()
    EntryRevision.objects.filter(entry=ready.not_shared).update(title="共有しない作品SECRET")
    Entry.objects.filter(pk=ready.not_shared.pk).update(title="共有しない作品SECRET")
    draft = factories.make_entry(contest, factories.make_user(), title="下書きSECRET")
    assert draft.status == Entry.Status.DRAFT
    withdrawn = factories.make_entry(
        contest, factories.make_user(), title="取り下げSECRET", status=Entry.Status.WITHDRAWN
    )
    EntryRevision.objects.create(
        entry=withdrawn, number=1, title=withdrawn.title, prompt_template="x"
    )
    ready.anonymous.author.email = "tokumei-secret@city.example.jp"
    ready.anonymous.author.save()
    contest_transition(contest=contest, to_status=Contest.Status.PUBLISHED)

    # A contest not yet published, its awards decided: nothing of it shows.
    unpublished = results_contest(organiser)
    Contest.objects.filter(pk=unpublished.contest.pk).update(title="未公開コンテストSECRET")
    # A prompt an organiser took down.
    taken_down = GalleryPrompt.objects.get(entry=ready.shared)
    GalleryPrompt.objects.filter(pk=taken_down.pk).update(
        status=GalleryPrompt.Status.UNPUBLISHED, unpublished_reason="理由SECRET"
    )

    client.force_login(staff)
    shown = _everything_shown(client)
    assert ready.winner.title in shown  # the search below looks at real pages
    private = [
        ANONYMOUS_NAME,
        ANONYMOUS_DEPARTMENT,
        "tokumei-secret",
        HIDDEN_TASK_INPUT,
        HIDDEN_OUTPUT,
        JUDGE_COMMENT,
        "良い作品です。",  # the judges' overall comment
        "審査員氏名SECRET",
        "共有しない作品SECRET",
        "下書きSECRET",
        "取り下げSECRET",
        "未公開コンテストSECRET",
        "理由SECRET",
        taken_down.title + "</a>",
    ]
    found = [value for value in private if value in shown]
    assert found == []
