"""Sample tasks from a CSV file, as Excel in a Japanese office saves it.

Header row `title,input,visible_to_entrants,<any other column becomes a variable>`.
UTF-8 (with or without BOM) or Shift_JIS/CP932. All rows or none: every problem is
reported with its row and column, and nothing is saved until the whole file is clean.
What looks like personal data is a problem too, unless the organiser confirms for the
whole file that it is fictional or public; then each task that holds some records who
confirmed it and when.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contest.models import Contest, SampleTask
from contest.organise.rules import (
    DataConfirmation,
    ensure_tasks_editable,
    task_texts,
    variable_name_problem,
)
from contest.organise.services import contest_lock_row
from contest.rules import personal_data_messages

MAX_ROWS = 200
MAX_BYTES = 1024 * 1024
MAX_ERRORS_SHOWN = 20
TITLE_MAX = SampleTask._meta.get_field("title").max_length or 200
FIXED_COLUMNS = ("title", "input", "visible_to_entrants")
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "はい", "○", "公開"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "いいえ", "×", "非公開"})


@dataclass
class TaskRow:
    number: int  # as Excel shows it: the header is row 1
    title: str
    input: str
    visible_to_entrants: bool = True
    variables: dict[str, str] = field(default_factory=dict)


def decode_csv(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) first, then CP932, the superset of Shift_JIS Excel writes."""
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        _("The file is neither UTF-8 nor Shift_JIS. In Excel, save it as “CSV UTF-8”."),
        code="encoding",
    )


def _cell_error(row: int, column: str, problem: str) -> str:
    return _("Row %(row)d, column “%(column)s”: %(problem)s") % {
        "row": row,
        "column": column,
        "problem": problem,
    }


def _header(cells: list[str]) -> tuple[list[str], list[str]]:
    """Column names (fixed ones case-folded) and the problems with them."""
    names, errors = [], []
    for number, cell in enumerate(cells, start=1):
        name = cell.strip()
        if name.lower() in FIXED_COLUMNS:
            name = name.lower()
        elif name:
            problem = variable_name_problem(name)
            if problem:
                errors.append(
                    _("Header, column %(number)d: %(problem)s")
                    % {"number": number, "problem": problem}
                )
        if name and name in names:
            errors.append(_("Header: the column “%(name)s” appears twice.") % {"name": name})
        names.append(name)
    for required in ("title", "input"):
        if required not in names:
            errors.append(
                _("Header: the column “%(name)s” is missing. The first row must name the columns.")
                % {"name": required}
            )
    return names, errors


def _visible(value: str) -> bool | None:
    word = value.strip().lower()
    if not word or word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _row(names: list[str], cells: list[str], row_number: int) -> tuple[TaskRow, list[str]]:
    errors = []
    if len(cells) > len(names) and any(cell.strip() for cell in cells[len(names) :]):
        errors.append(
            _("Row %(row)d has more cells than the header row has columns.") % {"row": row_number}
        )
    values = dict(zip(names, cells, strict=False))
    task = TaskRow(
        number=row_number,
        title=values.get("title", "").strip(),
        input=values.get("input", "").strip(),
    )
    if not task.title:
        errors.append(_cell_error(row_number, "title", _("this cell is empty.")))
    elif len(task.title) > TITLE_MAX:
        errors.append(
            _cell_error(
                row_number, "title", _("longer than %(max)d characters.") % {"max": TITLE_MAX}
            )
        )
    if not task.input:
        errors.append(_cell_error(row_number, "input", _("this cell is empty.")))
    visible = _visible(values.get("visible_to_entrants", ""))
    if visible is None:
        errors.append(
            _cell_error(
                row_number,
                "visible_to_entrants",
                _("write TRUE or FALSE (or leave it empty for TRUE)."),
            )
        )
    else:
        task.visible_to_entrants = visible
    # An empty cell means this task does not provide that variable.
    task.variables = {
        name: value.strip()
        for name, value in values.items()
        if name and name not in FIXED_COLUMNS and value.strip()
    }
    return task, errors


def parse_tasks_csv(data: bytes) -> list[TaskRow]:
    """Every row of the file as a task, or a ValidationError listing every problem."""
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The file is larger than 1 MB."), code="too_large")
    text = decode_csv(data)
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ValidationError(
            _("The file could not be read as CSV: %(error)s") % {"error": error}
        ) from error
    if not records:
        raise ValidationError(_("The file is empty."), code="empty")
    names, errors = _header(records[0])
    if errors:
        raise ValidationError(errors)
    tasks = []
    # Row numbers as Excel shows them: the header is row 1.
    for row_number, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        # A line break inside a quoted cell is stored as "\n", whatever the file used.
        cells = [cell.replace("\r\n", "\n").replace("\r", "\n") for cell in cells]
        task, row_errors = _row(names, cells, row_number)
        tasks.append(task)
        errors.extend(row_errors)
    if len(tasks) > MAX_ROWS:
        raise ValidationError(
            _("The file has %(count)d tasks; at most %(max)d can be imported at once.")
            % {"count": len(tasks), "max": MAX_ROWS},
            code="too_many_rows",
        )
    if not tasks and not errors:
        raise ValidationError(_("The file has a header row but no tasks."), code="empty")
    if errors:
        raise ValidationError(_shown(errors))
    return tasks


def _shown(errors: list[str]) -> list[str]:
    shown = errors[:MAX_ERRORS_SHOWN]
    if len(errors) > MAX_ERRORS_SHOWN:
        shown.append(_("…and %(count)d more problems.") % {"count": len(errors) - MAX_ERRORS_SHOWN})
    return shown


def _personal_data_in_row(row: TaskRow) -> list[str]:
    """What looks like personal data in a row, masked, each with its row and column."""
    problems = []
    for text in task_texts(title=row.title, input=row.input, variables=row.variables):
        where = _("row %(row)d, column “%(column)s”") % {"row": row.number, "column": text.name}
        problems.extend(personal_data_messages(text.text, where))
    return problems


@transaction.atomic
def tasks_import_csv(
    *, contest: Contest, data: bytes, confirmation: DataConfirmation | None = None
) -> list[SampleTask]:
    """Append the file's tasks after the existing ones, all or none.

    Personal data refuses the file unless `confirmation` says it is fictional or public;
    the tasks that hold some then record who confirmed it and when.
    """
    # The contest's row lock, as for one task: no entry's runs are made on the old set
    # while these are added.
    ensure_tasks_editable(contest_lock_row(contest.pk))
    rows = parse_tasks_csv(data)
    found = {row.number: _personal_data_in_row(row) for row in rows}
    problems = [problem for row_problems in found.values() for problem in row_problems]
    if problems and confirmation is None:
        advice = _(
            "The file holds what looks like personal data. Sample tasks are sent to the AI "
            "model and shown to entrants and judges: remove it, or replace it with made-up "
            "data. If all of it is fictional or already public, tick the box below and "
            "choose the file again."
        )
        raise ValidationError([advice, *_shown(problems)])
    now = timezone.now()
    start = contest.sample_tasks.count()
    tasks = []
    for offset, row in enumerate(rows):
        task = SampleTask(
            contest=contest,
            title=row.title,
            input=row.input,
            variables=row.variables,
            visible_to_entrants=row.visible_to_entrants,
            position=start + offset,
        )
        if confirmation is not None and found[row.number]:
            task.personal_data_confirmed_by = confirmation.by
            task.personal_data_confirmed_at = now
        tasks.append(task)
    return SampleTask.objects.bulk_create(tasks)
