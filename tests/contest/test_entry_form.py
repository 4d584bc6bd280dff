"""The entry form: each rule with the bad input itself, through the form and the view."""

import html
import io
import re
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image

from accounts.models import User
from contest.forms import EntryForm
from contest.models import MAX_PROMPT_CHARS, Contest, Entry, EntryRevision
from tests import factories

CARD = "4111 1111 1111 1111"
MY_NUMBER = "123456789018"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


def form_data(contest: Contest, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "通知文の3行要約",
        "category": str(contest.categories.first().pk),  # type: ignore[union-attr]
        "purpose": "長い通知文を住民向けに短くまとめる",
        "system_prompt": "あなたは市役所の広報担当です。",
        "prompt_template": "次の文章を3行で要約してください。\n{{input}}",
        "usage_notes": "通知文をそのまま貼り付けてください。",
        "minutes_before": "30",
        "minutes_after": "5",
        "credit": Entry.Credit.NAME,
        "share_in_gallery": "on",
        "confirm_no_personal_data": "on",
        "form_token": str(uuid.uuid4()),
        "action": "submit",
    }
    data.update(overrides)
    return data


def bound(contest: Contest, author: User, entry: Entry | None = None, **data: Any) -> EntryForm:
    return EntryForm(form_data(contest, **data), contest=contest, author=author, entry=entry)


def assert_japanese(message: str, *must_contain: str) -> None:
    """The message is Japanese (kana present, no English sentence) and names these parts."""
    assert re.search(r"[\u3040-\u30ff]", message), message
    assert not re.search(r"[A-Za-z]{3,} [A-Za-z]{2,} [A-Za-z]{3,}", message), message
    for part in must_contain:
        assert part in message, (part, message)


def errors_of(form: EntryForm, field: str) -> str:
    assert not form.is_valid()
    return " ".join(str(message) for message in form.errors.get(field, []))


def png_bytes(size: tuple[int, int] = (64, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def signed_in(client: Client, user: User, language: str = "en") -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


# --- The fields ---------------------------------------------------------------------------


def test_form_has_exactly_the_public_field_names(open_contest: Contest, staff: User):
    form = EntryForm(contest=open_contest, author=staff)
    assert list(form.fields) == [
        "title",
        "category",
        "purpose",
        "system_prompt",
        "prompt_template",
        "usage_notes",
        "minutes_before",
        "minutes_after",
        "credit",
        "share_in_gallery",
        "image",
        "confirm_no_personal_data",
        "form_token",
    ]
    assert isinstance(form.initial["form_token"], uuid.UUID)


def test_share_in_gallery_is_offered_only_when_the_contest_allows_it(
    open_contest: Contest, staff: User
):
    Contest.objects.filter(pk=open_contest.pk).update(allow_gallery_sharing=False)
    open_contest.refresh_from_db()
    assert "share_in_gallery" not in EntryForm(contest=open_contest, author=staff).fields


def test_help_text_explains_the_input_placeholder(open_contest: Contest, staff: User):
    with translation.override("en"):
        form = EntryForm(contest=open_contest, author=staff)
        help_text = str(form.fields["prompt_template"].help_text)
    assert "{{input}}" in help_text
    assert "replaced" in help_text


def test_a_valid_form_passes(open_contest: Contest, staff: User):
    form = bound(open_contest, staff)
    assert form.is_valid(), form.errors
    assert form.entry_data()["prompt_template"] == "次の文章を3行で要約してください。\n{{input}}"


def test_windows_line_endings_are_stored_as_newlines(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, prompt_template="一行目\r\n{{input}}")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["prompt_template"] == "一行目\n{{input}}"


# --- Placeholders -------------------------------------------------------------------------


def test_unknown_placeholder_is_named_with_the_available_ones(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, prompt_template="{{input}} を {{tone}} で {{inptu}}")
    with translation.override("en"):
        message = errors_of(form, "prompt_template")
    assert "These placeholders are not provided by this contest's sample tasks" in message
    assert "{{tone}}, {{inptu}}" in message
    assert "You can use: {{input}}" in message


def test_unknown_placeholder_in_system_prompt_is_refused(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, system_prompt="あなたは{{role}}です。")
    with translation.override("en"):
        message = errors_of(form, "system_prompt")
    assert "{{role}}" in message


def test_unknown_placeholder_error_is_present_in_japanese(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, prompt_template="{{input}} {{unknown}}")
    with translation.override("ja"):
        assert_japanese(errors_of(form, "prompt_template"), "{{unknown}}", "{{input}}")


def test_variable_only_some_tasks_provide_names_the_tasks_that_lack_it(
    open_contest: Contest, staff: User
):
    # The fixture's first task provides {{audience}}; "議会答弁のたたき台" does not.
    form = bound(open_contest, staff, prompt_template="{{audience}}向けに要約: {{input}}")
    with translation.override("en"):
        message = errors_of(form, "prompt_template")
    assert "{{audience}} is not provided by every sample task" in message
    assert "議会答弁のたたき台" in message


def test_a_hidden_task_lacking_a_variable_is_counted_not_named(staff: User, organiser: User):
    contest = factories.make_contest()
    factories.make_category(contest)
    factories.make_task(contest, variables={"audience": "高齢者"})
    factories.make_task(contest, title="秘密の課題", variables={}, visible_to_entrants=False)
    form = bound(contest, staff, prompt_template="{{audience}}: {{input}}")
    with translation.override("en"):
        message = errors_of(form, "prompt_template")
    assert "1 hidden sample task" in message
    assert "秘密の課題" not in message


def test_a_variable_every_task_provides_is_accepted(staff: User, organiser: User):
    contest = factories.make_contest()
    factories.make_category(contest)
    factories.make_task(contest, variables={"audience": "高齢者"})
    factories.make_task(contest, variables={"audience": "子育て世帯"})
    form = bound(contest, staff, prompt_template="{{audience}}向けに: {{input}}")
    assert form.is_valid(), form.errors


def test_a_prompt_without_any_placeholder_is_refused(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, prompt_template="次の文章を要約してください。")
    with translation.override("en"):
        message = errors_of(form, "prompt_template")
    assert "Your prompt has no placeholder" in message
    assert "never reach the model" in message
    assert "{{input}}" in message


def test_a_placeholder_in_the_system_prompt_alone_is_enough(open_contest: Contest, staff: User):
    form = bound(
        open_contest,
        staff,
        system_prompt="対象の文章:\n{{input}}",
        prompt_template="上の文章を要約してください。",
    )
    assert form.is_valid(), form.errors


def test_missing_placeholder_error_is_present_in_japanese(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, prompt_template="要約してください。")
    with translation.override("ja"):
        assert_japanese(errors_of(form, "prompt_template"), "{{input}}")


# --- Length ---------------------------------------------------------------------------------


def test_a_prompt_over_the_limit_states_its_length_and_the_limit(
    open_contest: Contest, staff: User
):
    text = "{{input}}" + "あ" * (MAX_PROMPT_CHARS - 9 + 123)
    form = bound(open_contest, staff, prompt_template=text)
    with translation.override("en"):
        message = errors_of(form, "prompt_template")
    assert "This text is 8,123 characters long; the limit is 8,000" in message
    assert "Shorten it by 123 characters" in message


def test_a_system_prompt_over_the_limit_is_refused(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, system_prompt="a" * (MAX_PROMPT_CHARS + 1))
    with translation.override("ja"):
        assert errors_of(form, "system_prompt")


def test_a_prompt_of_exactly_the_limit_is_accepted(open_contest: Contest, staff: User):
    text = "{{input}}" + "a" * (MAX_PROMPT_CHARS - 9)
    form = bound(open_contest, staff, prompt_template=text)
    assert form.is_valid(), form.errors


# --- Personal data --------------------------------------------------------------------------


def test_personal_data_is_listed_masked_with_kind_field_and_line(
    open_contest: Contest, staff: User
):
    form = bound(
        open_contest,
        staff,
        prompt_template=f"{{{{input}}}}\n支払いはカード {CARD} で。",
        usage_notes=f"例: 個人番号 {MY_NUMBER}",
    )
    with translation.override("en"):
        prompt_errors = errors_of(form, "prompt_template")
        notes_errors = errors_of(form, "usage_notes")
    assert "This looks like personal data" in prompt_errors
    assert "credit card number in “Prompt”, line 2: •••• •••• •••• ••11" in prompt_errors
    assert "My Number (individual number) in “How to use it”, line 1" in notes_errors
    assert CARD not in prompt_errors
    assert MY_NUMBER not in notes_errors


def test_personal_data_in_purpose_and_system_prompt_is_refused(open_contest: Contest, staff: User):
    form = bound(
        open_contest,
        staff,
        purpose="担当 taro.yamada@city.example.jp",
        system_prompt="折り返しは 090-1234-5678 へ",
    )
    with translation.override("ja"):
        assert errors_of(form, "purpose")
        assert errors_of(form, "system_prompt")


def test_personal_data_is_refused_in_a_draft_too(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, action="draft", prompt_template=f"{{{{input}}}} {MY_NUMBER}")
    assert errors_of(form, "prompt_template")


# --- Confirmation, minutes, deadline, limit ------------------------------------------------


def test_confirmation_is_required_to_submit(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, confirm_no_personal_data="")
    with translation.override("en"):
        message = errors_of(form, "confirm_no_personal_data")
    assert "Tick this box to submit" in message


def test_confirmation_error_is_present_in_japanese(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, confirm_no_personal_data="")
    with translation.override("ja"):
        assert_japanese(errors_of(form, "confirm_no_personal_data"))


def test_confirmation_is_not_needed_for_a_draft(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, confirm_no_personal_data="", action="draft")
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-5", "Minutes cannot be negative"),
        ("10001", "Enter at most 10000 minutes"),
        ("half an hour", "Enter a whole number of minutes"),
    ],
)
def test_bad_minutes_are_refused(open_contest: Contest, staff: User, value: str, expected: str):
    form = bound(open_contest, staff, minutes_before=value, minutes_after=value)
    with translation.override("en"):
        assert expected in errors_of(form, "minutes_before")
        assert expected in errors_of(form, "minutes_after")


def test_minutes_after_may_exceed_minutes_before(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, minutes_before="0", minutes_after="10000")
    assert form.is_valid(), form.errors


def test_bad_minutes_error_is_present_in_japanese(open_contest: Contest, staff: User):
    form = bound(open_contest, staff, minutes_before="-1")
    with translation.override("ja"):
        assert_japanese(errors_of(form, "minutes_before"))


def test_form_refuses_after_the_deadline(open_contest: Contest, staff: User):
    Contest.objects.filter(pk=open_contest.pk).update(closes_at=timezone.now())
    open_contest.refresh_from_db()
    form = bound(open_contest, staff)
    with translation.override("en"):
        assert not form.is_valid()
        assert "The deadline for this contest passed" in " ".join(
            str(m) for m in form.non_field_errors()
        )


def test_form_refuses_over_the_limit(open_contest: Contest, staff: User):
    Contest.objects.filter(pk=open_contest.pk).update(max_entries_per_person=1)
    open_contest.refresh_from_db()
    factories.make_entry(open_contest, staff)  # a draft counts
    form = bound(open_contest, staff)
    with translation.override("en"):
        assert not form.is_valid()
        assert "the limit is 1 per person" in " ".join(str(m) for m in form.non_field_errors())


def test_limit_error_is_present_in_japanese(open_contest: Contest, staff: User):
    Contest.objects.filter(pk=open_contest.pk).update(max_entries_per_person=1)
    open_contest.refresh_from_db()
    factories.make_entry(open_contest, staff)
    form = bound(open_contest, staff)
    with translation.override("ja"):
        assert not form.is_valid()
        assert_japanese(" ".join(str(m) for m in form.non_field_errors()), "1")


def test_limit_is_explained_in_the_help_of_the_contest_page(
    client: Client, open_contest: Contest, staff: User
):
    response = signed_in(client, staff).get(reverse("contest_detail", args=[open_contest.slug]))
    assert "drafts count; withdrawn entries do not" in response.content.decode()


# --- Through the view: what is typed is kept ----------------------------------------------


def test_personal_data_prompt_is_refused_and_the_typed_text_kept(
    client: Client, open_contest: Contest, staff: User
):
    typed = f"{{{{input}}}}\nお支払いはカード {CARD} でお願いします。"
    data = form_data(open_contest, prompt_template=typed, title="私の題名")
    response = signed_in(client, staff).post(
        reverse("entry_create", args=[open_contest.slug]), data
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This looks like personal data" in page
    assert "credit card number in “Prompt”, line 2" in page
    assert "Everything you typed is still in the form" in page
    assert html.escape(typed) in page  # the textarea holds what was typed
    assert 'value="私の題名"' in page
    assert html.escape(data["usage_notes"]) in page
    assert not Entry.objects.exists()


def test_personal_data_refusal_is_shown_in_japanese(
    client: Client, open_contest: Contest, staff: User
):
    data = form_data(open_contest, prompt_template=f"{{{{input}}}} {MY_NUMBER}")
    response = signed_in(client, staff, "ja").post(
        reverse("entry_create", args=[open_contest.slug]), data
    )
    assert response.status_code == 200
    errors = re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', response.content.decode(), re.S)
    assert errors
    assert_japanese(" ".join(errors), "マイナンバー")
    assert MY_NUMBER not in " ".join(errors)  # never echoed back in full
    assert not Entry.objects.exists()


def test_after_the_deadline_the_post_is_refused_and_nothing_typed_is_lost(
    client: Client, open_contest: Contest, staff: User
):
    Contest.objects.filter(pk=open_contest.pk).update(closes_at=timezone.now())
    data = form_data(open_contest, prompt_template="締切直前に書いた力作\n{{input}}")
    response = signed_in(client, staff).post(
        reverse("entry_create", args=[open_contest.slug]), data
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "The deadline for this contest passed" in page
    assert "締切直前に書いた力作" in page
    assert not Entry.objects.exists()


def test_valid_submit_creates_a_submitted_entry_and_redirects(
    client: Client, open_contest: Contest, staff: User
):
    response = signed_in(client, staff).post(
        reverse("entry_create", args=[open_contest.slug]), form_data(open_contest)
    )
    entry = Entry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("entry_detail", args=[entry.pk])
    assert entry.status == Entry.Status.SUBMITTED
    assert entry.revision == 1
    assert entry.author == staff
    assert entry.minutes_before == 30


def test_save_as_draft_creates_a_draft_without_runs(
    client: Client, open_contest: Contest, staff: User
):
    data = form_data(open_contest, action="draft", confirm_no_personal_data="")
    signed_in(client, staff).post(reverse("entry_create", args=[open_contest.slug]), data)
    entry = Entry.objects.get()
    assert entry.status == Entry.Status.DRAFT
    assert not entry.runs.exists()


# --- Images through the view --------------------------------------------------------------


def test_a_real_png_is_accepted_and_stored_re_encoded_with_a_thumbnail(
    client: Client, open_contest: Contest, staff: User
):
    upload = SimpleUploadedFile("screen.png", png_bytes(), content_type="image/png")
    data = form_data(open_contest, image=upload)
    response = signed_in(client, staff).post(
        reverse("entry_create", args=[open_contest.slug]), data
    )
    assert response.status_code == 302
    entry = Entry.objects.get()
    assert str(entry.image.name).endswith(".png")
    assert entry.thumbnail.name
    with entry.image.open("rb") as stored, Image.open(stored) as image:
        assert image.size == (64, 40)


def test_a_text_file_renamed_png_is_refused_and_must_be_chosen_again(
    client: Client, open_contest: Contest, staff: User
):
    upload = SimpleUploadedFile("screen.png", b"just some text", content_type="image/png")
    data = form_data(open_contest, image=upload, title="画像つき")
    response = signed_in(client, staff).post(
        reverse("entry_create", args=[open_contest.slug]), data
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "This file is not a PNG, JPEG or WebP image" in page
    assert "Please choose the image again." in page
    assert 'value="画像つき"' in page
    assert not Entry.objects.exists()


def test_an_accepted_image_is_kept_when_another_field_fails(
    client: Client, open_contest: Contest, staff: User
):
    signed_in(client, staff)
    url = reverse("entry_create", args=[open_contest.slug])
    upload = SimpleUploadedFile("screen.png", png_bytes(), content_type="image/png")
    first = form_data(open_contest, image=upload, prompt_template="プレースホルダーなし")
    page = client.post(url, first).content.decode()
    assert "passed the checks and is kept" in page
    assert "Please choose the image again." not in page
    # The browser sends the same form again, without the file, after the prompt is fixed.
    second = {**first, "prompt_template": "要約: {{input}}"}
    del second["image"]
    assert client.post(url, second).status_code == 302
    entry = Entry.objects.get()
    assert str(entry.image.name).endswith(".png")
    assert entry.thumbnail.name


def test_editing_without_a_new_file_keeps_the_current_image(
    client: Client, open_contest: Contest, staff: User
):
    signed_in(client, staff)
    upload = SimpleUploadedFile("screen.png", png_bytes(), content_type="image/png")
    client.post(
        reverse("entry_create", args=[open_contest.slug]), form_data(open_contest, image=upload)
    )
    entry = Entry.objects.get()
    image_name = entry.image.name
    data = form_data(open_contest, title="題名を変更", action="draft")
    client.post(reverse("entry_edit", args=[entry.pk]), data)
    entry.refresh_from_db()
    assert entry.title == "題名を変更"
    assert entry.image.name == image_name


# --- Double submit --------------------------------------------------------------------------


def test_two_posts_of_the_same_form_create_one_entry(
    client: Client, open_contest: Contest, staff: User
):
    signed_in(client, staff)
    url = reverse("entry_create", args=[open_contest.slug])
    data = form_data(open_contest)
    first = client.post(url, data)
    second = client.post(url, data)
    entry = Entry.objects.get()
    assert first["Location"] == second["Location"] == reverse("entry_detail", args=[entry.pk])
    assert entry.revision == 1
    assert EntryRevision.objects.count() == 1


def test_two_posts_of_the_same_revision_make_one_revision(
    client: Client, open_contest: Contest, staff: User
):
    signed_in(client, staff)
    client.post(reverse("entry_create", args=[open_contest.slug]), form_data(open_contest))
    entry = Entry.objects.get()
    edit = form_data(open_contest, prompt_template="改訂: {{input}}")
    client.post(reverse("entry_edit", args=[entry.pk]), edit)
    client.post(reverse("entry_edit", args=[entry.pk]), edit)
    entry.refresh_from_db()
    assert entry.revision == 2
    assert list(entry.revisions.values_list("number", flat=True)) == [2, 1]


def test_editing_and_submitting_again_makes_a_new_revision(
    client: Client, open_contest: Contest, staff: User
):
    signed_in(client, staff)
    client.post(reverse("entry_create", args=[open_contest.slug]), form_data(open_contest))
    entry = Entry.objects.get()
    response = client.post(
        reverse("entry_edit", args=[entry.pk]),
        form_data(open_contest, prompt_template="改訂版: {{input}}"),
        follow=True,
    )
    assert "Revision 2 was submitted" in response.content.decode()
    assert entry.revisions.count() == 2


def test_a_form_token_from_a_closed_contest_page_still_shows_the_refusal(
    client: Client, staff: User, organiser: User
):
    contest = factories.make_contest(
        opens_at=timezone.now() - timedelta(days=3), closes_at=timezone.now() - timedelta(hours=1)
    )
    factories.make_category(contest)
    factories.make_task(contest)
    response = signed_in(client, staff).post(
        reverse("entry_create", args=[contest.slug]), form_data(contest, form_token="not-a-uuid")
    )
    assert response.status_code == 200
    assert "The deadline for this contest passed" in response.content.decode()


def test_personal_data_in_the_title_is_refused(open_contest: Contest, staff: User) -> None:
    form = bound(open_contest, staff, title="山田さん用 taro.yamada@city.example.jp")
    with translation.override("en"):
        assert "e-mail address" in errors_of(form, "title")
