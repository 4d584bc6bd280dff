"""The contest bundle: one JSON file with a contest, its categories, sample tasks,
judging criteria and award tiers.

The format is in DESIGN.md and the README ("Contest bundle"). Everything is checked before
anything is written, every problem names its field path (`sample_tasks[2].checks[0].value`,
`criteria[1].levels`), and the import is one transaction: a broken bundle changes nothing.

A criterion is `{"name", "name_en"?, "weight", "description"?, "scale"?: [min, max],
"levels"?: [text per level, lowest first]}` (scale 1–5 by default); an award tier is
`{"name", "name_en"?, "count"}`. A bundle without criteria (or awards) gets the defaults a
contest created on its settings page gets (`contest.organise.defaults`).
"""

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from contest.models import Category, Contest, SampleTask
from contest.organise.bundle_reader import FieldReader, range_message
from contest.organise.defaults import DEFAULT_AWARD_TIERS, DEFAULT_CRITERIA
from contest.organise.rules import (
    criterion_levels_problem,
    criterion_scale_problem,
    default_yen_budget,
    schedule_order_problems,
    task_texts,
    variable_name_problem,
)
from contest.organise.services import award_tiers_create, criteria_create
from contest.rules import personal_data_messages
from contest.runs.checks import CHECK_TYPES, validate_checks

SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
TOP_LEVEL_KEYS = (
    "slug",
    "title",
    "status",
    "description",
    "opens_at",
    "closes_at",
    "judging_ends_at",
    "results_at",
    "model",
    "samples_per_task",
    "judges_per_entry",
    "recuse_same_department",
    "max_entries_per_person",
    "allow_gallery_sharing",
    "token_budget",
    "yen_budget",
    "categories",
    "sample_tasks",
    "criteria",
    "awards",
)
MODEL_KEYS = ("provider", "name", "temperature", "max_tokens")
TASK_KEYS = (*SampleTask.CONTENT_FIELDS, "personal_data_confirmed")
CRITERION_KEYS = ("name", "name_en", "weight", "description", "scale", "levels")
AWARD_KEYS = ("name", "name_en", "count")
MAX_WEIGHT = 1000
MAX_YEN = Decimal("9999999999.99")


class BundleError(ValidationError):
    """Everything wrong with a bundle; each message names the field path."""


@dataclass
class ContestBundle:
    """A checked bundle: the contest's own fields, then what belongs to it."""

    fields: dict[str, Any]
    categories: list[str] = field(default_factory=list)
    sample_tasks: list[dict[str, Any]] = field(default_factory=list)
    criteria: list[dict[str, Any]] = field(default_factory=list)
    awards: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class BundleImport:
    contest: Contest
    notes: list[str]


def _max_length(model: type[Any], name: str) -> int:
    return int(model._meta.get_field(name).max_length)


# --- Validation -----------------------------------------------------------------------


def _contest_fields(reader: FieldReader, data: dict[str, Any]) -> dict[str, Any]:
    slug = reader.text(data, "slug", "", max_length=_max_length(Contest, "slug"))
    if slug and not SLUG.match(slug):
        reader.fail("slug", _("use only letters, digits, hyphens and underscores."))
    status = data.get("status", Contest.Status.DRAFT)
    if status not in Contest.Status.values:
        reader.fail(
            "status",
            _("must be one of %(values)s.") % {"values": ", ".join(Contest.Status.values)},
        )
        status = Contest.Status.DRAFT
    fields: dict[str, Any] = {
        "slug": slug,
        "title": reader.text(data, "title", "", max_length=_max_length(Contest, "title")),
        "status": status,
        "description": reader.text(data, "description", "", required=False),
        "opens_at": reader.moment(data, "opens_at"),
        "closes_at": reader.moment(data, "closes_at"),
        "judging_ends_at": reader.moment(data, "judging_ends_at", required=False),
        "results_at": reader.moment(data, "results_at", required=False),
        "samples_per_task": reader.integer(
            data, "samples_per_task", "", default=1, minimum=1, maximum=10
        ),
        "judges_per_entry": reader.integer(data, "judges_per_entry", "", default=3, minimum=1),
        "recuse_same_department": reader.boolean(data, "recuse_same_department", "", default=True),
        "max_entries_per_person": reader.integer(
            data, "max_entries_per_person", "", default=3, minimum=1, maximum=1000
        ),
        "allow_gallery_sharing": reader.boolean(data, "allow_gallery_sharing", "", default=True),
        "token_budget": reader.integer(data, "token_budget", "", default=None, minimum=0),
        "yen_budget": _yen(reader, data),
    }
    for name, earlier in schedule_order_problems(fields):
        reader.fail(name, _("must be later than %(earlier)s.") % {"earlier": earlier})
    fields.update(_model_fields(reader, data))
    return fields


def _yen(reader: FieldReader, data: dict[str, Any]) -> Decimal | None:
    """The budget in yen; a bundle without the key gets the platform's default, and an
    explicit null means no budget."""
    if "yen_budget" not in data:
        return default_yen_budget()
    value = data["yen_budget"]
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation:
        reader.fail("yen_budget", _("must be an amount in yen, e.g. 5000."))
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_YEN:
        reader.fail("yen_budget", range_message(0, float(MAX_YEN)))
        return None
    return amount.quantize(Decimal("0.01"))


def _model_fields(reader: FieldReader, data: dict[str, Any]) -> dict[str, Any]:
    """The model settings; left out, they are the platform's defaults."""
    model = reader.obj(data.get("model", {}), "model", MODEL_KEYS) or {}
    provider = model.get("provider", settings.LLM_PROVIDER)
    if provider not in Contest.Provider.values:
        reader.fail(
            "model.provider",
            _("must be one of %(values)s.") % {"values": ", ".join(Contest.Provider.values)},
        )
    name_limit = _max_length(Contest, "model_name")
    return {
        "model_provider": provider,
        "model_name": reader.text(model, "name", "model", required=False, max_length=name_limit)
        or settings.LLM_MODEL,
        "temperature": reader.number(
            model, "temperature", "model", default=0.2, minimum=0, maximum=2
        ),
        "max_tokens": reader.integer(
            model, "max_tokens", "model", default=800, minimum=1, maximum=32000
        ),
    }


def _categories(reader: FieldReader, data: dict[str, Any]) -> list[str]:
    names: list[str] = []
    limit = _max_length(Category, "name")
    for index, value in enumerate(reader.items(data, "categories", "")):
        path = f"categories[{index}]"
        if not isinstance(value, str) or not value.strip():
            reader.fail(path, _("must be a non-empty text."))
            continue
        name = value.strip()
        if len(name) > limit:
            reader.fail(path, _("is longer than %(max)d characters.") % {"max": limit})
        elif name in names:
            reader.fail(path, _("“%(name)s” appears twice.") % {"name": name})
        names.append(name)
    return names


def _variables(reader: FieldReader, value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        reader.fail(path, _("must be an object of name: value pairs."))
        return {}
    for name, item in value.items():
        problem = variable_name_problem(name)
        if problem:
            reader.fail(f"{path}.{name}", problem)
        elif not isinstance(item, str | int | float) or isinstance(item, bool):
            reader.fail(f"{path}.{name}", _("must be text or a number."))
    return value


def _check_path(item: Any) -> str:
    """Which part of a check its problem is in, for the path in the message."""
    if not isinstance(item, dict):
        return ""
    if item.get("type") not in CHECK_TYPES:
        return ".type"
    if set(item) <= {"type", "value"}:
        return ".value"
    return ""


def _checks(reader: FieldReader, value: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        reader.fail(path, _("must be a list ([…])."))
        return []
    checks: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        try:
            checks.extend(validate_checks([item]))
        except ValidationError as error:
            problem = (error.params or {}).get("problem") or " ".join(error.messages)
            reader.fail(f"{path}[{index}]{_check_path(item)}", str(problem))
    return checks


def _sample_tasks(reader: FieldReader, data: dict[str, Any]) -> list[dict[str, Any]]:
    tasks = []
    title_limit = _max_length(SampleTask, "title")
    for index, value in enumerate(reader.items(data, "sample_tasks", "")):
        path = f"sample_tasks[{index}]"
        task = reader.obj(value, path, TASK_KEYS)
        if task is None:
            continue
        fields = {
            "title": reader.text(task, "title", path, max_length=title_limit),
            "input": reader.text(task, "input", path),
            "variables": _variables(reader, task.get("variables", {}), f"{path}.variables"),
            "visible_to_entrants": reader.boolean(task, "visible_to_entrants", path, default=True),
            "checks": _checks(reader, task.get("checks", []), f"{path}.checks"),
        }
        confirmed = reader.boolean(task, "personal_data_confirmed", path, default=False)
        found = _personal_data(fields, path)
        if found and not confirmed:
            reader.fail(
                path,
                _(
                    "holds what looks like personal data (listed below). Sample tasks are "
                    "sent to the AI model and shown to entrants and judges: remove it, or "
                    "replace it with made-up data. If it is fictional or already public, add "
                    '"personal_data_confirmed": true to this task.'
                ),
            )
            reader.errors.extend(found)
        # Recorded only where there is something to confirm.
        tasks.append({**fields, "personal_data_confirmed": bool(found) and confirmed})
    return tasks


def _personal_data(fields: dict[str, Any], path: str) -> list[str]:
    """What looks like personal data in a task, masked, each with the path of its text."""
    problems = []
    for text in task_texts(
        title=fields["title"], input=fields["input"], variables=fields["variables"]
    ):
        where = (
            f"{path}.variables.{text.name}" if text.field == "variables" else f"{path}.{text.name}"
        )
        problems.extend(personal_data_messages(text.text, where))
    return problems


def _names(reader: FieldReader, item: dict[str, Any], path: str, seen: set[str]) -> dict[str, str]:
    name = reader.text(item, "name", path, max_length=100)
    if name and name in seen:
        reader.fail(f"{path}.name", _("“%(name)s” appears twice.") % {"name": name})
    seen.add(name)
    name_en = reader.text(item, "name_en", path, required=False, max_length=100)
    return {"name_ja": name, "name_en": name_en}


def _scale(reader: FieldReader, item: dict[str, Any], path: str) -> tuple[int, int]:
    value = item.get("scale", [1, 5])
    valid = (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
    )
    if not valid:
        reader.fail(f"{path}.scale", _("must be two whole numbers, lowest first, e.g. [1, 5]."))
        return 1, 5
    problem = criterion_scale_problem(value[0], value[1])
    if problem:
        reader.fail(f"{path}.scale", problem)
        return 1, 5
    return value[0], value[1]


def _levels(
    reader: FieldReader, item: dict[str, Any], path: str, scale: tuple[int, int]
) -> list[str]:
    value = item.get("levels", [])
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        reader.fail(f"{path}.levels", _("must be a list of non-empty texts, lowest level first."))
        return []
    levels = [text.strip() for text in value]
    problem = criterion_levels_problem(levels, *scale)
    if problem:
        reader.fail(f"{path}.levels", problem)
    return levels


def _criteria(reader: FieldReader, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Criteria with Criterion's field names, checked as the criteria page checks them."""
    criteria, seen = [], set[str]()
    for index, value in enumerate(reader.items(data, "criteria", "")):
        path = f"criteria[{index}]"
        item = reader.obj(value, path, CRITERION_KEYS)
        if item is None:
            continue
        scale = _scale(reader, item, path)
        criteria.append(
            {
                **_names(reader, item, path, seen),
                "weight": reader.integer(
                    item, "weight", path, default=1, minimum=1, maximum=MAX_WEIGHT
                ),
                "description": reader.text(item, "description", path, required=False),
                "scale_min": scale[0],
                "scale_max": scale[1],
                "levels": _levels(reader, item, path, scale),
            }
        )
    return criteria


def _awards(reader: FieldReader, data: dict[str, Any]) -> list[dict[str, Any]]:
    """Award tiers with AwardTier's field names, highest first."""
    tiers, seen = [], set[str]()
    for index, value in enumerate(reader.items(data, "awards", "")):
        path = f"awards[{index}]"
        item = reader.obj(value, path, AWARD_KEYS)
        if item is None:
            continue
        tiers.append(
            {
                **_names(reader, item, path, seen),
                "count": reader.integer(item, "count", path, default=1, minimum=1, maximum=100),
            }
        )
    return tiers


def bundle_validate(data: Any, *, now: datetime | None = None) -> ContestBundle:
    """The checked bundle, or BundleError listing every problem with its field path."""
    if not isinstance(data, dict):
        raise BundleError(_("The bundle must be one JSON object ({…}) with the contest's fields."))
    reader = FieldReader()
    top = reader.obj(data, "", TOP_LEVEL_KEYS) or {}
    bundle = ContestBundle(
        fields=_contest_fields(reader, top),
        categories=_categories(reader, top),
        sample_tasks=_sample_tasks(reader, top),
        criteria=_criteria(reader, top),
        awards=_awards(reader, top),
    )
    # An open contest must be able to take entries, as when an organiser opens one.
    if bundle.fields["status"] == Contest.Status.OPEN:
        if not bundle.sample_tasks:
            reader.fail("sample_tasks", _("an open contest needs at least one sample task."))
        closes_at = bundle.fields["closes_at"]
        if closes_at and closes_at <= (now or timezone.now()):
            reader.fail("closes_at", _("is in the past, so the contest cannot be open."))
    if reader.errors:
        raise BundleError(reader.errors)
    return bundle


# --- Import ---------------------------------------------------------------------------


def bundle_load_file(path: Path) -> Any:
    """The JSON data in the file; a BundleError says where it is not valid JSON."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        raise BundleError(
            _("%(file)s: cannot be read (%(error)s).") % {"file": path, "error": error.strerror}
        ) from error
    except UnicodeDecodeError as error:
        raise BundleError(_("%(file)s: is not UTF-8 text.") % {"file": path}) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BundleError(
            _("%(file)s: not valid JSON at line %(line)d, column %(column)d: %(error)s.")
            % {"file": path, "line": error.lineno, "column": error.colno, "error": error.msg}
        ) from error


def _remove_existing(slug: str, *, replace: bool) -> bool:
    """Delete the contest with this slug when allowed; True when there was one."""
    existing = Contest.objects.filter(slug=slug).first()
    if existing is None:
        return False
    if not replace:
        raise BundleError(
            _(
                "slug: a contest “%(slug)s” already exists. Choose another slug, or use "
                "--replace to replace it (only while nobody has entered it)."
            )
            % {"slug": slug}
        )
    entries = existing.entries.count()
    if entries:
        raise BundleError(
            ngettext(
                "slug: the contest “%(slug)s” has %(count)d entry, so it cannot be replaced.",
                "slug: the contest “%(slug)s” has %(count)d entries, so it cannot be replaced.",
                entries,
            )
            % {"slug": slug, "count": entries}
        )
    existing.delete()
    return True


@transaction.atomic
def bundle_import(
    *,
    data: Any,
    replace: bool = False,
    created_by: User | None = None,
    now: datetime | None = None,
) -> BundleImport:
    """Create the contest, its categories, sample tasks, criteria and award tiers from bundle
    data, all or none; without criteria or awards, the defaults.

    `created_by` is the person importing: the contest's creator, and who confirmed the
    personal data of the tasks marked `"personal_data_confirmed": true` (None records
    only the time).
    """
    bundle = bundle_validate(data, now=now)
    replaced = _remove_existing(bundle.fields["slug"], replace=replace)
    contest = Contest.objects.create(**bundle.fields, created_by=created_by)
    Category.objects.bulk_create(
        Category(contest=contest, name=name, position=position)
        for position, name in enumerate(bundle.categories)
    )
    now = timezone.now()
    tasks = []
    for position, checked in enumerate(bundle.sample_tasks):
        fields = {name: checked[name] for name in SampleTask.CONTENT_FIELDS}
        task = SampleTask(contest=contest, position=position, **fields)
        if checked["personal_data_confirmed"]:
            task.personal_data_confirmed_by = created_by
            task.personal_data_confirmed_at = now
        tasks.append(task)
    SampleTask.objects.bulk_create(tasks)
    notes = []
    if replaced:
        notes.append(_("The contest “%(slug)s” was replaced.") % {"slug": contest.slug})
    if contest.yen_budget is not None and "yen_budget" not in data:
        notes.append(
            _(
                "The bundle gives no budget in yen, so the contest has the default of "
                "¥%(amount)s; change it in the contest's settings."
            )
            % {"amount": f"{contest.yen_budget:,.0f}"}
        )
    criteria_create(contest=contest, criteria=bundle.criteria or DEFAULT_CRITERIA)
    award_tiers_create(contest=contest, tiers=bundle.awards or DEFAULT_AWARD_TIERS)
    if not bundle.criteria:
        notes.append(_("The bundle has no criteria, so the contest uses the default ones."))
    if not bundle.awards:
        notes.append(_("The bundle has no awards, so the contest uses the default ones."))
    notes.append(_("Judges are not part of a bundle: choose them on the contest's settings page."))
    return BundleImport(contest=contest, notes=notes)
