"""“Use as a starting point”: the ordinary entry form, pre-filled from a gallery prompt."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contest.models import Contest, Entry
from gallery.models import GalleryEntrySource, GalleryPrompt
from tests import factories
from tests.gallery.builders import make_gallery_prompt


@pytest.fixture
def prompt(db: None) -> GalleryPrompt:
    return make_gallery_prompt(title="通知文の3行要約", category="要約")


def _text(page: str) -> str:
    return re.sub(r"<[^>]+>", "", page)


def _form_url(prompt: GalleryPrompt, contest: Contest) -> str:
    return reverse("gallery_start_entry", args=[prompt.pk, contest.slug])


def _post_data(client: Client, url: str, **changes: str) -> dict[str, str]:
    """What the browser sends back: the pre-filled form as shown, with `changes` typed."""
    form = client.get(url).context["form"]
    data = {
        name: "" if (value := form[name].value()) is None else str(value)
        for name in form.fields
        if name != "image"
    }
    data.pop("share_in_gallery", None)
    data["share_in_gallery"] = "on"
    data.pop("confirm_no_personal_data", None)
    data.update(changes)
    return data


def test_form_is_prefilled_from_the_prompt(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    client.force_login(staff)
    form = client.get(_form_url(prompt, open_contest)).context["form"]
    assert form["title"].value() == "通知文の3行要約"
    assert form["purpose"].value() == prompt.purpose
    assert form["system_prompt"].value() == prompt.system_prompt
    assert form["prompt_template"].value() == prompt.prompt_template
    assert form["usage_notes"].value() == prompt.usage_notes
    assert (form["minutes_before"].value(), form["minutes_after"].value()) == (30, 10)
    assert form["category"].value() == open_contest.categories.get(name="要約").pk


def test_category_is_left_to_choose_when_the_contest_has_none_of_that_name(
    client: Client, staff: User, open_contest: Contest
) -> None:
    other = make_gallery_prompt(category="翻訳")
    client.force_login(staff)
    assert client.get(_form_url(other, open_contest)).context["form"]["category"].value() is None


def test_saving_makes_a_draft_that_notes_its_source(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    client.force_login(staff)
    url = _form_url(prompt, open_contest)
    response = client.post(url, _post_data(client, url, title="通知文の3行要約（福祉課版）"))
    entry = Entry.objects.get(author=staff)
    assert response["Location"] == reverse("entry_detail", args=[entry.pk])
    assert entry.status == Entry.Status.DRAFT
    assert entry.title == "通知文の3行要約（福祉課版）"
    assert entry.prompt_template == prompt.prompt_template
    assert GalleryEntrySource.objects.get(entry=entry).prompt == prompt
    page = client.get(response["Location"]).content.decode()
    assert "このプロンプトは「通知文の3行要約」をもとに作成されました" in _text(page)
    assert f'href="{reverse("gallery_detail", args=[prompt.pk])}"' in page


def test_submitting_runs_it_like_any_entry(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    client.force_login(staff)
    url = _form_url(prompt, open_contest)
    data = _post_data(client, url, action="submit", confirm_no_personal_data="on")
    client.post(url, data)
    entry = Entry.objects.get(author=staff)
    assert entry.status == Entry.Status.SUBMITTED
    assert entry.runs.count() == open_contest.sample_tasks.count()
    assert GalleryEntrySource.objects.get(entry=entry).prompt_title == prompt.title


def test_personal_data_is_refused_and_what_was_typed_is_kept(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    client.force_login(staff)
    url = _form_url(prompt, open_contest)
    typed = "折り返しは 090-1234-5678 へ連絡してください。"
    response = client.post(url, _post_data(client, url, purpose=typed))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert typed in response.content.decode()
    assert not Entry.objects.exists()
    assert not GalleryEntrySource.objects.exists()


def test_submitting_without_the_confirmation_is_refused(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    client.force_login(staff)
    url = _form_url(prompt, open_contest)
    response = client.post(url, _post_data(client, url, action="submit"))
    assert "confirm_no_personal_data" in response.context["form"].errors
    assert not Entry.objects.exists()


def test_a_second_post_of_the_same_form_goes_to_the_first_entry(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    client.force_login(staff)
    url = _form_url(prompt, open_contest)
    data = _post_data(client, url)
    first = client.post(url, data)
    second = client.post(url, data)
    assert first["Location"] == second["Location"]
    assert Entry.objects.count() == GalleryEntrySource.objects.count() == 1


def test_the_entry_limit_applies(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    open_contest.max_entries_per_person = 1
    open_contest.save()
    factories.make_entry(open_contest, staff)
    client.force_login(staff)
    response = client.get(_form_url(prompt, open_contest))
    assert response["Location"] == reverse("gallery_start", args=[prompt.pk])


def test_a_closed_contest_cannot_be_entered(
    client: Client, staff: User, prompt: GalleryPrompt
) -> None:
    now = timezone.now()
    closed = factories.make_contest(
        opens_at=now - timedelta(days=10), closes_at=now - timedelta(days=1)
    )
    client.force_login(staff)
    assert client.get(_form_url(prompt, closed)).status_code == 302
    assert client.post(_form_url(prompt, closed), {"title": "x"}).status_code == 200
    assert not Entry.objects.exists()


def test_an_unpublished_prompt_cannot_be_a_starting_point(
    client: Client, staff: User, open_contest: Contest
) -> None:
    hidden = make_gallery_prompt(status=GalleryPrompt.Status.UNPUBLISHED)
    client.force_login(staff)
    assert client.get(reverse("gallery_start", args=[hidden.pk])).status_code == 404
    assert client.get(_form_url(hidden, open_contest)).status_code == 404


def test_with_one_open_contest_the_choice_is_skipped(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    client.force_login(staff)
    response = client.get(reverse("gallery_start", args=[prompt.pk]))
    assert response["Location"] == _form_url(prompt, open_contest)


def test_open_contests_are_offered_to_choose_from(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    second = factories.make_contest(title="窓口対応プロンプト募集")
    factories.make_contest(title="準備中のコンテスト", status=Contest.Status.DRAFT)
    client.force_login(staff)
    page = client.get(reverse("gallery_start", args=[prompt.pk])).content.decode()
    assert _form_url(prompt, open_contest) in page
    assert _form_url(prompt, second) in page
    assert "準備中のコンテスト" not in page


def test_the_note_stays_when_the_prompt_is_unpublished(
    client: Client, staff: User, open_contest: Contest, prompt: GalleryPrompt
) -> None:
    client.force_login(staff)
    url = _form_url(prompt, open_contest)
    client.post(url, _post_data(client, url))
    GalleryPrompt.objects.filter(pk=prompt.pk).update(status=GalleryPrompt.Status.UNPUBLISHED)
    entry = Entry.objects.get(author=staff)
    page = client.get(reverse("entry_detail", args=[entry.pk])).content.decode()
    assert "「通知文の3行要約」をもとに作成されました" in page
    assert f"/gallery/{prompt.pk}/" not in page


def test_other_entries_have_no_source_note(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(open_contest, staff)
    client.force_login(staff)
    assert (
        "をもとに作成されました"
        not in client.get(reverse("entry_detail", args=[entry.pk])).content.decode()
    )
