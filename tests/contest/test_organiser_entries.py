"""The organiser's entries page and its CSV: summaries, filters, sort, pages, queries."""

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from accounts.models import Department, User
from contest.models import Category, Contest, Entry, EntryRevision, Run
from contest.organise.views import ENTRIES_PER_PAGE
from tests import factories

pytestmark = pytest.mark.django_db


def _english(client: Client, user: User) -> Client:
    client.force_login(user)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def organiser_client(client: Client, organiser: User) -> Client:
    return _english(client, organiser)


def submitted(
    entry: Entry, runs: list[tuple[str, bool | None]], *, number: int | None = None
) -> EntryRevision:
    """A new revision of the entry with one run per (status, checks passed)."""
    revision = EntryRevision.objects.create(
        entry=entry, number=number or entry.revision + 1, title=entry.title, prompt_template="p"
    )
    Entry.objects.filter(pk=entry.pk).update(
        revision=revision.number, status=Entry.Status.SUBMITTED
    )
    entry.refresh_from_db()
    tasks = list(entry.contest.sample_tasks.all())
    for index, (status, passed) in enumerate(runs):
        Run.objects.create(
            entry=entry,
            contest=entry.contest,
            revision=revision,
            sample_task=tasks[index % len(tasks)],
            sample_index=index // len(tasks),
            status=status,
            provider="echo",
            model="echo",
            temperature=0.2,
            max_tokens=800,
            checks_passed=passed,
        )
    return revision


def _url(contest: Contest, **params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("organiser_entries", args=[contest.slug]) + (f"?{query}" if query else "")


def _titles(response: Any) -> list[str]:
    return [entry.title for entry in response.context["page"].object_list]


# --- Summaries ------------------------------------------------------------------------------


def test_run_and_check_summaries_count_only_the_current_revision(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    entry = factories.make_entry(open_contest, staff, title="通知文の要約")
    submitted(entry, [("failed", None), ("failed", None), ("failed", None)])
    submitted(
        entry,
        [("succeeded", True), ("succeeded", False), ("failed", None), ("queued", None)],
    )

    response = organiser_client.get(_url(open_contest))
    row = response.context["page"].object_list[0]

    assert (row.runs_succeeded, row.runs_failed, row.runs_pending) == (2, 1, 1)
    assert (row.runs_passing, row.runs_checked) == (1, 2)
    page = response.content.decode()
    assert "2 done" in page
    assert '<span class="failed">1 failed</span>' in page
    assert "1 pending" in page
    assert "1 / 2 pass" in page


def test_every_column_is_shown_with_a_link_the_organiser_can_open(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    category = Category.objects.get(contest=open_contest, name="要約")
    entry = factories.make_entry(open_contest, staff, title="議事録の要点整理", category=category)
    submitted(entry, [("succeeded", True)])

    page = organiser_client.get(_url(open_contest)).content.decode()

    for text in ("議事録の要点整理", "職員 太郎", staff.email, "General Affairs Division", "要約"):
        assert text in page
    assert "Submitted" in page
    link = reverse("entry_detail", args=[entry.pk])
    assert f'href="{link}"' in page
    assert organiser_client.get(link).status_code == 200


def test_an_entry_without_runs_says_so(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    factories.make_entry(open_contest, staff, title="下書きのまま")
    page = organiser_client.get(_url(open_contest)).content.decode()
    assert "no runs" in page


# --- Filters and sort -----------------------------------------------------------------------


@pytest.fixture
def varied(open_contest: Contest, staff: User, other_staff: User) -> Contest:
    summary = Category.objects.get(contest=open_contest, name="要約")
    writing = Category.objects.get(contest=open_contest, name="文書作成")
    first = factories.make_entry(open_contest, staff, title="B 要約の型", category=summary)
    submitted(first, [("succeeded", True), ("failed", None)])
    second = factories.make_entry(open_contest, other_staff, title="A 議会答弁", category=writing)
    submitted(second, [("failed", None), ("failed", None)])
    factories.make_entry(open_contest, staff, title="C 下書き", category=writing)
    withdrawn = factories.make_entry(open_contest, other_staff, title="D 取り下げ")
    Entry.objects.filter(pk=withdrawn.pk).update(status=Entry.Status.WITHDRAWN)
    return open_contest


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["D 取り下げ", "C 下書き", "A 議会答弁", "B 要約の型"]),
        ({"status": "submitted", "sort": "title"}, ["A 議会答弁", "B 要約の型"]),
        ({"status": "draft"}, ["C 下書き"]),
        ({"q": "議会"}, ["A 議会答弁"]),
        ({"q": "次郎", "sort": "title"}, ["A 議会答弁", "D 取り下げ"]),  # the author's name
        ({"q": "OTHER@CITY", "sort": "title"}, ["A 議会答弁", "D 取り下げ"]),  # their e-mail
        ({"sort": "failed"}, ["A 議会答弁", "B 要約の型", "D 取り下げ", "C 下書き"]),
        ({"sort": "title"}, ["A 議会答弁", "B 要約の型", "C 下書き", "D 取り下げ"]),
    ],
)
def test_filters_and_sorts_come_from_the_url(
    organiser_client: Client, varied: Contest, params: dict[str, str], expected: list[str]
) -> None:
    assert _titles(organiser_client.get(_url(varied, **params))) == expected


def test_category_and_department_filters(
    organiser_client: Client, varied: Contest, department_b: Department
) -> None:
    writing = Category.objects.get(contest=varied, name="文書作成")
    by_category = organiser_client.get(_url(varied, category=str(writing.pk), sort="title"))
    assert _titles(by_category) == ["A 議会答弁", "C 下書き"]
    by_department = organiser_client.get(_url(varied, department=str(department_b.pk)))
    assert sorted(_titles(by_department)) == ["A 議会答弁", "D 取り下げ"]


def test_sort_by_author_and_department(organiser_client: Client, varied: Contest) -> None:
    # 職員 太郎 (SOMU) and 職員 次郎 (KIKAKU): by name 太 < 次, by department code K < S.
    by_author = _titles(organiser_client.get(_url(varied, sort="author")))
    by_department = _titles(organiser_client.get(_url(varied, sort="department")))
    assert set(by_author[:2]) == {"B 要約の型", "C 下書き"}
    assert set(by_department[:2]) == {"A 議会答弁", "D 取り下げ"}


def test_filter_form_keeps_the_values_from_the_url(
    organiser_client: Client, varied: Contest
) -> None:
    page = organiser_client.get(_url(varied, q="議会", status="submitted", sort="title"))
    html = page.content.decode()
    assert 'value="議会"' in html
    assert '<option value="submitted" selected>' in html
    assert '<option value="title" selected>' in html


def test_an_unknown_filter_value_is_explained_and_the_others_still_apply(
    organiser_client: Client, varied: Contest
) -> None:
    response = organiser_client.get(_url(varied, category="999999", status="draft"))
    assert "category" in response.context["form"].errors
    assert _titles(response) == ["C 下書き"]


def test_department_choices_are_the_entrants_departments(
    organiser_client: Client, varied: Contest, department_a: Department, department_b: Department
) -> None:
    factories.make_department("UNUSED", "未使用課", "Unused Division")
    form = organiser_client.get(_url(varied)).context["form"]
    assert set(form.fields["department"].queryset) == {department_a, department_b}


# --- Pages and queries ----------------------------------------------------------------------


def _fill(contest: Contest, count: int) -> None:
    departments = [factories.make_department() for _ in range(3)]
    for n in range(count):
        author = factories.make_user(department=departments[n % 3])
        entry = factories.make_entry(contest, author, title=f"応募 {n:03d}")
        submitted(entry, [("succeeded", True), ("failed", None), ("running", None)])


def test_pages_keep_the_filters_in_their_links(
    organiser_client: Client, open_contest: Contest
) -> None:
    _fill(open_contest, ENTRIES_PER_PAGE + 5)
    first = organiser_client.get(_url(open_contest, sort="title", q="応募"))
    assert len(_titles(first)) == ENTRIES_PER_PAGE
    html = first.content.decode()
    assert "?sort=title&amp;q=%E5%BF%9C%E5%8B%9F&amp;page=2" in html
    second = organiser_client.get(_url(open_contest, sort="title", q="応募", page="2"))
    assert _titles(second) == [
        f"応募 {n:03d}" for n in range(ENTRIES_PER_PAGE, ENTRIES_PER_PAGE + 5)
    ]
    # A page past the end shows the last one rather than an error.
    assert _titles(organiser_client.get(_url(open_contest, page="99"))) == _titles(
        organiser_client.get(_url(open_contest, page="2"))
    )


@pytest.mark.parametrize("count", [3, 30])
def test_the_page_makes_the_same_number_of_queries_for_any_number_of_entries(
    organiser_client: Client,
    open_contest: Contest,
    count: int,
    django_assert_num_queries: Callable[..., Any],
) -> None:
    _fill(open_contest, count)
    # Session, user, the organiser's authenticator (MFA rule), whether they judge (the
    # header's link), contest, the count and the page of entries (annotated, one query),
    # then the filter form's category and department choices.
    with django_assert_num_queries(9):
        response = organiser_client.get(_url(open_contest, sort="failed"))
    assert len(_titles(response)) == count


# --- CSV --------------------------------------------------------------------------------------


def _csv_rows(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


def test_csv_opens_in_excel_with_the_japanese_intact(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    entry = factories.make_entry(open_contest, staff, title='要約, "3行"\n改行あり')
    submitted(entry, [("succeeded", True), ("failed", None)])

    response = organiser_client.get(reverse("organiser_entries_csv", args=[open_contest.slug]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="entries-{open_contest.slug}-'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    assert response.content.count(b"\r\n") == 2  # CRLF after each row, none bare
    assert b'"\xe8\xa6\x81\xe7\xb4\x84, ""3\xe8\xa1\x8c""\n' in response.content  # quoted
    header, row = _csv_rows(response)
    assert header[:3] == ["ID", "Title", "Author"]
    assert row[1] == '要約, "3行"\n改行あり'
    assert row[2:5] == ["職員 太郎", staff.email, "General Affairs Division"]
    assert row[9:14] == ["1", "1", "0", "1", "1"]
    assert row[14] == "http://testserver" + reverse("entry_detail", args=[entry.pk])


def test_csv_uses_the_same_filters_and_every_page(
    organiser_client: Client, open_contest: Contest
) -> None:
    _fill(open_contest, ENTRIES_PER_PAGE + 2)
    factories.make_entry(open_contest, factories.make_user(), title="別の題")
    url = reverse("organiser_entries_csv", args=[open_contest.slug]) + "?q=応募&sort=title&page=2"
    rows = _csv_rows(organiser_client.get(url))[1:]
    assert [row[1] for row in rows] == [f"応募 {n:03d}" for n in range(ENTRIES_PER_PAGE + 2)]


def test_csv_cells_that_look_like_formulas_stay_text(
    organiser_client: Client, open_contest: Contest, staff: User
) -> None:
    factories.make_entry(open_contest, staff, title='=HYPERLINK("http://x","click")')
    response = organiser_client.get(reverse("organiser_entries_csv", args=[open_contest.slug]))
    assert _csv_rows(response)[1][1] == '\'=HYPERLINK("http://x","click")'


def test_csv_headers_are_in_japanese_for_japanese_organisers(
    client: Client, organiser: User, open_contest: Contest
) -> None:
    client.force_login(organiser)
    response = client.get(reverse("organiser_entries_csv", args=[open_contest.slug]))
    assert _csv_rows(response)[0][1] == "タイトル"
