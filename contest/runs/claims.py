"""A worker's claim on a run: taking it, and storing the outcome at the attempt it took.

The claim is the conditional update every worker makes before a call (queued and due →
running at the next attempt, with a lease); executing the run then needs its request, its
task's checks and, for the budget check, its entry's author and contest. Built by the ORM,
that was an UPDATE and a SELECT with two joins whose compiling, not the database's work,
was a third of a run's CPU in the worker (bench/runs.py). Here it is one
`UPDATE … RETURNING`, its text built once per process from the models' metadata, its values
passed through the same converters the ORM applies, and the rows made into model instances
with `Model.from_db` as the ORM does: a field not read here is deferred, and still loaded
by one more query if some code asks for it. PostgreSQL and SQLite (3.35 and later) both
accept RETURNING with scalar subqueries.

Finishing is the other conditional update (still running, at the attempt claimed); its
text is likewise built once per set of fields written, and its values prepared by each
field as the ORM's update prepares them.

On PostgreSQL both commit without waiting for the write-ahead log to reach the disk
(`SET LOCAL synchronous_commit TO off`, sent in the same round trip). Waiting for that
flush twice per run, with every worker thread committing at once, held each statement for
milliseconds and slowed every step around it. What it risks is small and mended: a crash
of the database server itself can lose its last fraction of a second of claims and
outcomes (never corrupt them), and the reconciler takes such runs back as it does a killed
worker's: a run left running past its lease, or queued with no message, runs again.
Nothing an entrant, a judge or an organiser writes goes this way.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.models import Field, Model
from django.utils import timezone

from contest.models import Contest, Entry, Run, SampleTask

# What executing a run reads, and no more: the entry's texts, the contest's description and
# the task's input were already rendered into the run's messages.
_RUN_FIELDS = (
    "id",
    "entry",
    "sample_task",
    "provider",
    "model",
    "temperature",
    "max_tokens",
    "messages",
    "cache_key",
    "attempts",
    "retry_deadline",
    "rate_limited_calls",
)
_TASK_FIELDS = ("checks",)
_ENTRY_FIELDS = ("author", "contest")
_CONTEST_FIELDS = ("model_provider", "token_budget", "yen_budget")

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Part:
    """The columns one model contributes to the statement's RETURNING list."""

    fields: tuple[Field[Any, Any], ...]  # in the model's concrete order, as from_db wants

    @property
    def attnames(self) -> list[str]:
        return [field.attname for field in self.fields]

    @property
    def related_fields(self) -> tuple[Field[Any, Any], ...]:
        """A related row's fields but its primary key, which the run already holds."""
        return self.fields[1:]


@dataclass(frozen=True)
class _Statement:
    sql: str
    run: _Part
    task: _Part
    entry: _Part
    contest: _Part
    # Per returned column: the column as an expression (converters read its field) and
    # the backend's and the field's converters, as the ORM's compiler applies them.
    converters: tuple[tuple[Any, tuple[Converter, ...]], ...]


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # a field of the model's own table, not a reverse relation
    return field


def _column(model: type[Model], name: str) -> str:
    column = _field(model, name).column
    assert column  # a concrete field names its column
    return column


def _part(model: type[Model], names: Sequence[str]) -> _Part:
    """The model's primary key and these fields, in its concrete order (the key first)."""
    wanted = {model._meta.get_field(name) for name in names}
    ordered = tuple(field for field in model._meta.concrete_fields if field in wanted)
    if ordered[0] is not model._meta.pk:
        raise ImproperlyConfigured(f"{model.__name__}'s primary key is not its first column")
    return _Part(ordered)


def _execute(
    connection: BaseDatabaseWrapper, cursor: CursorWrapper, sql: str, params: list[Any]
) -> None:
    """Run one of the engine's updates; on PostgreSQL, when it is a transaction of its own,
    commit it without waiting for the flush.

    PostgreSQL runs the statements of one simple query as one implicit transaction, so the
    LOCAL setting holds for this update's commit only. Inside an atomic block it would hold
    for the whole enclosing transaction, so there the update goes as it is; likewise with
    server-side binding, which allows one statement per query (Django's default binds on
    the client and sends a simple query).
    """
    if (
        connection.vendor == "postgresql"
        and connection.get_autocommit()
        and connection.settings_dict["OPTIONS"].get("server_side_binding") is not True
    ):
        cursor.execute("SET LOCAL synchronous_commit TO off; " + sql, params)
        cursor.nextset()  # past the setting's empty result, to the update's
    else:
        cursor.execute(sql, params)


@functools.cache
def _statement(alias: str) -> _Statement:
    """The claim's SQL for this database, built once per process."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = quote(Run._meta.db_table)

    def column(model: type[Model], name: str) -> str:
        return quote(_column(model, name))

    run = _part(Run, _RUN_FIELDS)
    task = _part(SampleTask, ("id", *_TASK_FIELDS))
    entry = _part(Entry, ("id", *_ENTRY_FIELDS))
    contest = _part(Contest, ("id", *_CONTEST_FIELDS))
    task_table, entry_table = quote(SampleTask._meta.db_table), quote(Entry._meta.db_table)
    contest_table = quote(Contest._meta.db_table)
    run_task = f"{table}.{column(Run, 'sample_task')}"
    run_entry = f"{table}.{column(Run, 'entry')}"
    entry_contest = (
        f"{contest_table} JOIN {entry_table} "
        f"ON {entry_table}.{column(Entry, 'contest')} = {contest_table}.{column(Contest, 'id')}"
    )

    # Every name below comes from the models' metadata, quoted by the backend, and every
    # value is a parameter: nothing a person typed reaches the text.
    def scalar(field: Field[Any, Any], source: str, where: str) -> str:
        target = f"{quote(field.model._meta.db_table)}.{column(field.model, field.name)}"
        return f"(SELECT {target} FROM {source} WHERE {where})"  # noqa: S608

    returning = [f"{table}.{column(Run, field.name)}" for field in run.fields]
    # The related rows' columns by scalar subqueries (SQLite lets RETURNING name only the
    # updated table's own columns); NULL for a run without a task or an entry.
    task_is_runs = f"{task_table}.{column(SampleTask, 'id')} = {run_task}"
    entry_is_runs = f"{entry_table}.{column(Entry, 'id')} = {run_entry}"
    returning += [scalar(field, task_table, task_is_runs) for field in task.related_fields]
    returning += [scalar(field, entry_table, entry_is_runs) for field in entry.related_fields]
    returning += [scalar(field, entry_contest, entry_is_runs) for field in contest.related_fields]
    status, attempts = column(Run, "status"), column(Run, "attempts")
    sql = (
        f"UPDATE {table} SET {status} = %s, {column(Run, 'lease_until')} = %s, "  # noqa: S608
        f"{attempts} = {attempts} + 1, {column(Run, 'started_at')} = %s "
        f"WHERE {column(Run, 'id')} = %s AND {status} = %s "
        f"AND {column(Run, 'available_at')} <= %s "
        f"RETURNING {', '.join(returning)}"
    )
    returned = [
        *run.fields,
        *(field for part in (task, entry, contest) for field in part.related_fields),
    ]
    converters = []
    for field in returned:
        col = field.get_col(field.model._meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        converters.append((col, tuple(found)))
    return _Statement(sql, run, task, entry, contest, tuple(converters))


@functools.cache
def _finish_sql(alias: str, names: tuple[str, ...]) -> str:
    """The finishing UPDATE for these fields (in this order) on this database."""
    quote = connections[alias].ops.quote_name
    sets = ", ".join(f"{quote(_column(Run, name))} = %s" for name in names)
    key, status, attempts = (quote(_column(Run, name)) for name in ("id", "status", "attempts"))
    return (
        f"UPDATE {quote(Run._meta.db_table)} SET {sets} "  # noqa: S608 (names from the model)
        f"WHERE {key} = %s AND {status} = %s AND {attempts} = %s"
    )


def run_finish(*, run_id: int, attempt: int, changes: dict[str, Any]) -> bool:
    """Write these changes if the run is still running at this attempt; whether it was.

    Values that are expressions (`F("attempts") - 1`) go through the ORM's update.
    """
    running = {"pk": run_id, "status": Run.Status.RUNNING, "attempts": attempt}
    fields = [_field(Run, name) for name in changes]
    if any(hasattr(value, "resolve_expression") for value in changes.values()) or any(
        hasattr(field, "get_placeholder") for field in fields
    ):
        return bool(Run.objects.filter(**running).update(**changes))
    alias = router.db_for_write(Run)
    connection = connections[alias]
    params = [
        field.get_db_prep_save(value, connection=connection)
        for field, value in zip(fields, changes.values(), strict=True)
    ]
    sql = _finish_sql(alias, tuple(changes))
    with connection.cursor() as cursor:
        _execute(connection, cursor, sql, [*params, run_id, Run.Status.RUNNING.value, attempt])
        return bool(cursor.rowcount)


def run_claim(*, run_id: int) -> Run | None:
    """Take the run if it is queued and due: running, one more attempt, a fresh lease.

    Returns the run with what executing it reads (its task's checks, its entry's author
    and contest), or None when another worker has it, it is not due, or it is gone.
    """
    alias = router.db_for_write(Run)
    connection = connections[alias]
    statement = _statement(alias)
    now = timezone.now()
    lease_until = now + timedelta(seconds=settings.RUN_LEASE_SECONDS)
    adapt = connection.ops.adapt_datetimefield_value
    params = [
        Run.Status.RUNNING.value,
        adapt(lease_until),
        adapt(now),
        run_id,
        Run.Status.QUEUED.value,
        adapt(now),
    ]
    with connection.cursor() as cursor:
        _execute(connection, cursor, statement.sql, params)
        # fetchall steps the statement to its end, so SQLite ends its implicit transaction.
        rows = cursor.fetchall()
    if not rows:
        return None
    values = list(rows[0])
    for index, (col, converters) in enumerate(statement.converters):
        for converter in converters:
            values[index] = converter(values[index], col, connection)
    return _instances(alias, statement, values)


def _instances(alias: str, statement: _Statement, values: list[Any]) -> Run:
    run_count = len(statement.run.fields)
    run = Run.from_db(alias, statement.run.attnames, values[:run_count])
    rest = iter(values[run_count:])
    task_values = [run.sample_task_id, *(next(rest) for _ in statement.task.related_fields)]
    entry_values = [run.entry_id, *(next(rest) for _ in statement.entry.related_fields)]
    contest_values = [next(rest) for _ in statement.contest.related_fields]
    if run.sample_task_id is not None:
        run.sample_task = SampleTask.from_db(alias, statement.task.attnames, task_values)
    if run.entry_id is not None:
        entry = Entry.from_db(alias, statement.entry.attnames, entry_values)
        contest_id = entry.contest_id
        entry.contest = Contest.from_db(
            alias, statement.contest.attnames, [contest_id, *contest_values]
        )
        run.entry = entry
    return run
