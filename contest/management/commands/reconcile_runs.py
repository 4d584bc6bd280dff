"""`manage.py reconcile_runs`: what Celery beat does every minute, by hand."""

from typing import Any

from django.core.management.base import BaseCommand

from contest.runs.services import runs_reconcile


class Command(BaseCommand):
    help = (
        "Re-enqueue runs left queued too long or running past their lease; "
        "fail those out of attempts."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = runs_reconcile()
        self.stdout.write(
            f"failed {counts['failed']}, requeued {counts['requeued']}, "
            f"republished {counts['republished']}"
        )
