"""Run services: every write to a Run goes through here (see DESIGN.md "Runs").

The database is the truth and the broker only rings the bell: a message carries a run id
and nothing else, so a lost or duplicated message costs nothing but a little time.
"""

from celery import current_app
from django.db import transaction
from django.utils import timezone

from contest.models import EntryRevision, Run
from contest.templating import build_messages

EXECUTE_RUN_TASK = "contest.tasks.execute_run"


def enqueue_run_ids(run_ids: list[int]) -> None:
    """Ring the bell for these runs once the transaction that made them commits."""

    def publish() -> None:
        for run_id in run_ids:
            current_app.send_task(EXECUTE_RUN_TASK, args=[run_id])

    if run_ids:
        # robust: a broker that is down must not undo the commit; the reconciler
        # re-enqueues whatever was not published.
        transaction.on_commit(publish, robust=True)


@transaction.atomic
def runs_create_for_revision(*, revision: EntryRevision) -> list[Run]:
    """Queue one run per sample task × sample for this revision; cancel the older ones."""
    entry = revision.entry
    contest = entry.contest
    runs_cancel_pending(entry_id=entry.pk, exclude_revision_id=revision.pk)
    runs = []
    for task in contest.sample_tasks.all():
        messages = build_messages(
            system_prompt=revision.system_prompt,
            prompt_template=revision.prompt_template,
            variables=task.template_variables(),
        )
        for sample_index in range(contest.samples_per_task):
            runs.append(
                Run(
                    entry=entry,
                    revision=revision,
                    sample_task=task,
                    sample_index=sample_index,
                    provider=contest.model_provider,
                    model=contest.model_name,
                    temperature=contest.temperature,
                    max_tokens=contest.max_tokens,
                    messages=messages,
                )
            )
    created = Run.objects.bulk_create(runs)
    enqueue_run_ids([run.pk for run in created])
    return created


def runs_cancel_pending(*, entry_id: int, exclude_revision_id: int | None = None) -> int:
    """Cancel an entry's runs that have not finished; a worker holding one discards it."""
    pending = Run.objects.filter(entry_id=entry_id, status__in=Run.PENDING)
    if exclude_revision_id is not None:
        pending = pending.exclude(revision_id=exclude_revision_id)
    return pending.update(status=Run.Status.CANCELLED, finished_at=timezone.now())
