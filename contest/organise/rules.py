"""Organiser rules: what an organiser may type or change, each refusal in words they act on.

Pure where possible; the services, the forms, the CSV import and the bundle importer all
call these, so a rule (a variable name, a category list, tasks locked by runs) is written
once.
"""

import json
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from contest import templating
from contest.models import Contest, Run

VARIABLE_NAME = re.compile(templating.NAME + r"\Z")
# Every sample task provides `input` itself; a variable of that name would shadow it.
RESERVED_VARIABLES = frozenset({"input"})
CATEGORY_SEPARATORS = re.compile(r"[\n,、，]")
MAX_CATEGORIES = 30


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
    return not Run.objects.filter(entry__contest=contest).exists()


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
