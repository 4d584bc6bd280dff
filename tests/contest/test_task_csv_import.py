"""Sample tasks from CSV: Excel's encodings, all rows or none, errors with row and column."""

from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.models import User
from contest.models import Contest, SampleTask
from contest.organise.task_csv import MAX_BYTES, tasks_import_csv
from contest.services import entry_submit
from tests import factories

GOOD_CSV = (
    "title,input,visible_to_entrants,audience,max_chars\r\n"
    "住民向け通知の要約,令和7年度の住民税の納付期限は6月30日です。,TRUE,高齢者,300\r\n"
    '議会答弁のたたき台,"子育て支援策の拡充について。\r\n財源も示すこと。",FALSE,市長,\r\n'
)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def contest(db: None) -> Contest:
    return factories.make_contest(status=Contest.Status.DRAFT)


def _messages(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return "\n".join(error.value.messages)


def test_csv_tasks_land_with_their_variables_and_visibility(contest: Contest) -> None:
    tasks = tasks_import_csv(contest=contest, data=GOOD_CSV.encode("utf-8"))
    assert len(tasks) == 2
    first, second = contest.sample_tasks.all()
    assert first.title == "住民向け通知の要約"
    assert first.variables == {"audience": "高齢者", "max_chars": "300"}
    assert first.visible_to_entrants is True
    assert second.input == "子育て支援策の拡充について。\n財源も示すこと。"
    # An empty cell means the task does not provide that variable.
    assert second.variables == {"audience": "市長"}
    assert second.visible_to_entrants is False


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "shift_jis", "cp932"], ids=lambda e: str(e)
)
def test_csv_is_read_in_the_encodings_excel_saves(contest: Contest, encoding: str) -> None:
    tasks_import_csv(contest=contest, data=GOOD_CSV.encode(encoding))
    titles = list(contest.sample_tasks.values_list("title", flat=True))
    assert titles == ["住民向け通知の要約", "議会答弁のたたき台"]


def test_cp932_only_characters_are_read(contest: Contest) -> None:
    # ① and ～ exist in CP932 (Windows) but not in strict Shift_JIS.
    data = "title,input\r\n手順①の要約,期限は6月～7月です。\r\n".encode("cp932")
    tasks_import_csv(contest=contest, data=data)
    task = contest.sample_tasks.get()
    assert task.title == "手順①の要約"
    assert task.input == "期限は6月～7月です。"


def test_csv_tasks_are_appended_after_existing_ones(contest: Contest) -> None:
    factories.make_task(contest, title="既存の課題")
    tasks_import_csv(contest=contest, data=GOOD_CSV.encode())
    assert list(contest.sample_tasks.values_list("title", "position")) == [
        ("既存の課題", 0),
        ("住民向け通知の要約", 1),
        ("議会答弁のたたき台", 2),
    ]


def test_header_names_are_case_insensitive_and_blank_rows_are_skipped(contest: Contest) -> None:
    data = "Title,INPUT,Visible_To_Entrants\r\n課題A,本文A,no\r\n,,\r\n課題B,本文B,\r\n"
    tasks_import_csv(contest=contest, data=data.encode())
    assert list(contest.sample_tasks.values_list("title", "visible_to_entrants")) == [
        ("課題A", False),
        ("課題B", True),
    ]


def test_one_bad_row_imports_nothing_and_names_row_and_column(contest: Contest) -> None:
    data = "title,input\r\n課題A,本文A\r\n課題B,\r\n,本文C\r\n"
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=data.encode())
    text = _messages(caught)
    assert "Row 3, column “input”: this cell is empty." in text
    assert "Row 4, column “title”: this cell is empty." in text
    assert contest.sample_tasks.count() == 0


def test_unreadable_visibility_is_refused_with_its_row(contest: Contest) -> None:
    data = "title,input,visible_to_entrants\r\n課題A,本文A,maybe\r\n"
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=data.encode())
    assert "Row 2, column “visible_to_entrants”" in _messages(caught)
    assert contest.sample_tasks.count() == 0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("title,body", "the column “input” is missing"),
        ("input,audience", "the column “title” is missing"),
        ("title,input,対象者", "“対象者” is not a valid variable name"),
        ("title,input,2nd", "“2nd” is not a valid variable name"),
        ("title,input,audience,audience", "the column “audience” appears twice"),
        ("title,input,Input", "the column “input” appears twice"),
    ],
)
def test_bad_header_is_refused_with_the_reason(
    contest: Contest, header: str, expected: str
) -> None:
    data = f"{header}\r\n課題A,本文A,x,y\r\n"
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=data.encode())
    assert expected in _messages(caught)
    assert contest.sample_tasks.count() == 0


def test_more_than_200_rows_are_refused(contest: Contest) -> None:
    rows = "".join(f"課題{n},本文{n}\r\n" for n in range(201))
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=f"title,input\r\n{rows}".encode())
    assert "has 201 tasks; at most 200" in _messages(caught)
    assert contest.sample_tasks.count() == 0


def test_exactly_200_rows_are_imported(contest: Contest) -> None:
    rows = "".join(f"課題{n},本文{n}\r\n" for n in range(200))
    tasks_import_csv(contest=contest, data=f"title,input\r\n{rows}".encode())
    assert contest.sample_tasks.count() == 200
    assert contest.sample_tasks.last().position == 199  # type: ignore[union-attr]


def test_file_over_1_mb_is_refused_before_reading(contest: Contest) -> None:
    data = b"title,input\r\n" + b"a,b\r\n" * (MAX_BYTES // 5 + 1)
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=data)
    assert "larger than 1 MB" in _messages(caught)


def test_file_in_another_encoding_is_refused_with_advice(contest: Contest) -> None:
    data = "title,input\r\n課題,本文\r\n".encode("utf-16")
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=data)
    assert "neither UTF-8 nor Shift_JIS" in _messages(caught)


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"", "The file is empty."), (b"title,input\r\n", "a header row but no tasks")],
)
def test_empty_file_is_refused(contest: Contest, data: bytes, expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=data)
    assert expected in _messages(caught)


def test_row_with_more_cells_than_columns_is_refused(contest: Contest) -> None:
    data = "title,input\r\n課題A,本文A,はみ出し\r\n"
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=data.encode())
    assert "Row 2 has more cells than the header row" in _messages(caught)


def test_import_is_refused_once_tasks_are_locked(contest: Contest, staff: User) -> None:
    Contest.objects.filter(pk=contest.pk).update(status=Contest.Status.OPEN)
    factories.make_task(contest)
    entry_submit(entry=factories.make_entry(contest, staff, prompt_template="要約 {{input}}"))
    with pytest.raises(ValidationError) as caught:
        tasks_import_csv(contest=contest, data=GOOD_CSV.encode())
    assert caught.value.code == "tasks_locked"
    assert SampleTask.objects.filter(contest=contest).count() == 1
