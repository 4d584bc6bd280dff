"""The organiser's connection test against the local OpenAI stand-in, opening a contest
whose provider fails it, and the offline notes that appear only when runs really are offline."""

import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings

from accounts.models import User
from contest.models import Contest
from contest.organise import connection
from contest.organise.services import contest_connection_test
from contest.runs import llm
from tests import factories
from tests.llm_server import FakeOpenAIServer, expected_output

pytestmark = pytest.mark.django_db

Status = Contest.Status
SITE_BANNER = "Offline mode: no AI model is connected."
CONTEST_NOTE = "This contest runs in offline preview"


@pytest.fixture
def server(
    shared_server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> Iterator[FakeOpenAIServer]:
    """The shared stand-in, reset, with the gateway pointed at it (as in test_llm_gateway)."""
    shared_server.configure(latency=0, fault_rate=0, hang_seconds=3)
    shared_server.reset()
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("OPENAI_BASE_URL", shared_server.base_url)
    settings.LLM_CONNECT_TIMEOUT = 1.0
    settings.LLM_READ_TIMEOUT = 0.5
    llm.reset_clients()
    yield shared_server
    llm.reset_clients()


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    client.force_login(organiser)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def real_contest(organiser: User) -> Contest:
    contest = factories.make_contest(
        status=Status.DRAFT, model_provider=Contest.Provider.OPENAI, model_name="gpt-4o-mini"
    )
    factories.make_task(contest)
    return contest


def _test_now(client: Client, contest: Contest, **extra: str) -> str:
    url = reverse("organiser_connection_test", args=[contest.slug])
    return client.post(url, extra, follow=True).content.decode()


# --- The test itself ----------------------------------------------------------------------------


def test_a_working_provider_shows_the_reply_and_the_time(
    server: FakeOpenAIServer, organiser_client: Client, real_contest: Contest
) -> None:
    server.configure(latency=0.05)
    page = _test_now(organiser_client, real_contest)

    (request,) = server.requests
    assert request.body["max_tokens"] == connection.MAX_TOKENS
    assert request.body["model"] == "gpt-4o-mini"
    messages = request.body["messages"]
    assert messages == [
        {"role": "user", "content": "This is a connection test. Reply with just “OK”."}
    ]
    result = connection.connection_result(Contest.objects.get(pk=real_contest.pk))
    assert result is not None and result.ok
    assert result.reply == expected_output(messages, "gpt-4o-mini")[:200]
    assert result.latency_ms is not None and 50 <= result.latency_ms < 2000
    assert "The connection test succeeded in" in page
    assert f"gpt-4o-mini answered in {result.latency_ms} ms." in page
    assert result.reply[:20] in page


def test_the_japanese_prompt_asks_for_ok(
    server: FakeOpenAIServer, client: Client, organiser: User, real_contest: Contest
) -> None:
    client.force_login(organiser)
    _test_now(client, real_contest)
    content = server.requests[0].body["messages"][0]["content"]
    assert content == "接続テストです。OKとだけ答えてください。"


@pytest.mark.parametrize(
    ("fault", "code", "action"),
    [
        ("401", "auth", "Check the API key in the server's environment"),
        ("404", "not_found", "Check the model name in the contest settings"),
        ("insufficient_quota", "insufficient_quota", "Check the plan and billing"),
        ("hang", "timeout", "did not answer in time"),
    ],
)
def test_a_failing_provider_shows_what_went_wrong_and_what_to_do(
    server: FakeOpenAIServer,
    organiser_client: Client,
    real_contest: Contest,
    fault: str,
    code: str,
    action: str,
) -> None:
    server.script(fault)
    started = time.monotonic()
    page = _test_now(organiser_client, real_contest)
    assert time.monotonic() - started < 5  # bounded by the short timeout, not 60 s
    result = connection.connection_result(Contest.objects.get(pk=real_contest.pk))
    assert result is not None and not result.ok
    assert result.code == code
    assert llm.error_message(code) in page.replace("&#x27;", "'")
    assert action in page.replace("&#x27;", "'")
    assert f"<code>{code}</code>" in page  # the technical detail, for the administrator


def test_an_unreachable_server_is_a_connection_error(
    server: FakeOpenAIServer,
    organiser_client: Client,
    real_contest: Contest,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    monkeypatch.setenv("OPENAI_BASE_URL", f"http://127.0.0.1:{closed_port}/v1")
    llm.reset_clients()
    page = _test_now(organiser_client, real_contest)
    assert "The connection test failed: The AI service could not be reached." in page
    assert "Check OPENAI_BASE_URL" in page


def test_offline_preview_has_nothing_to_test(
    server: FakeOpenAIServer, organiser_client: Client
) -> None:
    contest = factories.make_contest(model_provider=Contest.Provider.ECHO)
    page = _test_now(organiser_client, contest)
    assert "Offline preview calls no AI model, so there is nothing to test." in page
    assert server.requests == []
    assert Contest.objects.get(pk=contest.pk).connection_test == {}


def test_a_result_is_about_the_model_it_tested(
    server: FakeOpenAIServer, real_contest: Contest
) -> None:
    contest_connection_test(contest=real_contest)
    Contest.objects.filter(pk=real_contest.pk).update(model_name="gpt-4o")
    assert connection.connection_result(Contest.objects.get(pk=real_contest.pk)) is None


# --- Opening a contest --------------------------------------------------------------------------


def _open(contest: Contest) -> str:
    return reverse("organiser_contest_confirm", args=[contest.slug, Status.OPEN])


def test_opening_past_a_failed_test_needs_an_explicit_tick(
    server: FakeOpenAIServer, organiser_client: Client, real_contest: Contest
) -> None:
    server.script("401")
    page = organiser_client.get(_open(real_contest)).content.decode()
    assert "The AI service did not accept this platform&#x27;s API key." in page
    assert 'name="open_anyway"' in page

    refused = organiser_client.post(_open(real_contest)).content.decode()
    assert "tick this box to open the contest anyway" in refused
    assert Contest.objects.get(pk=real_contest.pk).status == Status.DRAFT

    organiser_client.post(_open(real_contest), {"open_anyway": "on"})
    assert Contest.objects.get(pk=real_contest.pk).status == Status.OPEN
    # The page's test stood for the whole confirmation: one call to the provider.
    assert len(server.requests) == 1


def test_opening_with_a_working_provider_needs_no_tick(
    server: FakeOpenAIServer, organiser_client: Client, real_contest: Contest
) -> None:
    page = organiser_client.get(_open(real_contest)).content.decode()
    assert "answered in" in page
    assert 'name="open_anyway"' not in page
    organiser_client.post(_open(real_contest))
    assert Contest.objects.get(pk=real_contest.pk).status == Status.OPEN


def test_an_old_result_is_tested_again_before_opening(
    server: FakeOpenAIServer, organiser_client: Client, real_contest: Contest
) -> None:
    server.script("401")
    old = contest_connection_test(contest=real_contest, now=timezone.now() - timedelta(hours=1))
    assert not old.ok
    page = organiser_client.get(_open(real_contest)).content.decode()
    assert len(server.requests) == 2
    assert 'name="open_anyway"' not in page  # the provider works now


def test_testing_again_from_the_open_page_comes_back_to_it(
    server: FakeOpenAIServer, organiser_client: Client, real_contest: Contest
) -> None:
    url = reverse("organiser_connection_test", args=[real_contest.slug])
    response = organiser_client.post(url, {"return_to": "open"})
    assert response["Location"] == _open(real_contest)


def test_opening_an_offline_contest_makes_no_call(
    server: FakeOpenAIServer, organiser_client: Client
) -> None:
    contest = factories.make_contest(status=Status.DRAFT, model_provider=Contest.Provider.ECHO)
    factories.make_task(contest)
    page = organiser_client.get(_open(contest)).content.decode()
    assert "no connection to test" in page
    organiser_client.post(_open(contest))
    assert Contest.objects.get(pk=contest.pk).status == Status.OPEN
    assert server.requests == []


# --- The offline banner and the contest note ---------------------------------------------------


@pytest.fixture
def no_model(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    settings.LLM_PROVIDER = "echo"
    for name in ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_site_banner_shows_when_no_real_provider_is_configured(
    no_model: None, client: Client
) -> None:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert SITE_BANNER in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("key", ["OPENAI_API_KEY", "AZURE_OPENAI_API_KEY"])
def test_a_key_means_a_real_provider_even_if_new_contests_default_to_offline(
    no_model: None, monkeypatch: pytest.MonkeyPatch, client: Client, key: str
) -> None:
    monkeypatch.setenv(key, "sk-real")
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    assert SITE_BANNER not in client.get(reverse("home")).content.decode()


def test_contest_pages_note_an_offline_contest_only(
    no_model: None,
    monkeypatch: pytest.MonkeyPatch,
    client: Client,
    staff: User,
    open_contest: Contest,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real")
    real = factories.make_contest(model_provider=Contest.Provider.OPENAI)
    factories.make_task(real)
    client.force_login(staff)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    entry = factories.make_entry(open_contest, staff)

    offline_pages = [
        reverse("contest_detail", args=[open_contest.slug]),
        reverse("entry_create", args=[open_contest.slug]),
        reverse("entry_detail", args=[entry.pk]),
    ]
    for url in offline_pages:
        page = client.get(url).content.decode()
        assert CONTEST_NOTE in page, url
        assert SITE_BANNER not in page
    real_page = client.get(reverse("contest_detail", args=[real.slug])).content.decode()
    assert CONTEST_NOTE not in real_page
    assert SITE_BANNER not in real_page
    assert CONTEST_NOTE not in client.get(reverse("contest_list")).content.decode()


def test_the_site_banner_is_not_repeated_by_the_contest_note(
    no_model: None, client: Client, staff: User, open_contest: Contest
) -> None:
    client.force_login(staff)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("contest_detail", args=[open_contest.slug])).content.decode()
    assert SITE_BANNER in page
    assert CONTEST_NOTE not in page
