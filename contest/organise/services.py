"""Organiser writes: contest settings, categories, sample tasks and their order.

Plain keyword-only functions; the views, the CSV import and the bundle importer share them.
Every write that touches what runs are made of (model settings, sample tasks) holds the
contest's row lock, which entry submissions take too: a task cannot change while an entry's
runs are being created on the old set, and the lock rule is checked on what is committed.
"""

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contest import extensions
from contest.models import AwardTier, Category, Contest, Criterion, Entry, SampleTask
from contest.organise import connection
from contest.organise.connection import ConnectionResult
from contest.organise.defaults import DEFAULT_AWARD_TIERS, DEFAULT_CRITERIA
from contest.organise.rules import (
    DataConfirmation,
    TaskText,
    check_task_personal_data,
    confirmed_task_texts,
    ensure_model_settings_unchanged,
    ensure_tasks_editable,
    stored_task_texts,
)
from contest.runs import llm


def contest_lock_row(contest_id: int) -> Contest:
    """The contest as committed, its row held until the transaction ends."""
    return Contest.objects.select_for_update().get(pk=contest_id)


# --- Categories -----------------------------------------------------------------------


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


# --- Criteria and award tiers ---------------------------------------------------------
# What a contest is judged on and what it awards describe the contest, so they are made
# with it; judging edits them later (and locks them once a judge has started a sheet).


def criteria_create(*, contest: Contest, criteria: Sequence[Mapping[str, Any]]) -> None:
    """Add criteria in order; each mapping has Criterion's field names."""
    Criterion.objects.bulk_create(
        Criterion(contest=contest, position=position, **fields)
        for position, fields in enumerate(criteria)
    )


def award_tiers_create(*, contest: Contest, tiers: Sequence[Mapping[str, Any]]) -> None:
    """Add award tiers, highest first; each mapping has AwardTier's field names."""
    AwardTier.objects.bulk_create(
        AwardTier(contest=contest, position=position, **fields)
        for position, fields in enumerate(tiers)
    )


# --- Contests -------------------------------------------------------------------------


@transaction.atomic
def contest_save(
    *,
    contest: Contest,
    categories: Sequence[str],
    judges: Iterable[User],
    created_by: User | None = None,
) -> Contest:
    """Create or update a contest with its categories and judges, all or nothing.

    The model settings of a contest whose entries have runs are refused here, whatever
    the form showed: runs judges compare must all come from the same settings. A new
    contest starts with the default criteria and award tiers. When the judges change,
    what later apps registered runs in this transaction (judging re-balances the open
    assignments); its ValidationError undoes the whole save.
    """
    judges = list(judges)
    creating = contest.pk is None
    if creating:
        contest.created_by = created_by
        before: set[int] = set()
    else:
        ensure_model_settings_unchanged(contest, contest_lock_row(contest.pk))
        before = set(contest.judges.values_list("pk", flat=True))
    contest.save()
    contest.judges.set(judges)
    categories_sync(contest=contest, names=categories)
    if creating:
        criteria_create(contest=contest, criteria=DEFAULT_CRITERIA)
        award_tiers_create(contest=contest, tiers=DEFAULT_AWARD_TIERS)
    if before != {judge.pk for judge in judges}:
        extensions.judges_changed_effects_run(contest)
    return contest


def contest_connection_test(*, contest: Contest, now: datetime | None = None) -> ConnectionResult:
    """One cheap call with the contest's model settings; the result is stored on the contest.

    In the organiser's request, not through the workers: it is one call of a few tokens
    that a person waits for, bounded by `connection.TIMEOUT_SECONDS` (or the platform's
    read timeout when shorter), and only organisers can start it. It tests the provider
    from the web server, whose environment (API key, base URL) the workers share.
    """
    model_settings = llm.ModelSettings(
        provider=contest.model_provider,
        model=contest.model_name,
        temperature=contest.temperature,
        max_tokens=connection.MAX_TOKENS,
    )
    messages = [{"role": "user", "content": str(connection.PROMPT)}]
    timeout = min(connection.TIMEOUT_SECONDS, float(settings.LLM_READ_TIMEOUT))
    at = now or timezone.now()
    started = time.monotonic()
    try:
        completion = llm.complete(model_settings=model_settings, messages=messages, timeout=timeout)
    except llm.LLMError as error:
        result = ConnectionResult(
            at=at,
            provider=contest.model_provider,
            model=contest.model_name,
            ok=False,
            latency_ms=round((time.monotonic() - started) * 1000),
            code=error.code,
            detail=error.detail,
        )
    else:
        result = ConnectionResult(
            at=at,
            provider=contest.model_provider,
            model=contest.model_name,
            ok=True,
            reply=completion.output[:200],
            latency_ms=completion.latency_ms,
        )
    contest.connection_test = result.as_json()
    Contest.objects.filter(pk=contest.pk).update(connection_test=contest.connection_test)
    return result


def contest_connection_recent_or_test(*, contest: Contest) -> ConnectionResult:
    """A test of the current settings from the last few minutes, or a new one."""
    stored = connection.connection_result(contest)
    if stored is not None and stored.is_recent():
        return stored
    return contest_connection_test(contest=contest)


# --- Sample tasks ---------------------------------------------------------------------


@transaction.atomic
def task_create(
    *,
    contest: Contest,
    title: str,
    input: str,
    variables: dict[str, Any],
    visible_to_entrants: bool = True,
    checks: list[dict[str, Any]] | None = None,
    confirmation: DataConfirmation | None = None,
) -> SampleTask:
    """Add a task after the others; personal data in it needs the organiser's confirmation."""
    ensure_tasks_editable(contest_lock_row(contest.pk))
    task = SampleTask(
        contest=contest,
        title=title,
        input=input,
        variables=variables,
        visible_to_entrants=visible_to_entrants,
        checks=checks or [],
        position=contest.sample_tasks.count(),
    )
    _record_personal_data(task, confirmation, confirmed_before=None)
    task.save()
    return task


@transaction.atomic
def task_update(
    *, task: SampleTask, fields: dict[str, Any], confirmation: DataConfirmation | None = None
) -> SampleTask:
    """Change a task; personal data in changed texts needs the organiser's confirmation again."""
    ensure_tasks_editable(contest_lock_row(task.contest_id))
    # What is committed, not `task`: a form may already have written its values onto it.
    confirmed_before = confirmed_task_texts(SampleTask.objects.get(pk=task.pk))
    for name, value in fields.items():
        setattr(task, name, value)
    _record_personal_data(task, confirmation, confirmed_before=confirmed_before)
    task.save(update_fields=[*fields, *SampleTask.CONFIRMATION_FIELDS])
    return task


def _record_personal_data(
    task: SampleTask,
    confirmation: DataConfirmation | None,
    *,
    confirmed_before: list[TaskText] | None,
) -> None:
    """Refuse personal data nobody confirmed; record who confirmed it and when.

    Whatever a form checked, every write of a task through these services passes here.
    Without personal data there is nothing to confirm, and no record.
    """
    found = check_task_personal_data(
        stored_task_texts(task),
        confirming=confirmation is not None,
        confirmed_before=confirmed_before,
    )
    if not found:
        task.personal_data_confirmed_by = None
        task.personal_data_confirmed_at = None
    elif confirmation is not None:
        task.personal_data_confirmed_by = confirmation.by
        task.personal_data_confirmed_at = timezone.now()


@transaction.atomic
def task_move(*, task: SampleTask, direction: str) -> None:
    """Swap the task with its neighbour; positions are renumbered 0..n-1 on the way."""
    ensure_tasks_editable(contest_lock_row(task.contest_id))
    tasks = list(SampleTask.objects.filter(contest_id=task.contest_id))
    index = next(i for i, other in enumerate(tasks) if other.pk == task.pk)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(tasks):
        tasks[index], tasks[target] = tasks[target], tasks[index]
    _renumber(tasks)


@transaction.atomic
def task_delete(*, task: SampleTask) -> None:
    """Remove a task while no entry has run yet; the others keep dense positions."""
    ensure_tasks_editable(contest_lock_row(task.contest_id))
    contest_id = task.contest_id
    task.delete()
    _renumber(list(SampleTask.objects.filter(contest_id=contest_id)))


def _renumber(tasks: list[SampleTask]) -> None:
    changed = []
    for position, task in enumerate(tasks):
        if task.position != position:
            task.position = position
            changed.append(task)
    SampleTask.objects.bulk_update(changed, ["position"])
