"""Organiser pages: who may see them, settings, tasks, order, lifecycle buttons, CSV upload."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from contest.models import Category, Contest, Entry, SampleTask
from contest.services import entry_submit
from tests import factories

Status = Contest.Status

GET_PAGES = [
    "organiser_home",
    "organiser_contest_create",
    "organiser_contest",
    "organiser_contest_edit",
    "organiser_task_create",
    "organiser_task_import",
    "organiser_task_edit",
]
POST_ONLY = ["organiser_contest_transition", "organiser_task_move"]


def _url(name: str, contest: Contest, task: SampleTask) -> str:
    if name in ("organiser_home", "organiser_contest_create"):
        return reverse(name)
    if name in ("organiser_task_edit", "organiser_task_move"):
        return reverse(name, args=[contest.slug, task.pk])
    return reverse(name, args=[contest.slug])


def _english_client(client: Client, user: User | None = None) -> Client:
    if user is not None:
        client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    return _english_client(client, organiser)


@pytest.fixture
def draft_contest(organiser: User) -> Contest:
    return factories.make_contest(status=Status.DRAFT, created_by=organiser)


def _contest_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "令和7年度 第2回 職員プロンプトコンテスト",
        "slug": "r7-second",
        "description": "業務で役立つプロンプトを募集します。",
        "opens_at": "2025-06-02T09:00",
        "closes_at": "2025-06-30T17:00",
        "max_entries_per_person": "3",
        "categories": "文書作成\n要約、校正",
        "model_provider": "echo",
        "model_name": "gpt-4o-mini",
        "temperature": "0.2",
        "max_tokens": "800",
        "samples_per_task": "1",
        "judges_per_entry": "3",
        "recuse_same_department": "on",
        "allow_gallery_sharing": "on",
        "token_budget": "",
        "yen_budget": "5000",
    }
    data.update(overrides)
    return data


def _task_data(**overrides: Any) -> dict[str, Any]:
    data = {
        "title": "やさしい日本語への言い換え",
        "input": "避難所を開設しました。速やかに避難してください。",
        "variables": "audience: 外国人住民\nmax_chars: 400",
        "visible_to_entrants": "on",
        "checks": "max_chars: 400\nnot_contains: 速やかに",
    }
    data.update(overrides)
    return data


# --- Permissions ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", GET_PAGES + POST_ONLY)
def test_anonymous_visitor_is_sent_to_sign_in(
    client: Client, open_contest: Contest, name: str
) -> None:
    url = _url(name, open_contest, open_contest.sample_tasks.first())  # type: ignore[arg-type]
    response = client.post(url) if name in POST_ONLY else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
@pytest.mark.parametrize("name", GET_PAGES + POST_ONLY)
def test_member_of_staff_is_refused(
    client: Client, staff: User, open_contest: Contest, name: str
) -> None:
    _english_client(client, staff)
    url = _url(name, open_contest, open_contest.sample_tasks.first())  # type: ignore[arg-type]
    response = (
        client.post(url, {"to_status": "draft", "direction": "up"})
        if name in POST_ONLY
        else client.get(url)
    )
    assert response.status_code == 403
    assert Contest.objects.get(pk=open_contest.pk).status == Status.OPEN


@pytest.mark.django_db
@pytest.mark.parametrize("name", GET_PAGES)
def test_organiser_sees_every_page(
    organiser_client: Client, open_contest: Contest, name: str
) -> None:
    url = _url(name, open_contest, open_contest.sample_tasks.first())  # type: ignore[arg-type]
    assert organiser_client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_ONLY)
def test_actions_accept_only_post(
    organiser_client: Client, open_contest: Contest, name: str
) -> None:
    url = _url(name, open_contest, open_contest.sample_tasks.first())  # type: ignore[arg-type]
    assert organiser_client.get(url).status_code == 405


@pytest.mark.django_db
def test_unknown_contest_and_another_contests_task_are_not_found(
    organiser_client: Client, open_contest: Contest
) -> None:
    other = factories.make_contest()
    other_task = factories.make_task(other)
    assert organiser_client.get(reverse("organiser_contest", args=["nope"])).status_code == 404
    url = reverse("organiser_task_edit", args=[open_contest.slug, other_task.pk])
    assert organiser_client.get(url).status_code == 404
    move = reverse("organiser_task_move", args=[open_contest.slug, other_task.pk])
    assert organiser_client.post(move, {"direction": "up"}).status_code == 404


# --- Home -----------------------------------------------------------------------------


def _busy_contests(count: int, author: User) -> None:
    for _ in range(count):
        contest = factories.make_contest()
        factories.make_task(contest)
        factories.make_entry(contest, author, status=Entry.Status.SUBMITTED)
        factories.make_entry(contest, author)
        contest.judges.add(author)


@pytest.mark.django_db
def test_home_lists_contests_with_counts(organiser_client: Client, staff: User) -> None:
    _busy_contests(1, staff)
    response = organiser_client.get(reverse("organiser_home"))
    contest = Contest.objects.get()
    assert contest.title in response.content.decode()
    row = response.context["contests"][0]
    assert (row.entry_count, row.submitted_count, row.task_count, row.judge_count) == (2, 1, 1, 1)


@pytest.mark.django_db
def test_home_makes_the_same_number_of_queries_for_many_contests(
    organiser_client: Client, staff: User, django_assert_max_num_queries: Any
) -> None:
    _busy_contests(2, staff)
    with CaptureQueriesContext(connection) as few:
        organiser_client.get(reverse("organiser_home"))
    _busy_contests(8, staff)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = organiser_client.get(reverse("organiser_home"))
    assert len(response.context["contests"]) == 10


# --- Contest settings -----------------------------------------------------------------


@pytest.mark.django_db
def test_organiser_creates_a_contest_with_every_setting(
    organiser_client: Client, organiser: User, judge: User
) -> None:
    data = _contest_data(judges=[judge.pk], token_budget="100000", temperature="0.7")
    response = organiser_client.post(reverse("organiser_contest_create"), data)
    contest = Contest.objects.get(slug="r7-second")
    assert response.status_code == 302
    assert response["Location"] == reverse("organiser_contest", args=["r7-second"])
    assert contest.status == Status.DRAFT
    assert contest.created_by == organiser
    # Typed in Japan time: 09:00 JST is 00:00 UTC.
    assert contest.opens_at == datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
    assert contest.closes_at == datetime(2025, 6, 30, 8, 0, tzinfo=UTC)
    assert list(contest.categories.values_list("name", flat=True)) == ["文書作成", "要約", "校正"]
    assert list(contest.judges.all()) == [judge]
    assert (contest.temperature, contest.token_budget) == (0.7, 100000)
    assert contest.yen_budget == 5000
    assert contest.recuse_same_department and contest.allow_gallery_sharing


@pytest.mark.django_db
def test_new_contest_form_suggests_the_platform_model(organiser_client: Client) -> None:
    form = organiser_client.get(reverse("organiser_contest_create")).context["form"]
    assert form["model_provider"].value() == django_settings.LLM_PROVIDER
    assert form["model_name"].value() == django_settings.LLM_MODEL


@pytest.mark.django_db
@pytest.mark.parametrize(("default", "shown"), [(5000, "5000"), (0, None)])
def test_new_contest_form_starts_with_the_default_budget(
    organiser_client: Client, settings: Any, default: int, shown: str | None
) -> None:
    settings.CONTEST_DEFAULT_YEN_BUDGET = default
    form = organiser_client.get(reverse("organiser_contest_create")).context["form"]
    assert (str(form["yen_budget"].value()) if form["yen_budget"].value() else None) == shown


@pytest.mark.django_db
def test_editing_a_contest_without_a_budget_does_not_add_the_default(
    organiser_client: Client, open_contest: Contest
) -> None:
    url = reverse("organiser_contest_edit", args=[open_contest.slug])
    form = organiser_client.get(url).context["form"]
    assert form["yen_budget"].value() is None


@pytest.mark.django_db
def test_closing_before_opening_is_refused_keeping_what_was_typed(organiser_client: Client) -> None:
    data = _contest_data(closes_at="2025-06-01T09:00", title="入力したタイトル")
    response = organiser_client.post(reverse("organiser_contest_create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("The closing time must be after the opening time.") == 1
    assert "Constraint" not in page
    assert "入力したタイトル" in page
    assert 'value="2025-06-01T09:00"' in page
    assert not Contest.objects.exists()


@pytest.mark.django_db
def test_edit_form_shows_times_in_japan_time(organiser_client: Client) -> None:
    contest = factories.make_contest(
        opens_at=datetime(2025, 6, 2, 0, 0, tzinfo=UTC),
        closes_at=datetime(2025, 6, 30, 8, 0, tzinfo=UTC),
    )
    page = organiser_client.get(reverse("organiser_contest_edit", args=[contest.slug]))
    assert 'value="2025-06-02T09:00"' in page.content.decode()
    assert 'value="2025-06-30T17:00"' in page.content.decode()


@pytest.mark.django_db
def test_editing_saves_settings_and_categories(
    organiser_client: Client, draft_contest: Contest
) -> None:
    factories.make_category(draft_contest, "要約")
    factories.make_category(draft_contest, "廃止")
    data = _contest_data(slug=draft_contest.slug, categories="校正, 要約", max_tokens="1500")
    response = organiser_client.post(
        reverse("organiser_contest_edit", args=[draft_contest.slug]), data
    )
    assert response.status_code == 302
    draft_contest.refresh_from_db()
    assert draft_contest.max_tokens == 1500
    assert list(draft_contest.categories.values_list("name", flat=True)) == ["校正", "要約"]


@pytest.mark.django_db
def test_removing_a_category_in_use_is_refused_and_nothing_changes(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    used = Category.objects.get(contest=open_contest, name="要約")
    factories.make_entry(open_contest, staff, category=used)
    data = _contest_data(slug=open_contest.slug, categories="文書作成", title="変更後")
    response = organiser_client.post(
        reverse("organiser_contest_edit", args=[open_contest.slug]), data
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "“要約” cannot be removed: 1 entries use it." in page
    open_contest.refresh_from_db()
    assert open_contest.title != "変更後"
    assert open_contest.categories.count() == 2


@pytest.mark.django_db
def test_slug_is_fixed_once_the_contest_has_opened(
    organiser_client: Client, open_contest: Contest
) -> None:
    data = _contest_data(slug="renamed", title=open_contest.title)
    organiser_client.post(reverse("organiser_contest_edit", args=[open_contest.slug]), data)
    assert Contest.objects.filter(pk=open_contest.pk, slug=open_contest.slug).exists()


@pytest.mark.django_db
def test_model_settings_are_locked_once_an_entry_has_runs(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    entry_submit(entry=factories.make_entry(open_contest, staff))
    url = reverse("organiser_contest_edit", args=[open_contest.slug])
    assert "Locked: entries have already been run" in organiser_client.get(url).content.decode()
    data = _contest_data(slug=open_contest.slug, model_name="gpt-4o", title="審査中に改題")
    assert organiser_client.post(url, data).status_code == 302
    open_contest.refresh_from_db()
    assert open_contest.model_name == "gpt-4o-mini"
    assert open_contest.title == "審査中に改題"


@pytest.mark.django_db
def test_judge_search_narrows_the_list_without_saving(
    organiser_client: Client, judge: User, staff: User
) -> None:
    data = _contest_data(title="検索中のタイトル", judge_search="judge@", search_judges="1")
    response = organiser_client.post(reverse("organiser_contest_create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert judge.email in page
    assert staff.email not in page
    assert "検索中のタイトル" in page
    assert "Nothing is saved yet" in page
    assert not Contest.objects.exists()


@pytest.mark.django_db
def test_judges_already_ticked_stay_listed_during_a_search(
    organiser_client: Client, judge: User, staff: User
) -> None:
    data = _contest_data(judges=[staff.pk], judge_search="judge@", search_judges="1")
    page = organiser_client.post(reverse("organiser_contest_create"), data).content.decode()
    assert judge.email in page
    assert staff.email in page


# --- Dashboard and lifecycle ----------------------------------------------------------


@pytest.mark.django_db
def test_dashboard_shows_tasks_buttons_counts_and_the_run_monitor(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    factories.make_entry(open_contest, staff, status=Entry.Status.SUBMITTED)
    task = open_contest.sample_tasks.first()
    assert task is not None
    task.checks = [{"type": "max_chars", "value": 300}]
    task.save()
    response = organiser_client.get(reverse("organiser_contest", args=[open_contest.slug]))
    page = response.content.decode()
    assert page.index("住民向け通知の要約") < page.index("議会答弁のたたき台")
    assert "At most 300 characters" in page
    assert reverse("run_monitor", args=[open_contest.slug]) in page
    assert "Close entries and start judging" in page
    assert "Staff have already entered this contest" in page
    assert dict(response.context["entry_counts"])["Submitted"] == 1
    assert "Tasks can change until the first entry is submitted" in page


@pytest.mark.django_db
@pytest.mark.parametrize("status", Status.values)
def test_dashboard_offers_the_next_step_in_every_stage(
    organiser_client: Client, status: str
) -> None:
    contest = factories.make_contest(status=status)
    factories.make_task(contest)
    response = organiser_client.get(reverse("organiser_contest", args=[contest.slug]))
    assert response.status_code == 200
    offered = [t.status for t in response.context["transitions"]]
    expected: dict[str, list[str]] = {
        Status.DRAFT: [Status.OPEN],
        Status.OPEN: [Status.JUDGING, Status.DRAFT],
        Status.JUDGING: [Status.RESULTS],
        Status.RESULTS: [Status.PUBLISHED],
        Status.PUBLISHED: [],
    }
    assert offered == expected[status]
    if status == Status.PUBLISHED:
        assert "no further stage" in response.content.decode()


@pytest.mark.django_db
def test_open_button_is_disabled_with_its_reason_until_a_task_exists(
    organiser_client: Client, draft_contest: Contest
) -> None:
    page = organiser_client.get(reverse("organiser_contest", args=[draft_contest.slug]))
    html = page.content.decode()
    assert "disabled" in html
    assert "Add at least one sample task before opening" in html


@pytest.mark.django_db
def test_transition_refused_shows_the_reason_and_keeps_the_status(
    organiser_client: Client, draft_contest: Contest
) -> None:
    url = reverse("organiser_contest_transition", args=[draft_contest.slug])
    response = organiser_client.post(url, {"to_status": "open"}, follow=True)
    assert "Add at least one sample task before opening" in response.content.decode()
    assert Contest.objects.get(pk=draft_contest.pk).status == Status.DRAFT


@pytest.mark.django_db
def test_organiser_opens_a_contest_through_its_confirmation_page(
    organiser_client: Client, draft_contest: Contest
) -> None:
    factories.make_task(draft_contest)
    url = reverse("organiser_contest_transition", args=[draft_contest.slug])
    confirm = reverse("organiser_contest_confirm", args=[draft_contest.slug, "open"])
    response = organiser_client.post(url, {"to_status": "open"})
    assert response["Location"] == confirm
    assert Contest.objects.get(pk=draft_contest.pk).status == Status.DRAFT
    response = organiser_client.post(confirm, follow=True)
    assert "The contest is now “Open”." in response.content.decode()
    assert Contest.objects.get(pk=draft_contest.pk).status == Status.OPEN


@pytest.mark.django_db
def test_going_back_to_draft_is_one_click(organiser_client: Client, open_contest: Contest) -> None:
    url = reverse("organiser_contest_transition", args=[open_contest.slug])
    response = organiser_client.post(url, {"to_status": "draft"}, follow=True)
    assert "The contest is now “Draft”." in response.content.decode()
    assert Contest.objects.get(pk=open_contest.pk).status == Status.DRAFT


@pytest.mark.django_db
def test_starting_judging_without_judges_warns(
    organiser_client: Client, open_contest: Contest
) -> None:
    url = reverse("organiser_contest_confirm", args=[open_contest.slug, "judging"])
    response = organiser_client.post(url, follow=True)
    assert "No judges are chosen yet" in response.content.decode()
    assert Contest.objects.get(pk=open_contest.pk).status == Status.JUDGING


# --- Sample tasks ---------------------------------------------------------------------


@pytest.mark.django_db
def test_organiser_adds_a_task_at_the_end(organiser_client: Client, open_contest: Contest) -> None:
    url = reverse("organiser_task_create", args=[open_contest.slug])
    response = organiser_client.post(url, _task_data())
    assert response.status_code == 302
    task = open_contest.sample_tasks.last()
    assert task is not None
    assert task.title == "やさしい日本語への言い換え"
    assert task.position == 2
    assert task.variables == {"audience": "外国人住民", "max_chars": "400"}
    assert task.checks == [
        {"type": "max_chars", "value": 400},
        {"type": "not_contains", "value": "速やかに"},
    ]
    assert task.visible_to_entrants


@pytest.mark.django_db
def test_bad_regex_is_refused_keeping_what_was_typed(
    organiser_client: Client, open_contest: Contest
) -> None:
    url = reverse("organiser_task_create", args=[open_contest.slug])
    response = organiser_client.post(url, _task_data(checks="regex: ([0-9]+件"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 1: the regular expression does not compile" in page
    assert "([0-9]+件" in page
    assert "避難所を開設しました。" in page
    assert open_contest.sample_tasks.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ("input: 上書き", "“input” is reserved"),
        ("対象者: 高齢者", "“対象者” is not a valid variable name"),
        ("audience 高齢者", "Line 1: write each variable as “name: value”."),
        ("audience: a\naudience: b", "Line 2: “audience” appears twice."),
        ('{"audience": ', "This is not valid JSON"),
    ],
)
def test_bad_variables_are_refused_with_the_reason(
    organiser_client: Client, open_contest: Contest, variables: str, expected: str
) -> None:
    url = reverse("organiser_task_create", args=[open_contest.slug])
    response = organiser_client.post(url, _task_data(variables=variables))
    assert expected in response.content.decode()
    assert open_contest.sample_tasks.count() == 2


@pytest.mark.django_db
def test_variables_may_be_written_as_json_for_values_over_several_lines(
    organiser_client: Client, open_contest: Contest
) -> None:
    url = reverse("organiser_task_create", args=[open_contest.slug])
    variables = '{"audience": "高齢者", "example": "一行目\\n二行目"}'
    organiser_client.post(url, _task_data(variables=variables))
    task = open_contest.sample_tasks.last()
    assert task is not None
    assert task.variables == {"audience": "高齢者", "example": "一行目\n二行目"}
    edit = organiser_client.get(reverse("organiser_task_edit", args=[open_contest.slug, task.pk]))
    text = edit.context["form"]["variables"].value()
    assert json.loads(text) == task.variables


@pytest.mark.django_db
def test_empty_task_form_shows_required_fields(
    organiser_client: Client, open_contest: Contest
) -> None:
    url = reverse("organiser_task_create", args=[open_contest.slug])
    response = organiser_client.post(url, {})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"title", "input"}


@pytest.mark.django_db
def test_organiser_edits_a_task_starting_from_its_text(
    organiser_client: Client, open_contest: Contest
) -> None:
    task = open_contest.sample_tasks.first()
    assert task is not None
    task.checks = [{"type": "contains", "value": "期限"}]
    task.save()
    url = reverse("organiser_task_edit", args=[open_contest.slug, task.pk])
    form = organiser_client.get(url).context["form"]
    assert form["variables"].value() == "audience: 高齢者"
    assert form["checks"].value() == "contains: 期限"
    response = organiser_client.post(url, _task_data(title="改題", visible_to_entrants=""))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.title == "改題"
    assert task.visible_to_entrants is False
    assert task.position == 0


@pytest.mark.django_db
def test_tasks_move_up_and_down_keeping_positions_dense(
    organiser_client: Client, open_contest: Contest
) -> None:
    third = factories.make_task(open_contest, title="三番目")
    SampleTask.objects.filter(pk=third.pk).update(position=7)  # a gap left by older data
    first, second, _ = open_contest.sample_tasks.all()
    url = reverse("organiser_task_move", args=[open_contest.slug, third.pk])
    assert organiser_client.post(url, {"direction": "up"}).status_code == 302
    assert list(open_contest.sample_tasks.values_list("title", "position")) == [
        (first.title, 0),
        ("三番目", 1),
        (second.title, 2),
    ]
    url = reverse("organiser_task_move", args=[open_contest.slug, first.pk])
    organiser_client.post(url, {"direction": "up"})  # already first: nothing moves
    organiser_client.post(url, {"direction": "down"})
    assert list(open_contest.sample_tasks.values_list("title", flat=True)) == [
        "三番目",
        first.title,
        second.title,
    ]


@pytest.mark.django_db
def test_move_with_an_unknown_direction_is_a_bad_request(
    organiser_client: Client, open_contest: Contest
) -> None:
    task = open_contest.sample_tasks.first()
    assert task is not None
    url = reverse("organiser_task_move", args=[open_contest.slug, task.pk])
    assert organiser_client.post(url, {"direction": "sideways"}).status_code == 400


@pytest.mark.django_db
def test_tasks_cannot_change_once_an_entry_has_runs(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    entry_submit(entry=factories.make_entry(open_contest, staff))
    task = open_contest.sample_tasks.first()
    assert task is not None
    for url in (
        reverse("organiser_task_create", args=[open_contest.slug]),
        reverse("organiser_task_edit", args=[open_contest.slug, task.pk]),
        reverse("organiser_task_import", args=[open_contest.slug]),
    ):
        response = organiser_client.post(url, _task_data(title="変更"), follow=True)
        assert "Sample tasks cannot change any more" in response.content.decode()
    assert not SampleTask.objects.filter(title="変更").exists()


# --- CSV upload -----------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_upload_adds_the_tasks(organiser_client: Client, draft_contest: Contest) -> None:
    csv = "title,input,audience\r\n通知の要約,納付期限は6月30日です。,高齢者\r\n"
    upload = SimpleUploadedFile("tasks.csv", csv.encode("cp932"), content_type="text/csv")
    url = reverse("organiser_task_import", args=[draft_contest.slug])
    response = organiser_client.post(url, {"file": upload}, follow=True)
    assert "1 sample task was imported." in response.content.decode()
    task = draft_contest.sample_tasks.get()
    assert (task.title, task.variables) == ("通知の要約", {"audience": "高齢者"})


@pytest.mark.django_db
def test_csv_upload_with_errors_lists_them_and_imports_nothing(
    organiser_client: Client, draft_contest: Contest
) -> None:
    csv = "title,input\r\n通知の要約,本文\r\n空の本文,\r\n"
    upload = SimpleUploadedFile("tasks.csv", csv.encode("utf-8-sig"), content_type="text/csv")
    url = reverse("organiser_task_import", args=[draft_contest.slug])
    response = organiser_client.post(url, {"file": upload})
    assert response.status_code == 200
    assert "Row 3, column “input”: this cell is empty." in response.content.decode()
    assert draft_contest.sample_tasks.count() == 0


@pytest.mark.django_db
def test_csv_upload_without_a_file_asks_for_one(
    organiser_client: Client, draft_contest: Contest
) -> None:
    url = reverse("organiser_task_import", args=[draft_contest.slug])
    response = organiser_client.post(url, {})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


@pytest.mark.django_db
def test_dashboard_and_home_show_japan_time(organiser_client: Client) -> None:
    opens = timezone.make_aware(
        datetime(2025, 6, 2, 9, 0), timezone=timezone.get_current_timezone()
    )
    contest = factories.make_contest(opens_at=opens, closes_at=opens + timedelta(days=28))
    home = organiser_client.get(reverse("organiser_home")).content.decode()
    dashboard = organiser_client.get(reverse("organiser_contest", args=[contest.slug]))
    assert "Mon 2 June 2025, 09:00" in home
    assert "Mon 2 June 2025, 09:00" in dashboard.content.decode()


def test_organiser_deletes_a_task_without_runs_and_positions_stay_dense(
    client: Client, organiser: User, open_contest: Contest
) -> None:
    first, second = open_contest.sample_tasks.all()
    client.force_login(organiser)
    response = client.post(
        reverse("organiser_task_delete", args=[open_contest.slug, first.pk]), follow=True
    )
    assert response.status_code == 200
    assert list(open_contest.sample_tasks.values_list("pk", "position")) == [(second.pk, 0)]


def test_task_with_runs_cannot_be_deleted_and_the_reason_is_shown(
    client: Client, organiser: User, staff: User, open_contest: Contest
) -> None:
    entry = factories.make_entry(
        open_contest, staff, prompt_template="次の文章を要約してください。{{input}}"
    )
    entry_submit(entry=entry)
    task = open_contest.sample_tasks.first()
    assert task is not None
    client.force_login(organiser)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(
        reverse("organiser_task_delete", args=[open_contest.slug, task.pk]), follow=True
    )
    assert SampleTask.objects.filter(pk=task.pk).exists()
    assert "Sample tasks cannot change any more" in response.content.decode()


def test_staff_cannot_delete_a_task(client: Client, staff: User, open_contest: Contest) -> None:
    task = open_contest.sample_tasks.first()
    assert task is not None
    client.force_login(staff)
    response = client.post(reverse("organiser_task_delete", args=[open_contest.slug, task.pk]))
    assert response.status_code == 403
    assert SampleTask.objects.filter(pk=task.pk).exists()
