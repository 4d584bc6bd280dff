"""Organiser rules: what an organiser may type or change, each refusal in words they act on.

Pure where possible; the services, the forms, the CSV import and the bundle importer all
call these, so a rule (a variable name, a category list, tasks locked by runs) is written
once.
"""

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from contest import templating
from contest.models import Contest, Run, SampleTask
from contest.rules import field_personal_data_errors, quoted

VARIABLE_NAME = re.compile(templating.NAME + r"\Z")
# Every sample task provides `input` itself; a variable of that name would shadow it.
RESERVED_VARIABLES = frozenset({"input"})
CATEGORY_SEPARATORS = re.compile(r"[\n,、，]")
MAX_CATEGORIES = 30


# --- Budget ---------------------------------------------------------------------------


def default_yen_budget() -> Decimal | None:
    """The budget in yen a new contest starts with (CONTEST_DEFAULT_YEN_BUDGET; 0: none)."""
    amount = int(settings.CONTEST_DEFAULT_YEN_BUDGET)
    return Decimal(amount) if amount > 0 else None


# --- Variables ------------------------------------------------------------------------


def variable_name_problem(name: str) -> str | None:
    """Why `name` cannot be a task variable, or None when it can."""
    if name in RESERVED_VARIABLES:
        return _("“%(name)s” is reserved: every task provides it from its input field.") % {
            "name": name
        }
    if not VARIABLE_NAME.match(name):
        return _(
            "“%(name)s” is not a valid variable name: use letters a–z, digits and _, "
            "not starting with a digit (for example audience or max_chars)."
        ) % {"name": name}
    return None


def parse_variables_text(text: str) -> dict[str, str]:
    """`name: value` lines (or one JSON object) into a dict; the error names the line."""
    text = text.strip()
    if text.startswith("{"):
        return _parse_variables_json(text)
    variables: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, colon, value = line.partition(":")
        name = name.strip()
        if not colon:
            raise ValidationError(
                _("Line %(line)d: write each variable as “name: value”.") % {"line": number}
            )
        problem = variable_name_problem(name)
        if problem is None and name in variables:
            problem = _("“%(name)s” appears twice.") % {"name": name}
        if problem:
            raise ValidationError(
                _("Line %(line)d: %(problem)s") % {"line": number, "problem": problem}
            )
        variables[name] = value.strip()
    return variables


def _parse_variables_json(text: str) -> dict[str, str]:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise ValidationError(
            _("This is not valid JSON (line %(line)d): %(error)s")
            % {"line": getattr(error, "lineno", 1), "error": getattr(error, "msg", str(error))}
        ) from error
    if not isinstance(data, dict):
        raise ValidationError(_('Write one JSON object, such as {"audience": "高齢者"}.'))
    variables: dict[str, str] = {}
    for name, value in data.items():
        problem = variable_name_problem(name)
        if problem:
            raise ValidationError(problem)
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise ValidationError(
                _("The value of “%(name)s” must be text or a number.") % {"name": name}
            )
        variables[name] = str(value)
    return variables


def format_variables_text(variables: dict[str, Any]) -> str:
    """The editable text for stored variables; JSON when a value spans several lines."""
    if any("\n" in str(value) for value in variables.values()):
        return json.dumps(variables, ensure_ascii=False, indent=2)
    return "\n".join(f"{name}: {value}" for name, value in variables.items())


# --- Categories -----------------------------------------------------------------------


def parse_categories_text(text: str) -> list[str]:
    """Category names separated by commas (、 too) or lines, without blanks or repeats."""
    names = [name.strip() for name in CATEGORY_SEPARATORS.split(text)]
    names = list(dict.fromkeys(name for name in names if name))
    too_long = [name for name in names if len(name) > 100]
    if too_long:
        raise ValidationError(
            _("A category name is longer than 100 characters: “%(name)s”.") % {"name": too_long[0]}
        )
    if len(names) > MAX_CATEGORIES:
        raise ValidationError(
            _("At most %(max)d categories, please (you wrote %(count)d).")
            % {"max": MAX_CATEGORIES, "count": len(names)}
        )
    return names


# --- Criteria ---------------------------------------------------------------------------

# A scale judges can hold in their head and type with one key: 0..10 at most.
SCALE_LOWEST = 0
SCALE_HIGHEST = 10
MAX_LEVEL_TEXT = 200


def criterion_scale_problem(scale_min: int, scale_max: int) -> str | None:
    """Why these levels cannot be a criterion's scale, or None when they can."""
    if not SCALE_LOWEST <= scale_min < scale_max <= SCALE_HIGHEST:
        return _(
            "The scale must go up from its lowest level to a higher one, between %(lowest)d "
            "and %(highest)d (for example 1 to 5)."
        ) % {"lowest": SCALE_LOWEST, "highest": SCALE_HIGHEST}
    return None


def criterion_levels_problem(levels: list[str], scale_min: int, scale_max: int) -> str | None:
    """Level descriptions are optional, but when given there is one per level."""
    expected = scale_max - scale_min + 1
    if levels and len(levels) != expected:
        return _(
            "Describe every level of the scale or none: %(expected)d descriptions for levels "
            "%(min)d to %(max)d, lowest first (there are %(count)d)."
        ) % {"expected": expected, "min": scale_min, "max": scale_max, "count": len(levels)}
    if any(len(level) > MAX_LEVEL_TEXT for level in levels):
        return _("A level description is longer than %(max)d characters.") % {"max": MAX_LEVEL_TEXT}
    return None


# --- Sample tasks and model settings -----------------------------------------------------


def model_settings_editable(contest: Contest) -> bool:
    """Model settings and sample tasks may change until the first entry has runs.

    Every submitted revision is run on exactly these tasks with exactly these settings;
    a change after that would leave entries compared on different work.
    """
    return not Run.objects.entry_runs().filter(contest=contest).exists()


def ensure_tasks_editable(contest: Contest) -> None:
    if not model_settings_editable(contest):
        raise ValidationError(
            _(
                "Sample tasks cannot change any more: entries have already been run on them, and "
                "every entry must be compared on the same tasks."
            ),
            code="tasks_locked",
        )


def ensure_model_settings_unchanged(contest: Contest, stored: Contest) -> None:
    """Refuse a change to the model settings of a contest whose entries have runs."""
    changed = [
        name for name in Contest.MODEL_FIELDS if getattr(contest, name) != getattr(stored, name)
    ]
    if changed and not model_settings_editable(stored):
        raise ValidationError(
            _(
                "The AI model settings cannot change any more: entries have already been run "
                "with them, and every entry must be compared with the same settings."
            ),
            code="model_settings_locked",
        )


# --- Personal data in sample tasks -------------------------------------------------------


@dataclass(frozen=True)
class TaskText:
    """Something a sample task says: the model, entrants and judges all read it."""

    field: str  # where the organiser's form has it: title, input or variables
    name: str  # its CSV column or bundle key: title, input or the variable's name
    text: str


@dataclass(frozen=True)
class DataConfirmation:
    """An organiser's word that what looks like personal data in a task is fictional or public.

    `by` is None for a bundle imported by a command that named nobody.
    """

    by: User | None


def task_texts(*, title: str, input: str, variables: Mapping[str, Any]) -> list[TaskText]:
    """The title, the input and every variable's value of a sample task."""
    return [
        TaskText("title", "title", title),
        TaskText("input", "input", input),
        *(TaskText("variables", name, str(value)) for name, value in variables.items()),
    ]


def stored_task_texts(task: SampleTask) -> list[TaskText]:
    return task_texts(title=task.title, input=task.input, variables=task.variables)


def confirmed_task_texts(task: SampleTask) -> list[TaskText] | None:
    """The texts an organiser confirmed as fictional or public, or None."""
    if task.pk is None or task.personal_data_confirmed_at is None:
        return None
    return stored_task_texts(task)


def task_personal_data_advice() -> str:
    return _(
        "This looks like personal data. Sample tasks are sent to the AI model and shown to "
        "entrants and judges: remove it, or replace it with made-up data. If it is fictional "
        "or already public (the city hall's own phone number, for example), confirm that to "
        "keep it; your name and the time are recorded with the task."
    )


def _where_in_form(text: TaskText) -> str:
    if text.field == "variables":
        return _("the variable “%(name)s”") % {"name": text.name}
    field = SampleTask._meta.get_field(text.field)
    assert isinstance(field, models.Field)
    # The label the task form shows for the field.
    return quoted(capfirst(str(field.verbose_name)))


def task_personal_data_errors(texts: Iterable[TaskText]) -> dict[str, list[ValidationError]]:
    """A sample task's personal data, masked, under the form field it is in."""
    return field_personal_data_errors(
        ((text.field, _where_in_form(text), text.text) for text in texts),
        advice=task_personal_data_advice(),
    )


def check_task_personal_data(
    texts: list[TaskText], *, confirming: bool, confirmed_before: list[TaskText] | None
) -> bool:
    """Whether the texts hold personal data; refused unless the organiser confirms it now.

    A confirmation given before still holds for exactly the texts it was given for, so a
    confirmed task can change its checks or visibility without being asked again.
    """
    errors = task_personal_data_errors(texts)
    if errors and not confirming and texts != confirmed_before:
        raise ValidationError(errors)
    return bool(errors)


# --- Schedule and judges ----------------------------------------------------------------

# The contest's dates in the order they must come; the last two may be left empty.
SCHEDULE_FIELDS = ("opens_at", "closes_at", "judging_ends_at", "results_at")


def schedule_order_problems(dates: Mapping[str, datetime | None]) -> list[tuple[str, str]]:
    """(field, the earlier field it must come after) for each date out of order.

    Each date is compared with the closest earlier one that is set, so an empty optional
    date is skipped. The form and the bundle word the pairs for their readers.
    """
    problems = []
    previous: tuple[str, datetime] | None = None
    for name in SCHEDULE_FIELDS:
        when = dates.get(name)
        if when is None:
            continue
        if previous is not None and when <= previous[1]:
            problems.append((name, previous[0]))
        previous = (name, when)
    return problems


def judges_shortfall(*, judge_count: int, judges_per_entry: int) -> str | None:
    """A warning when fewer judges are chosen than each entry should get, or None."""
    if judge_count >= judges_per_entry:
        return None
    if judge_count == 0:
        return ngettext(
            "No judges are chosen yet, but each entry should be scored by %(needed)d judge. "
            "Choose the judges in the settings.",
            "No judges are chosen yet, but each entry should be scored by %(needed)d judges. "
            "Choose the judges in the settings.",
            judges_per_entry,
        ) % {"needed": judges_per_entry}
    return ngettext(
        "Only %(count)d judge is chosen, but each entry should be scored by %(needed)d. "
        "Choose more judges, or lower the number of judges per entry.",
        "Only %(count)d judges are chosen, but each entry should be scored by %(needed)d. "
        "Choose more judges, or lower the number of judges per entry.",
        judge_count,
    ) % {"count": judge_count, "needed": judges_per_entry}
