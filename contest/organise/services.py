"""Organiser writes: contest settings, categories, sample tasks and their order.

Plain keyword-only functions; the views, the CSV import and the bundle importer share them,
so a rule (a variable name, a category still in use) is written once.
"""

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import User
from contest import templating
from contest.models import Category, Contest, Entry, SampleTask
from contest.organise import lifecycle

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


def categories_sync(*, contest: Contest, names: Sequence[str]) -> None:
    """Make the contest's categories exactly `names`, in order; keep the rows entries use."""
    existing = {category.name: category for category in contest.categories.all()}
    removed = [category for name, category in existing.items() if name not in names]
    in_use = (
        Entry.objects.filter(category__in=removed)
        .values("category__name")
        .annotate(n=Count("pk"))
        .order_by("category__name")
    )
    if in_use:
        raise ValidationError(
            [
                _("“%(name)s” cannot be removed: %(count)d entries use it.")
                % {"name": row["category__name"], "count": row["n"]}
                for row in in_use
            ]
        )
    Category.objects.filter(pk__in=[category.pk for category in removed]).delete()
    changed = []
    for position, name in enumerate(names):
        category = existing.get(name)
        if category is None:
            Category.objects.create(contest=contest, name=name, position=position)
        elif category.position != position:
            category.position = position
            changed.append(category)
    Category.objects.bulk_update(changed, ["position"])


# --- Contests -------------------------------------------------------------------------


@transaction.atomic
def contest_save(
    *,
    contest: Contest,
    categories: Sequence[str],
    judges: Iterable[User],
    created_by: User | None = None,
) -> Contest:
    """Create or update a contest with its categories and judges, all or nothing."""
    if contest.pk is None and created_by is not None:
        contest.created_by = created_by
    contest.save()
    contest.judges.set(judges)
    categories_sync(contest=contest, names=categories)
    return contest


def _count(model: type[Entry] | type[SampleTask], **filters: Any) -> Coalesce:
    rows = (
        model.objects.filter(contest=OuterRef("pk"), **filters)
        .order_by()
        .values("contest")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def contests_for_organiser(*, user: User) -> QuerySet[Contest]:
    """Every contest an organiser runs (organisers share all contests), with its counts."""
    return Contest.objects.annotate(
        entry_count=_count(Entry),
        submitted_count=_count(Entry, status=Entry.Status.SUBMITTED),
        task_count=_count(SampleTask),
        judge_count=Count("judges", distinct=True),
    ).order_by("-opens_at", "pk")


def entry_counts_by_status(*, contest: Contest) -> dict[str, int]:
    rows = contest.entries.order_by().values("status").annotate(n=Count("pk"))
    counts = {status: 0 for status in Entry.Status.values}
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


# --- Sample tasks ---------------------------------------------------------------------


def ensure_tasks_editable(contest: Contest) -> None:
    if not lifecycle.model_settings_editable(contest):
        raise ValidationError(
            _(
                "Sample tasks cannot change any more: entries have already been run on them, and "
                "every entry must be compared on the same tasks."
            ),
            code="tasks_locked",
        )


def task_create(
    *,
    contest: Contest,
    title: str,
    input: str,
    variables: dict[str, Any],
    visible_to_entrants: bool = True,
    checks: list[dict[str, Any]] | None = None,
) -> SampleTask:
    ensure_tasks_editable(contest)
    position = contest.sample_tasks.count()
    return SampleTask.objects.create(
        contest=contest,
        title=title,
        input=input,
        variables=variables,
        visible_to_entrants=visible_to_entrants,
        checks=checks or [],
        position=position,
    )


def task_update(*, task: SampleTask, fields: dict[str, Any]) -> SampleTask:
    ensure_tasks_editable(task.contest)
    for name, value in fields.items():
        setattr(task, name, value)
    task.save(update_fields=list(fields))
    return task


@transaction.atomic
def task_move(*, task: SampleTask, direction: str) -> None:
    """Swap the task with its neighbour; positions are renumbered 0..n-1 on the way."""
    ensure_tasks_editable(task.contest)
    tasks = list(SampleTask.objects.select_for_update().filter(contest_id=task.contest_id))
    index = next(i for i, other in enumerate(tasks) if other.pk == task.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(tasks):
        tasks[index], tasks[target] = tasks[target], tasks[index]
    changed = []
    for position, other in enumerate(tasks):
        if other.position != position:
            other.position = position
            changed.append(other)
    SampleTask.objects.bulk_update(changed, ["position"])


@transaction.atomic
def task_delete(*, task: SampleTask) -> None:
    """Remove a task while no entry has run yet; the others keep dense positions."""
    ensure_tasks_editable(task.contest)
    contest_id = task.contest_id
    task.delete()
    remaining = list(SampleTask.objects.select_for_update().filter(contest_id=contest_id))
    for position, other in enumerate(remaining):
        other.position = position
    SampleTask.objects.bulk_update(remaining, ["position"])
