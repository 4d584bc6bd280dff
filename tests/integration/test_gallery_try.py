"""The gallery's "try it", end to end: a published prompt filled with the person's own
values, through a real `celery worker`, a real Redis broker and the fake OpenAI server.
The run holds the model's answer, the page polls until it is there and then stops."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from contest.models import Run
from gallery.models import GalleryPrompt
from tests import factories
from tests.gallery.conftest import make_prompt
from tests.integration.harness import Worker, all_finished, publishing_to, wait_until, worker_env
from tests.llm_server import FakeOpenAIServer, expected_output

pytestmark = pytest.mark.integration

MODEL = "gpt-4o-mini"


@pytest.fixture
def worker(
    transactional_db: None, worker_log: Path, llm_server: FakeOpenAIServer, redis_url: str
) -> Iterator[Worker]:
    started = Worker(
        worker_env(broker_url=redis_url, llm_base_url=llm_server.base_url), worker_log
    ).start()
    yield started
    started.stop()


def test_a_gallery_try_runs_through_the_worker_and_shows_the_answer(
    worker: Worker, redis_url: str, llm_server: FakeOpenAIServer, settings: Settings
) -> None:
    # The site's model, as the web process sees it with a key configured.
    settings.LLM_PROVIDER = "openai"
    settings.LLM_MODEL = MODEL
    tag = uuid.uuid4().hex[:8]  # a prompt of its own: no answer comes from the cache
    prompt = make_prompt(prompt_template=f"[{tag}] 3行で要約してください。\n{{{{input}}}}")
    person = factories.make_user()
    client = Client()
    client.force_login(person)

    with publishing_to(redis_url):
        response = client.post(
            reverse("gallery_try", args=[prompt.pk]),
            {"v_input": "令和7年度 ごみ収集日の変更のお知らせ"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()
    wait_until(all_finished, timeout=60, worker=worker)

    run = Run.objects.get()
    assert (run.kind, run.status) == (Run.Kind.PREVIEW, Run.Status.SUCCEEDED), run.error
    assert run.requested_by_id == person.pk
    assert "ごみ収集日の変更" in run.messages[-1]["content"]
    assert run.output == expected_output(run.messages, MODEL)
    assert llm_server.calls == 1
    assert GalleryPrompt.objects.get(pk=prompt.pk).try_count == 1

    assert run.preview_key is not None
    page = client.get(
        reverse("preview_results", args=[run.preview_key]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in page  # done: no more polling
    assert run.output[:20] in page
