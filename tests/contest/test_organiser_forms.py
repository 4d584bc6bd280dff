"""Organiser forms read like the entry form: error summary, 必須/任意, plain names, warnings."""

import re
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contest.models import Contest
from contest.organise.slugs import fiscal_year
from tests import factories

pytestmark = pytest.mark.django_db

Status = Contest.Status


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    client.force_login(organiser)
    return client


def english(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _contest_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "令和7年度 第2回 職員プロンプトコンテスト",
        "slug": "r7-second",
        "opens_at": "2025-06-02T09:00",
        "closes_at": "2025-06-30T17:00",
        "max_entries_per_person": "3",
        "model_provider": "echo",
        "model_name": "gpt-4o-mini",
        "temperature": "0.2",
        "max_tokens": "800",
        "samples_per_task": "1",
        "judges_per_entry": "1",
    }
    data.update(overrides)
    return data


def _summary(html: str) -> str:
    return html.split('class="form-errors"', 1)[1].split("</div>", 1)[0]


def _label(html: str, field_id: str) -> str:
    match = re.search(rf'<label for="{field_id}">(.*?)</label>', html, re.S)
    assert match, field_id
    return match.group(1)


# --- Error summary ----------------------------------------------------------------------------


def test_contest_form_errors_are_summarised_at_the_top_with_links(
    organiser_client: Client,
) -> None:
    data = _contest_data(title="", max_tokens="0", closes_at="2025-06-01T09:00")
    html = organiser_client.post(reverse("organiser_contest_create"), data).content.decode()
    summary = _summary(html)
    assert "保存されていません" in summary
    for anchor in ("#id_title", "#id_closes_at", "#id_max_tokens"):
        assert f'href="{anchor}"' in summary
    assert 'href="#id_opens_at"' not in summary
    assert html.index('class="form-errors"') < html.index('id="id_title"')


def test_judges_error_links_to_the_judge_picker(organiser_client: Client) -> None:
    html = organiser_client.post(
        reverse("organiser_contest_create"), _contest_data(judges=["999999"])
    ).content.decode()
    assert 'href="#id_judges"' in _summary(html)
    assert '<fieldset id="id_judges"' in html


def test_a_judge_search_shows_no_error_summary(organiser_client: Client) -> None:
    data = _contest_data(title="", judge_search="judge", search_judges="1")
    html = organiser_client.post(reverse("organiser_contest_create"), data).content.decode()
    assert 'class="form-errors"' not in html


def test_task_form_errors_are_summarised_with_links(
    organiser_client: Client, open_contest: Contest
) -> None:
    url = reverse("organiser_task_create", args=[open_contest.slug])
    html = organiser_client.post(url, {"title": "", "input": "", "checks": "regex: ("}).content
    summary = _summary(html.decode())
    for anchor in ("#id_title", "#id_input", "#id_checks"):
        assert f'href="{anchor}"' in summary


def test_csv_import_errors_are_summarised_and_ask_for_the_file_again(
    organiser_client: Client, organiser: User
) -> None:
    contest = factories.make_contest(status=Status.DRAFT, created_by=organiser)
    upload = SimpleUploadedFile("tasks.csv", "title,input\r\n空,\r\n".encode(), "text/csv")
    url = reverse("organiser_task_import", args=[contest.slug])
    html = organiser_client.post(url, {"file": upload}).content.decode()
    summary = _summary(html)
    assert 'href="#id_file"' in summary
    assert "もう一度選んでください" in summary


# --- 必須 / 任意 -------------------------------------------------------------------------------


def test_contest_form_marks_every_field_required_or_optional(organiser_client: Client) -> None:
    html = organiser_client.get(reverse("organiser_contest_create")).content.decode()
    assert "必須" in _label(html, "id_title")
    assert "任意" in _label(html, "id_description")
    assert "任意" in _label(html, "id_slug")  # suggested from the title when left empty
    assert "任意" in _label(html, "id_judging_ends_at")
    assert "必須" in _label(html, "id_opens_at")
    legend = html.split('<fieldset id="id_judges"', 1)[1].split("</legend>", 1)[0]
    assert "任意" in legend
    # A tick box is marked only when it must be ticked: unticked is a valid answer.
    checkbox = html.split('id="id_recuse_same_department"', 1)[1].split("</label>", 1)[0]
    assert "field-mark" not in checkbox


def test_slug_is_required_once_the_contest_exists(
    organiser_client: Client, organiser: User
) -> None:
    contest = factories.make_contest(status=Status.DRAFT, created_by=organiser)
    html = organiser_client.get(reverse("organiser_contest_edit", args=[contest.slug]))
    assert "必須" in _label(html.content.decode(), "id_slug")


def test_task_and_import_forms_mark_their_fields(
    organiser_client: Client, open_contest: Contest
) -> None:
    task = organiser_client.get(reverse("organiser_task_create", args=[open_contest.slug]))
    html = task.content.decode()
    assert "必須" in _label(html, "id_title")
    assert "必須" in _label(html, "id_input")
    assert "任意" in _label(html, "id_variables")
    assert "任意" in _label(html, "id_checks")
    draft = factories.make_contest(status=Status.DRAFT)
    upload = organiser_client.get(reverse("organiser_task_import", args=[draft.slug]))
    assert "必須" in _label(upload.content.decode(), "id_file")


def test_entry_form_shows_the_same_marks(
    client: Client, staff: User, open_contest: Contest
) -> None:
    client.force_login(staff)
    html = client.get(reverse("entry_create", args=[open_contest.slug])).content.decode()
    assert "必須" in _label(html, "id_title")
    assert "必須" in _label(html, "id_prompt_template")
    assert "任意" in _label(html, "id_purpose")
    assert "任意" in _label(html, "id_image")
    assert "（任意）" not in html  # the mark replaces "(optional)" in the label
    legend = html.split('<fieldset class="choices">', 1)[1].split("</legend>", 1)[0]
    assert "必須" in legend  # the credit choice


def test_sign_in_form_shares_the_field_partial_and_its_marks(client: Client) -> None:
    html = client.get(reverse("account_login")).content.decode()
    assert "field-mark required" in html


# --- Plain names and the suggested web address name --------------------------------------------


def test_slug_is_called_a_web_address_name(organiser_client: Client) -> None:
    html = organiser_client.get(reverse("organiser_contest_create")).content.decode()
    assert "URL名（半角英数字）" in _label(html, "id_slug")
    assert "スラッグ" not in html
    english_html = english(organiser_client).get(reverse("organiser_contest_create"))
    assert "Web address name (letters and digits)" in english_html.content.decode()


def test_an_empty_slug_is_filled_from_the_title_and_saved(organiser_client: Client) -> None:
    data = _contest_data(slug="")
    response = organiser_client.post(reverse("organiser_contest_create"), data, follow=True)
    contest = Contest.objects.get()
    assert contest.slug == "r7-2"  # 令和7年度 第2回
    assert "URL名「r7-2」をタイトルから作成しました" in response.content.decode()


def test_the_suggestion_skips_names_in_use(organiser_client: Client) -> None:
    factories.make_contest(slug="r7-2")
    organiser_client.post(reverse("organiser_contest_create"), _contest_data(slug=""))
    assert Contest.objects.filter(slug="r7-1").exists()


def test_the_suggestion_is_shown_when_the_form_comes_back_with_an_error(
    organiser_client: Client,
) -> None:
    data = _contest_data(slug="", closes_at="2025-06-01T09:00")
    response = organiser_client.post(reverse("organiser_contest_create"), data)
    assert response.context["form"]["slug"].value() == "r7-2"
    assert 'name="slug" value="r7-2"' in response.content.decode()
    assert not Contest.objects.exists()


def test_a_typed_slug_is_kept(organiser_client: Client) -> None:
    organiser_client.post(reverse("organiser_contest_create"), _contest_data(slug="my-own"))
    assert Contest.objects.get().slug == "my-own"


def test_no_title_and_no_slug_asks_for_either(organiser_client: Client) -> None:
    data = _contest_data(slug="", title="")
    response = english(organiser_client).post(reverse("organiser_contest_create"), data)
    assert "Type a title, or a web address name yourself." in response.content.decode()


def test_suggestion_endpoint_follows_the_title_and_the_opening_date(
    organiser_client: Client,
) -> None:
    url = reverse("organiser_slug_suggestion")
    assert organiser_client.get(url, {"title": "FY2025 Staff contest"}).json() == {
        "slug": "fy2025-staff-contest"
    }
    march = organiser_client.get(url, {"title": "職員コンテスト", "opens_at": "2026-03-02T09:00"})
    assert march.json() == {"slug": "2025-1"}  # March 2026 is in fiscal year 2025
    today = organiser_client.get(url, {"title": "職員コンテスト", "opens_at": "not a date"})
    assert today.json() == {"slug": f"{fiscal_year(timezone.localdate())}-1"}
    assert organiser_client.get(url, {"title": ""}).json() == {"slug": ""}


def test_new_contest_form_loads_the_suggestion_script_without_inline_code(
    organiser_client: Client,
) -> None:
    html = organiser_client.get(reverse("organiser_contest_create")).content.decode()
    assert f'data-slug-suggestion="{reverse("organiser_slug_suggestion")}"' in html
    assert re.search(r'<script src="[^"]*slug-suggestion\.js" defer></script>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


# --- Too few judges -----------------------------------------------------------------------------


def test_saving_with_too_few_judges_saves_and_warns(organiser_client: Client, judge: User) -> None:
    data = _contest_data(judges=[judge.pk], judges_per_entry="3")
    response = english(organiser_client).post(
        reverse("organiser_contest_create"), data, follow=True
    )
    html = response.content.decode()
    assert Contest.objects.get().judges_per_entry == 3
    assert "Only 1 judge is chosen, but each entry should be scored by 3." in html
    assert 'class="message warning"' in html


def test_enough_judges_save_without_a_warning(
    organiser_client: Client, judge: User, staff: User
) -> None:
    data = _contest_data(judges=[judge.pk, staff.pk], judges_per_entry="2")
    response = organiser_client.post(reverse("organiser_contest_create"), data, follow=True)
    assert 'class="message warning"' not in response.content.decode()


def test_dashboard_warns_about_too_few_judges(
    organiser_client: Client, open_contest: Contest
) -> None:
    html = english(organiser_client).get(reverse("organiser_contest", args=[open_contest.slug]))
    assert "No judges are chosen yet, but each entry should be scored by 3 judges." in (
        html.content.decode()
    )
