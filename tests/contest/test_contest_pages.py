"""The staff pages: contest list, contest detail and the entry page."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contest import services
from contest.models import Contest, Entry, Run
from tests import factories

# Session, user, whether they judge (the header's Judging link), and the page's own reads;
# none of them may grow with the data.
MAX_LIST_QUERIES = 4
MAX_DETAIL_QUERIES = 9
# The entry, its revisions and its run grid in one response; the gallery's note of the
# prompt the entry was started from (one query, gallery/starting.py).
MAX_ENTRY_QUERIES = 7


def signed_in(client: Client, user: User, language: str = "en") -> Client:
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def submitted(contest: Contest, author: User, **fields: object) -> Entry:
    entry = factories.make_entry(
        contest, author, prompt_template="要約してください。\n{{input}}", **fields
    )
    services.entry_submit(entry=entry)
    return entry


# --- Contest list -----------------------------------------------------------------------------


def test_contest_list_needs_sign_in(client: Client, open_contest: Contest):
    response = client.get(reverse("contest_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_contest_list_shows_open_contests_first_then_the_others(
    client: Client, staff: User, organiser: User
):
    now = timezone.now()
    factories.make_contest(
        title="昨年のコンテスト",
        status=Contest.Status.PUBLISHED,
        opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=370),
    )
    factories.make_contest(title="受付中のコンテスト")
    factories.make_contest(title="審査中のコンテスト", status=Contest.Status.JUDGING)
    html = page(signed_in(client, staff), reverse("contest_list"))
    assert html.index("受付中のコンテスト") < html.index("Other contests")
    assert html.index("Other contests") < html.index("審査中のコンテスト")
    assert html.index("審査中のコンテスト") < html.index("昨年のコンテスト")


def test_draft_contests_are_listed_only_for_organisers(
    client: Client, staff: User, organiser: User
):
    factories.make_contest(title="準備中のコンテスト", status=Contest.Status.DRAFT)
    assert "準備中のコンテスト" not in page(signed_in(client, staff), reverse("contest_list"))
    assert "準備中のコンテスト" in page(signed_in(client, organiser), reverse("contest_list"))


def test_contest_list_counts_my_entries(
    client: Client, open_contest: Contest, staff: User, other_staff: User
):
    factories.make_entry(open_contest, staff)
    factories.make_entry(open_contest, staff)
    factories.make_entry(open_contest, other_staff)
    html = page(signed_in(client, staff), reverse("contest_list"))
    assert "You have 2 entries in this contest." in html


@pytest.mark.parametrize("size", [2, 25])
def test_contest_list_query_count_does_not_grow_with_the_data(
    client: Client, staff: User, other_staff: User, size: int, django_assert_max_num_queries
):
    for n in range(size):
        contest = factories.make_contest(
            status=Contest.Status.OPEN if n % 2 else Contest.Status.JUDGING
        )
        factories.make_category(contest)
        factories.make_task(contest)
        factories.make_entry(contest, staff)
        factories.make_entry(contest, other_staff)
    signed_in(client, staff)
    with django_assert_max_num_queries(MAX_LIST_QUERIES):
        response = client.get(reverse("contest_list"))
    assert response.status_code == 200


# --- Contest detail ---------------------------------------------------------------------------


def test_draft_contest_page_is_404_for_staff_and_shown_to_organisers(
    client: Client, staff: User, organiser: User
):
    draft = factories.make_contest(status=Contest.Status.DRAFT)
    url = reverse("contest_detail", args=[draft.slug])
    assert signed_in(client, staff).get(url).status_code == 404
    assert signed_in(client, organiser).get(url).status_code == 200


def test_contest_page_shows_rules_deadline_in_japan_time_and_time_left(
    client: Client, staff: User, organiser: User
):
    closes = datetime(2099, 6, 30, 8, 0, tzinfo=UTC)  # 17:00 in Tokyo
    contest = factories.make_contest(closes_at=closes, description="応募は一人3件まで。")
    html = page(signed_in(client, staff), reverse("contest_detail", args=[contest.slug]))
    assert "応募は一人3件まで。" in html
    assert '<time datetime="2099-06-30T17:00:00+09:00">Tue 30 June 2099, 17:00</time>' in html
    assert " left</strong>" in html


def test_contest_page_shows_visible_tasks_and_never_the_hidden_ones(
    client: Client, open_contest: Contest, staff: User
):
    factories.make_task(
        open_contest,
        title="非公開の採点用課題",
        input="ここは応募者に見せない入力です",
        visible_to_entrants=False,
    )
    html = page(signed_in(client, staff), reverse("contest_detail", args=[open_contest.slug]))
    assert "住民向け通知の要約" in html
    assert "令和7年度の住民税の納付期限は6月30日です。" in html
    assert "{{audience}}" in html
    assert "非公開の採点用課題" not in html
    assert "ここは応募者に見せない入力です" not in html
    assert "also run on 1 sample task that is not shown" in html


def test_contest_page_never_names_a_placeholder_only_hidden_tasks_provide(
    client: Client, open_contest: Contest, staff: User
):
    factories.make_task(
        open_contest, title="採点用", visible_to_entrants=False, variables={"secret_memo": "x"}
    )
    html = page(signed_in(client, staff), reverse("contest_detail", args=[open_contest.slug]))
    assert "{{audience}}" in html  # a visible task provides it
    assert "secret_memo" not in html


def test_contest_page_lists_placeholders_categories_and_the_model(
    client: Client, staff: User, organiser: User
):
    contest = factories.make_contest(
        model_provider=Contest.Provider.OPENAI, model_name="gpt-4.1-mini"
    )
    factories.make_task(contest, variables={"audience": "高齢者"})
    factories.make_task(contest, variables={"audience": "子育て世帯"})
    factories.make_category(contest, "校正")
    html = page(signed_in(client, staff), reverse("contest_detail", args=[contest.slug]))
    assert "<code>{{input}}</code>" in html
    assert "<code>{{audience}}</code>" in html
    assert "校正" in html
    assert "gpt-4.1-mini" in html


def test_contest_page_lists_my_entries_with_status_and_revision_only(
    client: Client, open_contest: Contest, staff: User, other_staff: User
):
    submitted(open_contest, staff, title="提出済みの作品")
    factories.make_entry(open_contest, staff, title="書きかけの作品")
    factories.make_entry(open_contest, other_staff, title="他人の作品")
    html = page(signed_in(client, staff), reverse("contest_detail", args=[open_contest.slug]))
    assert "提出済みの作品" in html
    assert "書きかけの作品" in html
    assert "他人の作品" not in html
    assert '<span class="badge submitted">Submitted</span>' in html
    assert '<span class="badge draft">Draft</span>' in html
    assert "not submitted yet" in html


def test_enter_button_shown_while_open_and_under_the_limit(
    client: Client, open_contest: Contest, staff: User
):
    enter_url = reverse("entry_create", args=[open_contest.slug])
    url = reverse("contest_detail", args=[open_contest.slug])
    assert enter_url in page(signed_in(client, staff), url)
    Contest.objects.filter(pk=open_contest.pk).update(max_entries_per_person=1)
    factories.make_entry(open_contest, staff)
    html = page(client, url)
    assert enter_url not in html
    assert "You have reached the limit of 1 entry per person" in html


def test_no_enter_button_after_the_deadline(client: Client, open_contest: Contest, staff: User):
    Contest.objects.filter(pk=open_contest.pk).update(closes_at=timezone.now())
    html = page(signed_in(client, staff), reverse("contest_detail", args=[open_contest.slug]))
    assert reverse("entry_create", args=[open_contest.slug]) not in html
    assert "The deadline for this contest passed" in html


def test_entry_form_after_the_deadline_redirects_with_the_reason(
    client: Client, open_contest: Contest, staff: User
):
    Contest.objects.filter(pk=open_contest.pk).update(closes_at=timezone.now())
    response = signed_in(client, staff).get(
        reverse("entry_create", args=[open_contest.slug]), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("contest_detail", args=[open_contest.slug])
    assert "The deadline for this contest passed" in response.content.decode()


def test_entry_form_over_the_limit_redirects_with_the_reason(
    client: Client, open_contest: Contest, staff: User
):
    Contest.objects.filter(pk=open_contest.pk).update(max_entries_per_person=1)
    factories.make_entry(open_contest, staff)
    response = signed_in(client, staff).get(
        reverse("entry_create", args=[open_contest.slug]), follow=True
    )
    assert "the limit is 1 per person" in response.content.decode()


def test_entry_form_page_explains_the_placeholders(
    client: Client, open_contest: Contest, staff: User
):
    html = page(signed_in(client, staff), reverse("entry_create", args=[open_contest.slug]))
    assert 'name="form_token"' in html
    assert 'name="action" value="draft"' in html
    assert 'name="action" value="submit"' in html
    assert "<code>{{input}}</code>" in html
    assert 'enctype="multipart/form-data"' in html


@pytest.mark.parametrize("size", [2, 20])
def test_contest_page_query_count_does_not_grow_with_the_data(
    client: Client, staff: User, organiser: User, size: int, django_assert_max_num_queries
):
    contest = factories.make_contest(max_entries_per_person=100)
    for n in range(size):
        factories.make_task(contest, title=f"課題{n}", visible_to_entrants=n % 3 != 0)
        factories.make_category(contest, f"分類{n}")
        factories.make_entry(contest, staff, category=contest.categories.last())
    signed_in(client, staff)
    with django_assert_max_num_queries(MAX_DETAIL_QUERIES):
        response = client.get(reverse("contest_detail", args=[contest.slug]))
    assert response.status_code == 200


# --- Entry page -------------------------------------------------------------------------------


def test_entry_page_shows_the_entry_with_prompts_escaped(
    client: Client, open_contest: Contest, staff: User
):
    entry = submitted(
        open_contest,
        staff,
        title="議事録の要点整理",
        purpose="会議録から決定事項を抜き出す",
        system_prompt="<b>あなたは書記です。</b>",
        usage_notes="録音の文字起こしを貼ってください",
        minutes_before=60,
        minutes_after=15,
        category=open_contest.categories.first(),
    )
    html = page(signed_in(client, staff), reverse("entry_detail", args=[entry.pk]))
    assert "議事録の要点整理" in html
    assert "会議録から決定事項を抜き出す" in html
    assert "録音の文字起こしを貼ってください" in html
    assert "&lt;b&gt;あなたは書記です。&lt;/b&gt;" in html
    assert "<b>あなたは書記です。</b>" not in html
    assert '<pre class="output" id="prompt-template">要約してください。\n{{input}}</pre>' in html
    assert "60 min without AI, 15 min with this prompt: 45 min saved" in html
    assert "要約" in html  # the category
    assert '<span class="badge submitted">Submitted</span>' in html


def test_entry_page_lists_every_revision(client: Client, open_contest: Contest, staff: User):
    entry = submitted(open_contest, staff)
    services.entry_update(entry=entry, data={"prompt_template": "二版目: {{input}}"})
    services.entry_submit(entry=entry)
    html = page(signed_in(client, staff), reverse("entry_detail", args=[entry.pk]))
    assert "Revision 2" in html
    assert "Revision 1" in html
    assert html.index("Revision 2") < html.index("Revision 1")


def test_entry_page_says_when_saved_changes_are_not_submitted(
    client: Client, open_contest: Contest, staff: User
):
    entry = submitted(open_contest, staff)
    services.entry_update(entry=entry, data={"title": "まだ提出していない題名"})
    html = page(signed_in(client, staff), reverse("entry_detail", args=[entry.pk]))
    assert "You have saved changes that are not submitted" in html


def test_entry_page_shows_the_runs_in_its_first_response_and_polls_only_while_pending(
    client: Client, open_contest: Contest, staff: User
):
    entry = submitted(open_contest, staff)
    runs_url = reverse("entry_runs", args=[entry.pk])
    html = page(signed_in(client, staff), reverse("entry_detail", args=[entry.pk]))
    assert "住民向け通知の要約" in html  # the task's row, without a second request
    assert f'hx-get="{runs_url}" hx-trigger="every 2s"' in html  # queued runs: it polls

    Run.objects.filter(entry=entry).update(status=Run.Status.SUCCEEDED, output="三行の要約")
    html = page(client, reverse("entry_detail", args=[entry.pk]))
    assert "三行の要約" in html
    assert "hx-trigger" not in html  # nothing pending: no polling


def test_entry_page_offers_edit_and_withdraw_only_while_open(
    client: Client, open_contest: Contest, staff: User
):
    entry = submitted(open_contest, staff)
    url = reverse("entry_detail", args=[entry.pk])
    html = page(signed_in(client, staff), url)
    assert reverse("entry_edit", args=[entry.pk]) in html
    assert reverse("entry_withdraw", args=[entry.pk]) in html
    Contest.objects.filter(pk=open_contest.pk).update(closes_at=timezone.now())
    html = page(client, url)
    assert reverse("entry_edit", args=[entry.pk]) not in html
    assert reverse("entry_withdraw", args=[entry.pk]) not in html


@pytest.mark.parametrize("revisions", [1, 12])
def test_entry_page_query_count_does_not_grow_with_revisions(
    client: Client,
    open_contest: Contest,
    staff: User,
    revisions: int,
    django_assert_max_num_queries,
    settings,
):
    settings.ENTRY_SUBMITS_PER_HOUR = 0  # twelve revisions in a moment: past the hourly limit
    entry = submitted(open_contest, staff)
    for n in range(revisions - 1):
        services.entry_update(entry=entry, data={"title": f"版{n}"})
        services.entry_submit(entry=entry)
    signed_in(client, staff)
    with django_assert_max_num_queries(MAX_ENTRY_QUERIES):
        response = client.get(reverse("entry_detail", args=[entry.pk]))
    assert response.status_code == 200
