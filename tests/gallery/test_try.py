""" "Try it" on a gallery prompt: the PII guard first, one preview run on the same engine,
the hourly limit refused politely, the try counted once, the results only for the person
who asked, and a sign-in required even when the gallery is public."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django.fixtures import Settings

from accounts.models import User
from config.celery import app as celery_app
from contest.models import Run
from contest.runs import services as runs
from gallery.models import GalleryPrompt

from .conftest import make_prompt

pytestmark = pytest.mark.django_db

PHONE = "090-1234-5678"


@pytest.fixture(autouse=True)
def in_english(client: Client) -> Iterator[None]:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    published: list[int] = []

    def send_task(name: str, args: list[int], **kwargs: Any) -> None:
        assert name == runs.EXECUTE_RUN_TASK
        published.append(args[0])

    monkeypatch.setattr(celery_app, "send_task", send_task)
    return published


@pytest.fixture
def prompt() -> GalleryPrompt:
    return make_prompt(
        prompt_template="{{audience}}向けに要約してください。\n{{input}}",
        variables=[
            {"name": "audience", "label": "読み手", "example": "高齢者"},
            {"name": "input", "label": "通知文", "example": "例文"},
        ],
    )


def _post(client: Client, prompt: GalleryPrompt, *, htmx: bool = False, **values: str) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    data = {f"v_{name}": value for name, value in values.items()}
    return client.post(reverse("gallery_try", args=[prompt.pk]), data, headers=headers)


def test_a_try_queues_one_preview_run_with_the_typed_values_and_counts_once(
    client: Client,
    staff: User,
    prompt: GalleryPrompt,
    sent: list[int],
    django_capture_on_commit_callbacks: Any,
):
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, prompt, htmx=True, audience="子ども", input="ごみの出し方の変更")

    assert response.status_code == 200
    run = Run.objects.get()
    assert (run.kind, run.status, run.requested_by_id) == (
        Run.Kind.PREVIEW,
        Run.Status.QUEUED,
        staff.pk,
    )
    assert run.entry_id is None and run.contest_id is None
    assert run.messages[-1]["content"] == "子ども向けに要約してください。\nごみの出し方の変更"
    assert sent == [run.pk]
    prompt.refresh_from_db()
    assert prompt.try_count == 1
    page = response.content.decode()
    assert 'hx-trigger="every 2s"' in page  # polls while pending
    assert "ごみの出し方の変更" in page


def test_without_javascript_the_prompt_page_comes_back_with_the_results_and_their_link(
    client: Client, staff: User, prompt: GalleryPrompt, sent: list[int]
):
    client.force_login(staff)
    response = _post(client, prompt, audience="子ども", input="ごみの出し方")

    assert response.status_code == 200
    assert response.templates[0].name == "gallery/detail.html"
    key = Run.objects.get().preview_key
    page = response.content.decode()
    assert reverse("preview_results", args=[key]) in page
    assert prompt.title in page


def test_personal_data_is_refused_with_the_values_kept_and_nothing_run_or_counted(
    client: Client, staff: User, prompt: GalleryPrompt, sent: list[int]
):
    client.force_login(staff)
    response = _post(client, prompt, audience="子ども", input=f"連絡先は {PHONE} です")

    assert response.status_code == 200
    page = response.content.decode()
    refusal = page.split('data-testid="try-refusal"')[1].split("</div>")[0]
    assert "通知文" in refusal  # named by the variable's label, masked
    assert "78" in refusal and PHONE not in refusal
    # Everything typed is kept, in the fill form (and the no-JavaScript try fields).
    assert f"連絡先は {PHONE} です</textarea>" in page
    assert "子ども</textarea>" in page
    assert not Run.objects.exists()
    prompt.refresh_from_db()
    assert prompt.try_count == 0
    assert sent == []


def test_over_the_hourly_limit_is_refused_politely_and_counts_nothing(
    client: Client, staff: User, prompt: GalleryPrompt, settings: Settings, sent: list[int]
):
    settings.PREVIEWS_PER_HOUR = 1
    client.force_login(staff)
    _post(client, prompt, htmx=True, audience="子ども", input="一回目")
    response = _post(client, prompt, htmx=True, audience="子ども", input="二回目")

    page = response.content.decode()
    assert response.status_code == 200
    assert "hourly limit for trying prompts (1 per hour)" in page
    assert Run.objects.count() == 1
    prompt.refresh_from_db()
    assert prompt.try_count == 1


def test_someone_else_cannot_read_your_try(
    client: Client, staff: User, other_staff: User, prompt: GalleryPrompt, sent: list[int]
):
    client.force_login(staff)
    _post(client, prompt, htmx=True, audience="子ども", input="私の入力")
    key = Run.objects.get().preview_key

    client.force_login(other_staff)
    assert client.get(reverse("preview_results", args=[key])).status_code == 404


def test_anonymous_readers_of_a_public_gallery_must_sign_in_to_try(
    client: Client, prompt: GalleryPrompt, settings: Settings, sent: list[int]
):
    settings.GALLERY_PUBLIC = True
    page = client.get(reverse("gallery_detail", args=[prompt.pk])).content.decode()
    assert "Sign in to try it on your own input." in page

    response = _post(client, prompt, audience="子ども", input="匿名")

    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert not Run.objects.exists()


def test_an_imported_prompt_can_be_tried(
    client: Client, staff: User, sent: list[int], django_capture_on_commit_callbacks: Any
):
    imported = make_prompt(organisation="かもめ台町", external_id="k-1")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, imported, htmx=True, input="他の町の通知")

    assert Run.objects.get().messages[-1]["content"].endswith("他の町の通知")
    assert len(sent) == 1


def test_an_unpublished_prompt_is_not_tried(
    client: Client, staff: User, organiser: User, prompt: GalleryPrompt, sent: list[int]
):
    GalleryPrompt.objects.filter(pk=prompt.pk).update(status=GalleryPrompt.Status.UNPUBLISHED)
    client.force_login(staff)
    assert _post(client, prompt, input="x").status_code == 404

    client.force_login(organiser)
    page = _post(client, prompt, htmx=True, input="x").content.decode()
    assert "no longer published" in page
    assert not Run.objects.exists()


def test_the_page_says_when_the_output_is_an_offline_echo(
    client: Client, staff: User, prompt: GalleryPrompt, settings: Settings
):
    settings.LLM_PROVIDER = "echo"
    client.force_login(staff)
    page = client.get(reverse("gallery_detail", args=[prompt.pk])).content.decode()
    assert 'data-testid="try-offline"' in page
