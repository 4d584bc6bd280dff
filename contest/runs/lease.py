"""The leases this worker process holds, renewed while their calls are in flight.

A running run's lease (`Run.lease_until`) is how the reconciler tells a dead worker from a
slow model. It is short (`RUN_LEASE_SECONDS`, 30 s by default), and one thread per process
renews every lease the process holds each `RUN_HEARTBEAT_SECONDS`, in one UPDATE, at the
attempt it claimed: a run taken back and claimed by another worker is never renewed by the
old holder. A killed worker stops renewing, so its runs are taken back by the first
reconciler tick after their lease passes; a live worker waiting on a slow model keeps its
runs however long the call takes, up to the task's hard time limit
(`CELERY_TASK_TIME_LIMIT`). Past that nothing is renewed, so a call stuck on a thread pool
(where Celery enforces no time limit) still ends in the reconciler's hands.

The thread starts with the first lease a process holds (after any fork, so each prefork
child has its own) and opens a database connection only to renew, closing it after.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from contest.models import Run

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Hold:
    run_id: int
    attempt: int
    since: float  # time.monotonic() when the call began


class _Heartbeat:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.holds: dict[int, _Hold] = {}
        self.tokens = itertools.count()
        self.thread: threading.Thread | None = None

    def hold(self, run_id: int, attempt: int) -> int:
        token = next(self.tokens)
        with self.lock:
            self.holds[token] = _Hold(run_id, attempt, time.monotonic())
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self._beat, name="run-lease-heartbeat", daemon=True
                )
                self.thread.start()
        return token

    def release(self, token: int) -> None:
        with self.lock:
            self.holds.pop(token, None)

    def _beat(self) -> None:
        while True:
            time.sleep(float(settings.RUN_HEARTBEAT_SECONDS))
            try:
                renewed = lease_renew_held(heartbeat=self)
            except Exception:  # a database that is down: the next beat tries again
                logger.warning("Could not renew the leases of runs in flight", exc_info=True)
            else:
                if renewed:
                    logger.debug("Renewed %s run leases", renewed)
            finally:
                connections.close_all()  # this thread's own connections only


_heartbeat = _Heartbeat()


def _forget_after_fork() -> None:
    # A forked child holds none of its parent's leases, and no thread runs in it yet.
    global _heartbeat
    _heartbeat = _Heartbeat()


os.register_at_fork(after_in_child=_forget_after_fork)


@contextlib.contextmanager
def lease_kept(*, run_id: int, attempt: int) -> Iterator[None]:
    """Keep renewing this run's lease, at this attempt, for as long as the block runs."""
    heartbeat = _heartbeat
    token = heartbeat.hold(run_id, attempt)
    try:
        yield
    finally:
        heartbeat.release(token)


def lease_renew_held(*, heartbeat: _Heartbeat | None = None) -> int:
    """Extend the lease of every run this process holds and has held for less than the
    hard time limit; the number renewed. Called by the heartbeat thread."""
    heartbeat = heartbeat or _heartbeat
    longest = float(settings.CELERY_TASK_TIME_LIMIT)
    now = time.monotonic()
    with heartbeat.lock:
        holds = [hold for hold in heartbeat.holds.values() if now - hold.since < longest]
    if not holds:
        return 0
    ours = reduce(or_, (Q(pk=hold.run_id, attempts=hold.attempt) for hold in holds))
    lease_until = timezone.now() + timedelta(seconds=float(settings.RUN_LEASE_SECONDS))
    return Run.objects.filter(ours, status=Run.Status.RUNNING).update(lease_until=lease_until)
