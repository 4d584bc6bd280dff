"""Try before submitting, end to end: the entry form's 「試しに実行」 through a real `celery
worker`, a real Redis broker and the fake OpenAI server. The try's runs hold the model's
answers, and the contest holds nothing of it: no entry, no revision, no counted run."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from contest.models import Entry, EntryRevision, Run
from contest.runs.selectors import contest_run_monitor
from tests import factories
from tests.integration.harness import (
    Worker,
    all_finished,
    make_contest,
    publishing_to,
    wait_until,
    worker_env,
)
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


def test_a_try_runs_through_the_worker_and_leaves_nothing_in_the_contest(
    worker: Worker, redis_url: str, llm_server: FakeOpenAIServer
) -> None:
    contest = make_contest(tasks=3)
    author = factories.make_user()
    client = Client()
    client.force_login(author)
    tag = uuid.uuid4().hex[:8]  # a prompt of its own: no answer comes from the cache

    with publishing_to(redis_url):
        response = client.post(
            reverse("entry_create", args=[contest.slug]),
            {
                "title": "",
                "prompt_template": f"[{tag}] 3行で要約してください。\n{{{{input}}}}",
                "credit": Entry.Credit.NAME,
                "action": "try",
            },
        )
    assert response.status_code == 200
    wait_until(all_finished, timeout=60, worker=worker)

    tried = list(Run.objects.all())
    assert len(tried) == 3
    for run in tried:
        assert (run.kind, run.status) == (Run.Kind.PREVIEW, Run.Status.SUCCEEDED), run.error
        assert run.output == expected_output(run.messages, MODEL)
        assert run.requested_by_id == author.pk
    assert llm_server.calls == 3
    assert not Entry.objects.exists()
    assert not EntryRevision.objects.exists()
    assert contest_run_monitor(contest=contest).total == 0
    key = tried[0].preview_key
    assert key is not None
    page = client.get(
        reverse("preview_results", args=[key]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in page  # done: no more polling
    assert tried[0].output[:20] in page
