"""The home page knows who is looking: signed out, what the platform is and what signing in
opens (no link that only leads to the sign-in page); signed in, my entries and their runs,
the open contests, what later apps add (a judge's queue) and, for organisers, the contests
in progress. A fixed number of queries whatever the data."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django import Settings

from accounts.models import User
from contest import extensions
from contest.home import waiting_for
from contest.models import Contest, Entry, Run
from contest.runs.selectors import RunTally
from contest.services import entry_submit
from tests import factories

NOW = datetime(2025, 6, 10, 3, 0, tzinfo=UTC)


def _page(client: Client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _submitted(contest: Contest, author: User, **fields: Any) -> Entry:
    entry = factories.make_entry(contest, author, **fields)
    entry_submit(entry=entry)
    entry.refresh_from_db()
    return entry


def _queries(client: Client, user: User | None) -> int:
    if user is not None:
        client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        _page(client)
    return len(captured)


# --- Signed out -------------------------------------------------------------------------------


def test_signed_out_home_says_what_the_platform_is_and_offers_sign_in_and_sign_up(
    client: Client, db: None
) -> None:
    page = _page(client)

    assert "業務に本当に役立つプロンプトを見つけましょう" in page
    assert f'class="button" href="{reverse("account_login")}"' in page
    assert f'href="{reverse("account_signup")}"' in page
    assert "ログインするとできること" in page
    assert "入賞プロンプトのギャラリーを閲覧" in page


def test_signed_out_home_has_no_link_that_would_only_ask_to_sign_in(
    client: Client, open_contest: Contest
) -> None:
    page = _page(client)

    assert open_contest.title in page
    for behind_sign_in in (
        reverse("gallery_list"),
        reverse("contest_list"),
        reverse("contest_detail", args=[open_contest.slug]),
        reverse("judging_home"),
        reverse("organiser_home"),
    ):
        assert f'href="{behind_sign_in}"' not in page


def test_signed_out_home_lists_only_contests_accepting_entries(client: Client, db: None) -> None:
    now = timezone.now()
    factories.make_contest(title="受付中のコンテスト")
    factories.make_contest(title="下書きのコンテスト", status=Contest.Status.DRAFT)
    factories.make_contest(
        title="締切済みのコンテスト", opens_at=now - timedelta(days=9), closes_at=now
    )
    factories.make_contest(
        title="来月のコンテスト",
        opens_at=now + timedelta(days=30),
        closes_at=now + timedelta(days=40),
    )

    page = _page(client)

    assert "受付中のコンテスト" in page
    assert "下書きのコンテスト" not in page
    assert "締切済みのコンテスト" not in page
    assert "来月のコンテスト" not in page


def test_deadline_is_written_in_japanese_with_the_weekday_and_the_time_left(
    client: Client, db: None
) -> None:
    # 08:00 UTC is 17:00 in Tokyo.
    factories.make_contest(closes_at=datetime(2099, 6, 30, 8, 0, tzinfo=UTC))

    page = _page(client)

    assert '<time datetime="2099-06-30T17:00:00+09:00">2099年6月30日（火）17:00</time>' in page
    assert "(残り" in page


@pytest.mark.parametrize("contests", [1, 6])
def test_signed_out_home_queries_do_not_grow(
    client: Client, db: None, contests: int, django_assert_num_queries: Callable[..., Any]
) -> None:
    for _ in range(contests):
        factories.make_contest()

    with django_assert_num_queries(1):  # the open contests
        _page(client)


# --- Signed in: my entries and the open contests ----------------------------------------------


def test_my_entries_show_their_runs_in_words_and_a_bar(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = _submitted(open_contest, staff, title="議事録の要約")
    first, second = entry.runs.order_by("pk")
    Run.objects.filter(pk=first.pk).update(status=Run.Status.SUCCEEDED)
    Run.objects.filter(pk=second.pk).update(status=Run.Status.FAILED)
    client.force_login(staff)

    page = _page(client)

    assert f'href="{reverse("entry_detail", args=[entry.pk])}">議事録の要約</a>' in page
    assert "2件中1件成功" in page
    assert '<span class="run-part-failed run-failed-words">1件失敗</span>' in page
    assert '<rect class="succeeded" x="0.000000" y="0" width="50.000000"' in page
    assert '<rect class="failed" x="50.000000" y="0" width="50.000000"' in page


def test_runs_of_an_earlier_revision_are_not_counted(
    client: Client, staff: User, open_contest: Contest
) -> None:
    entry = _submitted(open_contest, staff)
    entry.runs.update(status=Run.Status.FAILED)
    Entry.objects.filter(pk=entry.pk).update(prompt_template="改訂版です。\n{{input}}")
    entry.refresh_from_db()
    entry_submit(entry=entry)
    client.force_login(staff)

    page = _page(client)

    assert "2件中2件待ち" in page
    assert "失敗" not in page.split('id="my-entries-heading"', 1)[1].split("</section>", 1)[0]


def test_only_my_own_entries_that_are_not_withdrawn(
    client: Client, staff: User, other_staff: User, open_contest: Contest
) -> None:
    factories.make_entry(open_contest, staff, title="自分の下書き")
    factories.make_entry(open_contest, staff, title="取り下げた作品", status=Entry.Status.WITHDRAWN)
    factories.make_entry(open_contest, other_staff, title="他の人の作品")
    client.force_login(staff)

    page = _page(client)

    assert "自分の下書き" in page
    assert "まだ実行されていません" in page
    assert "取り下げた作品" not in page
    assert "他の人の作品" not in page


def test_open_contests_say_how_long_is_left_and_how_many_entries_i_have(
    client: Client, staff: User, open_contest: Contest
) -> None:
    factories.make_entry(open_contest, staff)
    client.force_login(staff)

    page = _page(client)

    assert f'href="{reverse("contest_detail", args=[open_contest.slug])}"' in page
    assert "<strong>残り1週間6日</strong>" in page  # 14 days less the moments since
    assert "このコンテストに1件応募しています。" in page


def test_staff_see_no_organiser_shortcuts_and_no_judging_link(
    client: Client, staff: User, open_contest: Contest
) -> None:
    client.force_login(staff)

    page = _page(client)

    assert 'id="organise-heading"' not in page
    assert f'href="{reverse("judging_home")}"' not in page
    assert f'href="{reverse("gallery_list")}"' in page


# --- Judges -------------------------------------------------------------------------------------


def test_judging_link_shows_only_to_judges(
    client: Client, judge: User, staff: User, open_contest: Contest
) -> None:
    open_contest.judges.add(judge)

    client.force_login(judge)
    assert f'href="{reverse("judging_home")}"' in _page(client, reverse("contest_list"))
    client.force_login(staff)
    assert f'href="{reverse("judging_home")}"' not in _page(client, reverse("contest_list"))


@pytest.fixture
def judging_section(settings: Settings, tmp_path: Path) -> Iterator[None]:
    """A section registered as judging registers its queue, with a template of its own."""
    (tmp_path / "queue.html").write_text("<p>採点待ち{{ section.left }}件</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    before = {place: list(sections) for place, sections in extensions.registry.sections.items()}
    extensions.register_section(
        extensions.HOME,
        "queue.html",
        lambda user, contest: {"left": 3} if user.judged_contests.exists() else None,
    )
    yield
    extensions.registry.sections = before


def test_registered_home_sections_show_to_whom_they_concern(
    client: Client, judge: User, staff: User, open_contest: Contest, judging_section: None
) -> None:
    open_contest.judges.add(judge)

    client.force_login(judge)
    assert "<p>採点待ち3件</p>" in _page(client)
    client.force_login(staff)
    assert "採点待ち" not in _page(client)


# --- Organisers ---------------------------------------------------------------------------------


def test_organisers_get_shortcuts_and_what_each_contest_waits_for(
    client: Client, organiser: User, open_contest: Contest
) -> None:
    factories.make_contest(title="準備中のコンテスト", status=Contest.Status.DRAFT)
    factories.make_contest(title="公開済みのコンテスト", status=Contest.Status.PUBLISHED)
    client.force_login(organiser)

    page = _page(client)

    assert f'href="{reverse("organiser_home")}"' in page
    assert f'href="{reverse("organiser_contest", args=[open_contest.slug])}"' in page
    assert "まで応募を受け付けています（現在0件提出済み）。" in page
    assert "準備中のコンテスト" in page
    assert "サンプル課題を追加してから、応募受付を開始してください。" in page
    assert "公開済みのコンテスト" not in page


@pytest.mark.parametrize(
    ("status", "opens", "closes", "tasks", "expected"),
    [
        ("draft", -1, 9, 0, "Add sample tasks, then open it for entries."),
        ("draft", -1, 9, 2, "Ready to open for entries."),
        ("open", 1, 9, 2, "Opens for entries on Wed 11 June 2025, 12:00."),
        ("open", -1, 9, 2, "Accepting entries until Thu 19 June 2025, 12:00; 4 submitted so far."),
        ("open", -9, -1, 2, "The deadline has passed: close entries to start judging."),
        ("judging", -9, -1, 2, "The judges are scoring the entries."),
        ("results", -9, -1, 2, "The results are ready to be published."),
    ],
)
def test_what_a_contest_waits_for(
    status: str, opens: int, closes: int, tasks: int, expected: str
) -> None:
    contest = Contest(
        status=status, opens_at=NOW + timedelta(days=opens), closes_at=NOW + timedelta(days=closes)
    )
    with translation.override("en"):
        assert waiting_for(contest, task_count=tasks, submitted=4, now=NOW) == expected


def test_run_tally_segments_fill_the_bar_in_reading_order() -> None:
    tally = RunTally(succeeded=1, failed=2, waiting=0, cancelled=1)

    assert tally.total == 4
    assert [(s.status, s.x, s.width) for s in tally.segments] == [
        ("succeeded", 0.0, 25.0),
        ("failed", 25.0, 50.0),
        ("cancelled", 75.0, 25.0),
    ]


# --- Queries ------------------------------------------------------------------------------------


def _fill(author: User, contests: int) -> None:
    for _ in range(contests):
        contest = factories.make_contest()
        factories.make_task(contest)
        _submitted(contest, author)
        factories.make_entry(contest, author)


def test_signed_in_home_queries_do_not_grow_with_entries_and_contests(
    client: Client, staff: User, django_assert_num_queries: Callable[..., Any]
) -> None:
    _fill(staff, 1)
    small = _queries(client, staff)

    _fill(staff, 6)
    with django_assert_num_queries(small):
        _page(client)


def test_organiser_home_queries_do_not_grow_with_contests(
    client: Client, organiser: User, django_assert_num_queries: Callable[..., Any]
) -> None:
    _fill(organiser, 1)
    small = _queries(client, organiser)

    _fill(organiser, 6)
    factories.make_contest(status=Contest.Status.DRAFT)
    with django_assert_num_queries(small):
        _page(client)
