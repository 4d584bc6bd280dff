"""Celery tasks: thin, they take an id and call a service (see contest/runs.py)."""

import logging

from celery import shared_task
from django.conf import settings

from contest import pending_images
from contest.runs import services as runs
from contest.runs.previews import runs_purge_previews

logger = logging.getLogger(__name__)


@shared_task(
    name=runs.EXECUTE_RUN_TASK,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
    time_limit=settings.CELERY_TASK_TIME_LIMIT,
)
def execute_run(run_id: int) -> None:
    runs.run_execute(run_id=run_id)


@shared_task(name="contest.tasks.reconcile_runs", ignore_result=True)
def reconcile_runs() -> None:
    counts = runs.runs_reconcile()
    if any(counts.values()):
        logger.info("Reconciled runs: %s", counts)


@shared_task(name="contest.tasks.purge_pending_images", ignore_result=True)
def purge_pending_images() -> None:
    deleted = pending_images.pending_images_purge()
    if deleted:
        logger.info("Deleted %s abandoned entry images", deleted)


@shared_task(name="contest.tasks.purge_previews", ignore_result=True)
def purge_previews() -> None:
    deleted = runs_purge_previews()
    if deleted:
        logger.info("Deleted %s preview runs past their retention", deleted)
