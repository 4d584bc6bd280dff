"""The judge's pages: the queue, a blind score sheet, autosave, submission and refusals."""

from collections.abc import Iterator
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from accounts.models import User
from contest.images import clean_image
from contest.models import Contest, Entry, Run
from contest.organise.lifecycle import contest_transition
from judging.models import Assignment, Redaction, Score, ScoreSheetChange
from judging.services import comment_key, level_key
from tests import factories
from tests.judging.scenes import Scene, judged_contest


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def scene(db: None) -> Scene:
    scene = judged_contest(entries=4, judges=2, k=1, departments=2)
    # Named authors and departments, so a leak would show in the page.
    for n, author in enumerate(scene.authors):
        author.display_name = f"作者 名前{n}"
        author.save(update_fields=["display_name"])
    return scene


def _mine(scene: Scene, judge: User) -> list[Assignment]:
    return list(
        Assignment.objects.filter(contest=scene.contest, judge=judge)
        .select_related("entry__author__department")
        .order_by("pk")
    )


def _judge_client(client: Client, judge: User) -> Client:
    client.force_login(judge)
    client.cookies["django_language"] = "en"
    return client


def _form(scene: Scene, levels: list[int | str | None], overall: str = "") -> dict[str, str]:
    data = {"overall_comment": overall}
    for criterion, level in zip(scene.contest.criteria.all(), levels, strict=True):
        if level is not None:
            data[level_key(criterion.pk)] = str(level)
        data[comment_key(criterion.pk)] = ""
    return data


@pytest.mark.django_db
def test_the_queue_shows_my_entries_per_contest_with_progress_next_unscored_first(
    client: Client, scene: Scene
) -> None:
    judge = scene.judges[0]
    first, second = _mine(scene, judge)[:2]
    Assignment.objects.filter(pk=first.pk).update(status=Assignment.Status.SUBMITTED)
    response = _judge_client(client, judge).get(reverse("judging_home"))
    page = response.content.decode()
    total = len(_mine(scene, judge))
    assert f"1 of {total} submitted." in page
    assert scene.contest.title in page
    next_url = reverse("judging_sheet", args=[second.pk])
    assert f'class="button" href="{next_url}"' in page or "Score the next entry" in page
    queue = response.context["queues"][0]
    assert queue.items[-1].assignment.pk == first.pk  # submitted ones last
    assert queue.next.assignment.pk != first.pk


@pytest.mark.django_db
def test_the_score_sheet_is_blind_and_shows_every_run_hidden_tasks_included(
    client: Client, scene: Scene
) -> None:
    judge = scene.judges[0]
    assignment = _mine(scene, judge)[0]
    entry = assignment.entry
    entry.credit = Entry.Credit.NAME
    entry.save(update_fields=["credit"])
    page = _judge_client(client, judge).get(reverse("judging_sheet", args=[assignment.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert entry.title in html
    assert entry.author.display_name not in html
    assert entry.author.email not in html
    assert entry.author.department is not None
    assert entry.author.department.name_ja not in html
    assert "My name and department" not in html  # the credit choice
    assert "審査用の課題" in html and "Judging only" in html  # the hidden task
    assert "非公開の入力です。" in html
    assert html.count("AI-generated") == Run.objects.filter(revision=assignment.revision).count()
    assert "Keys: 0–9" in html
    for criterion in scene.contest.criteria.all():
        assert criterion.name_en in html
        assert criterion.levels[0] in html


@pytest.mark.django_db
def test_a_judge_reads_the_redacted_copy_when_there_is_one(
    client: Client, scene: Scene, organiser: User
) -> None:
    judge = scene.judges[0]
    assignment = _mine(scene, judge)[0]
    run = Run.objects.filter(revision=assignment.revision).first()
    assert run is not None
    Run.objects.filter(pk=run.pk).update(output="作成者：作者 名前0（部署）")
    Redaction.objects.create(
        revision=assignment.revision,
        title="伏せた題名",
        purpose="伏せた目的",
        prompt_template="伏せたプロンプト {{input}}",
        outputs={str(run.pk): "作成者：○○"},
        redacted_by=organiser,
    )
    html = (
        _judge_client(client, judge)
        .get(reverse("judging_sheet", args=[assignment.pk]))
        .content.decode()
    )
    assert "<h1>伏せた題名</h1>" in html
    assert "伏せたプロンプト" in html and "作成者：○○" in html
    assert f"<h1>{assignment.revision.title}</h1>" not in html
    assert "作者 名前0" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["other judge", "judge of another contest", "author"])
def test_a_sheet_that_is_not_yours_does_not_exist(client: Client, scene: Scene, who: str) -> None:
    assignment = _mine(scene, scene.judges[0])[0]
    person = {
        "other judge": scene.judges[1],
        "judge of another contest": judged_contest(entries=1, judges=2, k=1).judges[0],
        "author": assignment.entry.author,
    }[who]
    client = _judge_client(client, person)
    url = reverse("judging_sheet", args=[assignment.pk])
    assert client.get(url).status_code == 404
    # A forged POST for the sheet is refused the same way, and stores nothing.
    response = client.post(url, {**_form(scene, [5] * 5), "action": "submit"})
    assert response.status_code == 404
    assert not Score.objects.exists()
    assert client.get(reverse("judging_sheet_image", args=[assignment.pk])).status_code == 404


@pytest.mark.django_db
def test_an_assigned_judge_cannot_open_the_entry_page_that_names_the_author(
    client: Client, scene: Scene
) -> None:
    judge = scene.judges[0]
    assignment = _mine(scene, judge)[0]
    client = _judge_client(client, judge)
    for name in ("entry_detail", "entry_runs", "entry_image"):
        assert client.get(reverse(name, args=[assignment.entry_id])).status_code == 404


@pytest.mark.django_db
def test_autosave_keeps_a_draft_and_answers_with_the_status_line(
    client: Client, scene: Scene
) -> None:
    judge = scene.judges[0]
    assignment = _mine(scene, judge)[0]
    client = _judge_client(client, judge)
    url = reverse("judging_sheet", args=[assignment.pk])
    response = client.post(url, _form(scene, [4, None, 2, None, None]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Draft saved at" in response.content.decode()
    levels = Score.objects.filter(sheet__assignment=assignment).order_by("criterion__position")
    assert list(levels.values_list("level", flat=True)) == [4, None, 2, None, None]
    # Reloading shows the draft.
    html = client.get(url).content.decode()
    first = scene.contest.criteria.all()[0]
    assert f'name="{level_key(first.pk)}" value="4"' in html
    radio = html.split(f'name="{level_key(first.pk)}" value="4"')[1].split(">")[0]
    assert "checked" in radio


@pytest.mark.django_db
def test_autosave_refuses_a_level_off_the_scale_with_a_message(
    client: Client, scene: Scene
) -> None:
    judge = scene.judges[0]
    assignment = _mine(scene, judge)[0]
    response = _judge_client(client, judge).post(
        reverse("judging_sheet", args=[assignment.pk]),
        _form(scene, [9, None, None, None, None]),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Not saved:" in html
    assert "choose from 1 to 5" in html
    assert not Score.objects.exists()


@pytest.mark.django_db
def test_submitting_goes_to_the_next_entry_and_an_incomplete_sheet_is_refused(
    client: Client, scene: Scene
) -> None:
    judge = scene.judges[0]
    first = _mine(scene, judge)[0]
    client = _judge_client(client, judge)
    url = reverse("judging_sheet", args=[first.pk])

    incomplete = client.post(url, {**_form(scene, [4, 4, None, 3, 3], "よい"), "action": "submit"})
    assert incomplete.status_code == 400
    html = incomplete.content.decode()
    third = scene.contest.criteria.all()[2]
    assert f"Choose a level for “{third.name_en}”." in html
    assert "よい" in html  # what was typed is kept
    assert Assignment.objects.get(pk=first.pk).status == Assignment.Status.OPEN

    done = client.post(url, {**_form(scene, [4, 4, 3, 3, 3]), "action": "submit"})
    assert done.status_code == 302
    queue = [a for a in _mine(scene, judge) if a.status == Assignment.Status.OPEN]
    assert done["Location"] in {reverse("judging_sheet", args=[a.pk]) for a in queue}
    assert Assignment.objects.get(pk=first.pk).status == Assignment.Status.SUBMITTED


@pytest.mark.django_db
def test_changing_a_submitted_sheet_is_recorded_and_refused_after_judging(
    client: Client, scene: Scene
) -> None:
    judge = scene.judges[0]
    first = _mine(scene, judge)[0]
    client = _judge_client(client, judge)
    url = reverse("judging_sheet", args=[first.pk])
    client.post(url, {**_form(scene, [4, 4, 3, 3, 3]), "action": "submit"})
    page = client.get(url).content.decode()
    assert "Save changes" in page and "hx-post" not in page

    client.post(url, {**_form(scene, [5, 4, 3, 3, 3]), "action": "submit"})
    assert ScoreSheetChange.objects.filter(sheet__assignment=first, changed_by=judge).count() == 1

    Assignment.objects.filter(contest=scene.contest).update(status=Assignment.Status.SUBMITTED)
    contest_transition(contest=scene.contest, to_status=Contest.Status.RESULTS)
    refused = client.post(url, {**_form(scene, [1, 1, 1, 1, 1]), "action": "submit"})
    assert refused.status_code == 400
    assert "Judging has ended for this contest" in refused.content.decode()
    assert list(
        Score.objects.filter(sheet__assignment=first)
        .order_by("criterion__position")
        .values_list("level", flat=True)
    ) == [5, 4, 3, 3, 3]


@pytest.mark.django_db
def test_refusals_are_in_japanese_for_a_japanese_reader(client: Client, scene: Scene) -> None:
    judge = scene.judges[0]
    first = _mine(scene, judge)[0]
    client.force_login(judge)
    response = client.post(
        reverse("judging_sheet", args=[first.pk]),
        {**_form(scene, [4, 4, None, 3, 3]), "action": "submit"},
    )
    third = scene.contest.criteria.all()[2]
    assert f"「{third.name_ja}」の段階を選んでください。" in response.content.decode()


def _png() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("screen.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_the_screenshot_is_served_to_the_assigned_judge(client: Client, scene: Scene) -> None:
    judge = scene.judges[0]
    assignment = _mine(scene, judge)[0]
    entry = assignment.entry
    image = clean_image(_png())
    entry.image.save(str(image.content.name), image.content, save=False)
    entry.thumbnail.save(str(image.thumbnail.name), image.thumbnail, save=False)
    entry.save()
    client = _judge_client(client, judge)
    assert client.get(reverse("judging_sheet_image", args=[assignment.pk])).status_code == 200
    thumbnail = client.get(reverse("judging_sheet_thumbnail", args=[assignment.pk]))
    assert thumbnail["Content-Type"].startswith("image/")


@pytest.mark.django_db
def test_a_judge_with_nothing_assigned_yet_is_told_when_scoring_opens(
    client: Client, judge: User
) -> None:
    contest = factories.make_contest()
    contest.judges.add(judge)
    html = _judge_client(client, judge).get(reverse("judging_home")).content.decode()
    assert contest.title in html
    assert "Scoring opens when the contest moves to judging." in html


@pytest.mark.django_db
def test_the_home_page_shows_a_judge_what_is_left_to_score(client: Client, scene: Scene) -> None:
    judge = scene.judges[0]
    html = _judge_client(client, judge).get(reverse("home")).content.decode()
    total = len(_mine(scene, judge))
    assert "Entries waiting for your scores" in html
    assert f"0 of {total} submitted" in html
    other = factories.make_user()
    assert "Entries waiting for your scores" not in (
        _judge_client(Client(), other).get(reverse("home")).content.decode()
    )
