"""Who may see, change, withdraw an entry and open its image: others get 404, never 403."""

import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.models import User
from contest import services
from contest.images import clean_image
from contest.models import Contest, Entry, Run

ENTRY_PAGES = ["entry_detail", "entry_edit", "entry_withdraw", "entry_image", "entry_thumbnail"]
PROMPT = "次の文章を要約してください。\n{{input}}"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def png_upload() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (80, 50), (200, 40, 40)).save(buffer, format="PNG")
    return SimpleUploadedFile("screen.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def entry(open_contest: Contest, staff: User) -> Entry:
    """A submitted entry by `staff`, with a screenshot."""
    created = services.entry_create(
        contest=open_contest,
        author=staff,
        data={
            "title": "通知文の要約",
            "prompt_template": PROMPT,
            "image": clean_image(png_upload()),
        },
        form_token=uuid.uuid4(),
    )
    services.entry_submit(entry=created)
    return created


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def close(contest: Contest) -> None:
    Contest.objects.filter(pk=contest.pk).update(closes_at=timezone.now())


# --- Seeing -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ENTRY_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client: Client, entry: Entry, name: str):
    response = client.get(reverse(name, args=[entry.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", ENTRY_PAGES)
def test_other_staff_get_404_on_every_entry_url(
    client: Client, entry: Entry, other_staff: User, name: str
):
    assert signed_in(client, other_staff).get(reverse(name, args=[entry.pk])).status_code == 404


@pytest.mark.parametrize("name", ENTRY_PAGES)
def test_a_judge_gets_404_on_the_staff_entry_pages(
    client: Client, entry: Entry, judge: User, open_contest: Contest, name: str
):
    open_contest.judges.add(judge)
    assert signed_in(client, judge).get(reverse(name, args=[entry.pk])).status_code == 404


def test_a_missing_entry_looks_the_same_as_a_forbidden_one(client: Client, other_staff: User):
    assert (
        signed_in(client, other_staff).get(reverse("entry_detail", args=[999999])).status_code
        == 404
    )


def test_the_author_sees_the_entry_page(client: Client, entry: Entry, staff: User):
    response = signed_in(client, staff).get(reverse("entry_detail", args=[entry.pk]))
    assert response.status_code == 200
    assert "通知文の要約" in response.content.decode()


def test_an_organiser_sees_the_entry_page_with_its_author(
    client: Client, entry: Entry, organiser: User
):
    response = signed_in(client, organiser).get(reverse("entry_detail", args=[entry.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "職員 太郎" in html
    assert reverse("entry_edit", args=[entry.pk]) not in html


def test_an_organiser_cannot_edit_or_withdraw_someone_elses_entry(
    client: Client, entry: Entry, organiser: User
):
    signed_in(client, organiser)
    assert client.get(reverse("entry_edit", args=[entry.pk])).status_code == 404
    assert client.post(reverse("entry_withdraw", args=[entry.pk])).status_code == 404
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.SUBMITTED


def test_other_staff_cannot_post_an_edit(
    client: Client, entry: Entry, other_staff: User, open_contest: Contest
):
    data = {"title": "乗っ取り", "prompt_template": PROMPT, "action": "draft"}
    response = signed_in(client, other_staff).post(reverse("entry_edit", args=[entry.pk]), data)
    assert response.status_code == 404
    assert Entry.objects.get(pk=entry.pk).title == "通知文の要約"


# --- Images -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type"), [("entry_image", "image/png"), ("entry_thumbnail", "image/webp")]
)
def test_image_is_served_to_the_author_with_its_type_and_nosniff(
    client: Client, entry: Entry, staff: User, name: str, content_type: str
):
    response = signed_in(client, staff).get(reverse(name, args=[entry.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert Image.open(io.BytesIO(body)).format == content_type.split("/")[1].upper()


def test_image_is_served_to_an_organiser(client: Client, entry: Entry, organiser: User):
    response = signed_in(client, organiser).get(reverse("entry_image", args=[entry.pk]))
    assert response.status_code == 200


def test_an_entry_without_an_image_answers_404(client: Client, open_contest: Contest, staff: User):
    plain = services.entry_create(
        contest=open_contest,
        author=staff,
        data={"title": "画像なし", "prompt_template": PROMPT},
        form_token=uuid.uuid4(),
    )
    assert signed_in(client, staff).get(reverse("entry_image", args=[plain.pk])).status_code == 404


# --- Changing -------------------------------------------------------------------------------


def test_the_author_can_edit_while_open(client: Client, entry: Entry, staff: User):
    response = signed_in(client, staff).get(reverse("entry_edit", args=[entry.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "通知文の要約" in html
    assert "Submit revision" in html


def test_after_the_deadline_the_edit_page_sends_the_author_back_with_the_reason(
    client: Client, entry: Entry, staff: User, open_contest: Contest
):
    close(open_contest)
    response = signed_in(client, staff).get(reverse("entry_edit", args=[entry.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("entry_detail", args=[entry.pk])
    assert "The deadline for this contest passed" in response.content.decode()


def test_after_the_deadline_an_edit_post_is_refused_with_the_text_kept(
    client: Client, entry: Entry, staff: User, open_contest: Contest
):
    close(open_contest)
    data = {
        "title": "締切後の修正",
        "category": str(open_contest.categories.first().pk),  # type: ignore[union-attr]
        "prompt_template": "締切後に直した文面\n{{input}}",
        "credit": Entry.Credit.NAME,
        "confirm_no_personal_data": "on",
        "action": "submit",
    }
    response = signed_in(client, staff).post(reverse("entry_edit", args=[entry.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The deadline for this contest passed" in html
    assert "締切後に直した文面" in html
    entry.refresh_from_db()
    assert entry.title == "通知文の要約"
    assert entry.revision == 1


def test_the_author_withdraws_after_confirming(
    client: Client, entry: Entry, staff: User, open_contest: Contest
):
    signed_in(client, staff)
    confirm = client.get(reverse("entry_withdraw", args=[entry.pk]))
    assert confirm.status_code == 200
    assert "Withdraw this entry?" in confirm.content.decode()
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.SUBMITTED
    response = client.post(reverse("entry_withdraw", args=[entry.pk]))
    assert response["Location"] == reverse("contest_detail", args=[open_contest.slug])
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.WITHDRAWN
    assert not Run.objects.filter(entry=entry, status__in=Run.PENDING).exists()


def test_withdrawing_after_the_deadline_is_refused(
    client: Client, entry: Entry, staff: User, open_contest: Contest
):
    close(open_contest)
    response = signed_in(client, staff).post(
        reverse("entry_withdraw", args=[entry.pk]), follow=True
    )
    assert "The deadline for this contest passed" in response.content.decode()
    assert Entry.objects.get(pk=entry.pk).status == Entry.Status.SUBMITTED


def test_a_withdrawn_entry_can_be_seen_but_not_edited(client: Client, entry: Entry, staff: User):
    services.entry_withdraw(entry=entry)
    signed_in(client, staff)
    page = client.get(reverse("entry_detail", args=[entry.pk])).content.decode()
    assert '<span class="badge withdrawn">Withdrawn</span>' in page
    assert reverse("entry_edit", args=[entry.pk]) not in page
    response = client.get(reverse("entry_edit", args=[entry.pk]), follow=True)
    assert "This entry was withdrawn" in response.content.decode()
