"""Run services: every write to a Run goes through here (see DESIGN.md "Runs").

The database is the truth and the broker only rings the bell: a message carries a run id
and nothing else, so a lost or duplicated message costs nothing but a little time. Every
state change is a conditional update on the state the caller saw; a worker finishing a
run also names the attempt it claimed, so a run the reconciler handed to another worker
is never written twice.
"""

import logging
import math
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from kombu.exceptions import ChannelError

from accounts.models import User
from accounts.permissions import is_organiser
from contest import limits
from contest.models import Contest, Entry, EntryRevision, Run
from contest.runs import claims, lease, llm, throttle
from contest.runs.checks import run_checks
from contest.runs.selectors import (
    BudgetHolds,
    budget_hold_reason,
    contest_budget_holds,
    contest_runs,
    current_runs,
    run_monitor_forget,
)
from contest.templating import build_messages

logger = logging.getLogger(__name__)

EXECUTE_RUN_TASK = "contest.tasks.execute_run"
LLM_QUEUE = "llm"
# Publish and mark in slices: keeps `pk IN (...)` under every database's parameter limit.
_CHUNK = 500
# A later retry is left to the reconciler rather than to a countdown: a delayed message
# waits in a worker's memory, and Redis hands it to another worker after its visibility
# timeout.
MAX_COUNTDOWN_SECONDS = 600
# The reconciler re-publishes at most this many forgotten runs a minute, oldest first;
# far more than the workers can call in that time.
RECONCILE_BATCH = 2000


# --- Publishing -----------------------------------------------------------------------------


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def publish_run_ids(run_ids: list[int], *, countdown: float | None = None) -> None:
    """Send one message per run now, and record when, so the reconciler leaves them be.

    A broker that refuses stops the loop: the runs not marked are found by the
    reconciler, which would otherwise spend a retry policy's wait on every one of them.
    """
    for chunk in _chunks(run_ids):
        for run_id in chunk:
            current_app.send_task(EXECUTE_RUN_TASK, args=[run_id], countdown=countdown)
        Run.objects.filter(pk__in=chunk).update(enqueued_at=timezone.now())


def enqueue_run_ids(run_ids: list[int], *, countdown: float | None = None) -> None:
    """Ring the bell for these runs once the transaction that made them commits."""
    if run_ids:
        # robust: a broker that is down must not undo the commit; the reconciler
        # re-enqueues whatever was not published.
        transaction.on_commit(
            lambda: publish_run_ids(list(run_ids), countdown=countdown), robust=True
        )


# --- Creating, cancelling, re-running ---------------------------------------------------------


def _hold_reason(contest: Contest, author_id: int, provider: str) -> str | None:
    """Why this author's run must wait for budget, or None (one aggregate query).

    The offline preview calls no model and costs nothing, so no budget holds it.
    """
    if provider == Contest.Provider.ECHO:
        return None
    return budget_hold_reason(contest=contest, author_id=author_id)


def _budget_holds(contest: Contest) -> BudgetHolds:
    """`_hold_reason` for every entrant of the contest at once (one grouped query)."""
    if contest.model_provider == Contest.Provider.ECHO:
        return BudgetHolds()
    return contest_budget_holds(contest=contest)


def _start_fields(reason: str | None) -> dict[str, Any]:
    """A run's status, and why it waits if it does, when it is (re)started."""
    if reason:
        return {"status": Run.Status.HELD, "error_code": reason}
    return {"status": Run.Status.QUEUED, "error_code": ""}


@transaction.atomic
def runs_create_for_revision(*, revision: EntryRevision) -> list[Run]:
    """Queue one run per sample task × sample for this revision; cancel the older ones."""
    entry = revision.entry
    contest = entry.contest
    runs_cancel_pending(entry_id=entry.pk, exclude_revision_id=revision.pk)
    start = _start_fields(_hold_reason(contest, entry.author_id, contest.model_provider))
    # Identical requests share one answer only when the contest wants one sample per task;
    # several samples exist precisely to see the model answer differently.
    cached = settings.LLM_RESPONSE_CACHE and contest.samples_per_task == 1
    model_settings = llm.ModelSettings(
        provider=contest.model_provider,
        model=contest.model_name,
        temperature=contest.temperature,
        max_tokens=contest.max_tokens,
    )
    runs = []
    for task in contest.sample_tasks.all():
        messages = build_messages(
            system_prompt=revision.system_prompt,
            prompt_template=revision.prompt_template,
            variables=task.template_variables(),
        )
        key = llm.cache_key(model_settings=model_settings, messages=messages) if cached else ""
        for sample_index in range(contest.samples_per_task):
            runs.append(
                Run(
                    entry=entry,
                    contest=contest,
                    revision=revision,
                    sample_task=task,
                    sample_index=sample_index,
                    provider=contest.model_provider,
                    model=contest.model_name,
                    temperature=contest.temperature,
                    max_tokens=contest.max_tokens,
                    messages=messages,
                    cache_key=key,
                    **start,
                )
            )
    created = Run.objects.bulk_create(runs)
    if start["status"] == Run.Status.QUEUED:
        enqueue_run_ids([run.pk for run in created])
    return created


def runs_cancel_pending(
    *,
    entry_id: int | None = None,
    contest: Contest | None = None,
    exclude_revision_id: int | None = None,
) -> int:
    """Cancel an entry's (or a whole contest's) runs that have not finished.

    A worker holding one of them finds the run changed under it and stores nothing.
    """
    if entry_id is None and contest is None:
        raise ValueError("runs_cancel_pending needs an entry_id or a contest")
    pending = Run.objects.filter(status__in=Run.PENDING)
    if entry_id is not None:
        pending = pending.filter(entry_id=entry_id)
    if contest is not None:
        pending = pending.filter(contest=contest, kind=Run.Kind.ENTRY)
    if exclude_revision_id is not None:
        pending = pending.exclude(revision_id=exclude_revision_id)
    cancelled = pending.update(
        status=Run.Status.CANCELLED, lease_until=None, finished_at=timezone.now()
    )
    if contest is not None:
        _forget_monitor_totals(contest)
    return cancelled


def _forget_monitor_totals(contest: Contest) -> None:
    """The organiser who acted sees their action in the monitor's next totals."""
    transaction.on_commit(lambda: run_monitor_forget(contest))


def _requeue(run_ids: list[int], *, from_status: str, status: str, **changes: Any) -> None:
    """Move these runs from `from_status` to `status` (queued or held); ring for queued."""
    for chunk in _chunks(run_ids):
        Run.objects.filter(pk__in=chunk, status=from_status).update(
            status=status, available_at=timezone.now(), lease_until=None, **changes
        )
    if status == Run.Status.QUEUED:
        enqueue_run_ids(run_ids)


def _by_hold_reason(runs: list[tuple[int, int]], holds: BudgetHolds) -> dict[str | None, list[int]]:
    """Run ids (from `(run id, author id)` pairs) grouped by why they must wait, or None."""
    groups: dict[str | None, list[int]] = defaultdict(list)
    for run_id, author_id in runs:
        groups[holds.reason_for(author_id)].append(run_id)
    return groups


@transaction.atomic
def runs_retry_failed(
    *, requested_by: User, entry: Entry | None = None, contest: Contest | None = None
) -> int:
    """Run the failed runs of an entry's (or every entry's) current revision again.

    Attempts start again from zero; a run whose budget (or entrant's share) is spent waits
    as held. Runs of superseded revisions and withdrawn entries stay as they are. Each
    call that re-runs anything takes one of an entrant's RUN_RETRIES_PER_HOUR
    (`limits.RateLimitedError` once they are used); organisers are not limited. Who may
    ask at all is the caller's business.
    """
    runs: QuerySet[Run]
    if entry is not None:
        runs = Run.objects.filter(entry=entry)
        contest = entry.contest
    elif contest is not None:
        runs = contest_runs(contest)
    else:
        raise ValueError("runs_retry_failed needs an entry or a contest")
    failed = list(
        current_runs(runs)
        .filter(status=Run.Status.FAILED)
        .values_list("pk", "entry__author_id")
        .order_by()
    )
    if not failed:
        return 0
    taken = (
        None
        if is_organiser(requested_by)
        else limits.limit_take(action=limits.RETRY, user_id=requested_by.pk)
    )
    try:
        for reason, ids in _by_hold_reason(failed, _budget_holds(contest)).items():
            _requeue(
                ids,
                from_status=Run.Status.FAILED,
                **_start_fields(reason),
                attempts=0,
                rate_limited_calls=0,
                retry_deadline=None,
                error="",
                started_at=None,
                finished_at=None,
            )
    except BaseException:
        limits.limit_give_back(taken)
        raise
    _forget_monitor_totals(contest)
    return len(failed)


@transaction.atomic
def runs_release_held(*, contest: Contest) -> int:
    """Queue the contest's held runs again where the budget has room; the number released.

    Nothing while the contest's budget is spent; otherwise every held run except those of
    entrants who have spent their share, which stay held and say so.
    """
    holds = _budget_holds(contest)
    if holds.budget_spent:
        return 0
    held = list(
        contest_runs(contest)
        .filter(status=Run.Status.HELD)
        .values_list("pk", "entry__author_id")
        .order_by()
    )
    groups = _by_hold_reason(held, holds)
    released = groups.pop(None, [])
    _requeue(released, from_status=Run.Status.HELD, status=Run.Status.QUEUED, error_code="")
    for reason, ids in groups.items():
        for chunk in _chunks(ids):
            Run.objects.filter(pk__in=chunk, status=Run.Status.HELD).update(error_code=reason)
    _forget_monitor_totals(contest)
    return len(released)


# --- Executing one run ------------------------------------------------------------------------


def run_execute(*, run_id: int) -> None:
    """Claim the run, answer it (from the cache or the model) and store the outcome.

    Safe to call any number of times for the same id: only a queued run that is due can
    be claimed, and only the claim that is still current can store anything.
    """
    run = claims.run_claim(run_id=run_id)
    if run is None:
        return
    attempt = run.attempts
    if _answer_from_cache(run, attempt):
        return
    reason = _run_hold_reason(run)
    if reason:
        _finish(run, attempt, status=Run.Status.HELD, error="", error_code=reason, **_UNCLAIM)
        return
    grant = _throttle(run)
    if grant is not None and not grant.granted:
        _postpone(run, attempt, grant.wait)
        return
    try:
        # The lease is short; a heartbeat renews it while this worker waits on the model.
        with lease.lease_kept(run_id=run.pk, attempt=attempt):
            completion = llm.complete(model_settings=_model_settings(run), messages=run.messages)
    except llm.TransientLLMError as error:
        if error.code == "rate_limited":
            if grant is not None:
                throttle.throttle_record_rate_limited(
                    grant,
                    kind=error.limit_kind,
                    retry_after=error.retry_after,
                    rate_limits=error.rate_limits,
                )
            _wait_or_fail(run, attempt, retry_after=error.retry_after)
        else:
            message, retry_after = error.user_message, error.retry_after
            _retry_or_fail(run, attempt, code=error.code, message=message, retry_after=retry_after)
    except SoftTimeLimitExceeded:
        # Celery's soft time limit: the call hung past every timeout; try again later.
        _retry_or_fail(run, attempt, code="timeout", message=llm.error_message("timeout"))
    except llm.PermanentLLMError as error:
        _fail(run, attempt, code=error.code, message=error.user_message)
    except Exception:
        logger.exception("Run %s failed unexpectedly", run.pk)
        message = error_text(status=Run.Status.FAILED, code="unexpected", attempts=attempt)
        _fail(run, attempt, code="unexpected", message=message)
    else:
        if grant is not None:
            _settle(grant, completion)
        _succeed(run, attempt, completion, from_cache=False)


def _run_hold_reason(run: Run) -> str | None:
    # A preview spends no contest budget: PREVIEWS_PER_HOUR limits it (contest.runs.previews).
    if run.entry is None:
        return None
    return _hold_reason(run.entry.contest, run.entry.author_id, run.provider)


def _throttle(run: Run) -> throttle.Grant | None:
    """The shared rate's answer for this run's call; None for the offline preview, which
    calls no provider and so meets no limit."""
    if run.provider == Contest.Provider.ECHO:
        return None
    tokens = throttle.estimate_tokens(run.messages) + run.max_tokens
    return throttle.throttle_acquire(provider=run.provider, tokens=tokens)


def _settle(grant: throttle.Grant, completion: llm.Completion) -> None:
    """Tell the shared rate the call succeeded, with the tokens it really used."""
    used = None
    if completion.prompt_tokens is not None or completion.completion_tokens is not None:
        used = (completion.prompt_tokens or 0) + (completion.completion_tokens or 0)
    throttle.throttle_record_success(grant, used_tokens=used, rate_limits=completion.rate_limits)


# Giving a claim back without counting it as an attempt: no call was made.
_UNCLAIM: dict[str, Any] = {"attempts": F("attempts") - 1, "lease_until": None, "started_at": None}


def _finish(run: Run, attempt: int, **changes: Any) -> bool:
    """Apply the outcome only if the run is still ours: running, at the attempt we claimed."""
    updated = claims.run_finish(run_id=run.pk, attempt=attempt, changes=changes)
    if not updated:
        logger.info("Run %s changed while attempt %s ran; its outcome is dropped", run.pk, attempt)
    return bool(updated)


def _model_settings(run: Run) -> llm.ModelSettings:
    return llm.ModelSettings(
        provider=run.provider,
        model=run.model,
        temperature=run.temperature,
        max_tokens=run.max_tokens,
    )


def _answer_from_cache(run: Run, attempt: int) -> bool:
    if not (run.cache_key and settings.LLM_RESPONSE_CACHE):
        return False
    source = (
        Run.objects.filter(cache_key=run.cache_key, status=Run.Status.SUCCEEDED)
        .exclude(pk=run.pk)
        .order_by("pk")
        .first()
    )
    if source is None:
        return False
    completion = llm.Completion(
        output=source.output,
        finish_reason=source.finish_reason,
        model=source.response_model,
        prompt_tokens=source.prompt_tokens,
        completion_tokens=source.completion_tokens,
        request_id=source.request_id,
        # The original's time: a reused answer must look like any other to an entrant.
        latency_ms=source.latency_ms or 0,
    )
    _succeed(run, attempt, completion, from_cache=True)
    return True


def _succeed(run: Run, attempt: int, completion: llm.Completion, *, from_cache: bool) -> None:
    # The offline preview echoes the task text: grading that would fail the entrant for
    # what no model wrote, so echo runs are not graded (pages say so).
    checks = run.sample_task.checks if run.sample_task and run.provider != llm.PROVIDER_ECHO else []
    results = [result.as_dict() for result in run_checks(checks, completion.output)]
    cost = (
        Decimal(0)
        if from_cache
        else llm.cost_yen(
            model=completion.model or run.model,
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
        )
    )
    _finish(
        run,
        attempt,
        status=Run.Status.SUCCEEDED,
        output=completion.output,
        finish_reason=completion.finish_reason[:32],
        response_model=completion.model[:100],
        request_id=completion.request_id[:200],
        prompt_tokens=completion.prompt_tokens,
        completion_tokens=completion.completion_tokens,
        latency_ms=completion.latency_ms,
        cost_yen=cost,
        from_cache=from_cache,
        check_results=results,
        checks_passed=all(r["passed"] for r in results) if results else None,
        error="",
        error_code="",
        lease_until=None,
        finished_at=timezone.now(),
    )


def _fail(run: Run, attempt: int, *, code: str, message: str) -> None:
    _finish(
        run,
        attempt,
        status=Run.Status.FAILED,
        error=message,
        error_code=code,
        lease_until=None,
        finished_at=timezone.now(),
    )


def error_text(*, status: str, code: str, attempts: int) -> str:
    """What a run's error says, in the active language, from what is stored about it.

    The worker stores this text in the site's language as the record; pages render it
    again from the code so each reader sees their own language.
    """
    if code == "lease_expired":
        if status == Run.Status.FAILED:
            return ngettext(
                "The run did not finish after %(count)d attempt; the organiser can re-run it.",
                "The run did not finish after %(count)d attempts; the organiser can re-run it.",
                attempts,
            ) % {"count": attempts}
        return gettext("The run stopped before it finished; it will be tried again.")
    if code == "unexpected":
        return gettext("An unexpected error occurred; the organiser can re-run it.")
    if status == Run.Status.FAILED and code == "rate_limited":
        return rate_limit_deadline_message()
    if status == Run.Status.FAILED and code in llm.TRANSIENT_CODES:
        return retries_exhausted_message(attempts)
    return llm.error_message(code)


def run_error_text(run: Run) -> str:
    """The run's error for the reader; a run with no code shows what was stored."""
    if not run.error_code:
        return run.error
    return error_text(status=run.status, code=run.error_code, attempts=run.attempts)


def retries_exhausted_message(attempts: int) -> str:
    return ngettext(
        "The AI service did not answer after %(count)d attempt. "
        "Try “Re-run failed” later; if it keeps failing, tell the contest organiser.",
        "The AI service did not answer after %(count)d attempts. "
        "Try “Re-run failed” later; if it keeps failing, tell the contest organiser.",
        attempts,
    ) % {"count": attempts}


def rate_limit_deadline_message() -> str:
    minutes = max(1, math.ceil(float(settings.LLM_RETRY_DEADLINE_SECONDS) / 60))
    return ngettext(
        "The AI service stayed too busy to answer (its rate limit) for %(count)d minute, so "
        "the run stopped waiting. Try “Re-run failed” later. If this happens often, ask the "
        "administrator to set LLM_REQUESTS_PER_MINUTE and LLM_TOKENS_PER_MINUTE to the API "
        "key's limits, or to have the provider raise them.",
        "The AI service stayed too busy to answer (its rate limit) for %(count)d minutes, so "
        "the run stopped waiting. Try “Re-run failed” later. If this happens often, ask the "
        "administrator to set LLM_REQUESTS_PER_MINUTE and LLM_TOKENS_PER_MINUTE to the API "
        "key's limits, or to have the provider raise them.",
        minutes,
    ) % {"count": minutes}


def _deadline(run: Run) -> datetime:
    """When this run stops retrying: fixed by its first failed call."""
    if run.retry_deadline is not None:
        return run.retry_deadline
    return timezone.now() + timedelta(seconds=float(settings.LLM_RETRY_DEADLINE_SECONDS))


def _retry_or_fail(
    run: Run, attempt: int, *, code: str, message: str, retry_after: float | None = None
) -> None:
    """Back to the queue after a backoff, or failed once the attempts that count (429s do
    not) reach LLM_MAX_ATTEMPTS or the retry deadline has passed, whichever comes first."""
    deadline = _deadline(run)
    counted = attempt - run.rate_limited_calls
    if counted >= settings.LLM_MAX_ATTEMPTS or timezone.now() >= deadline:
        gave_up = error_text(status=Run.Status.FAILED, code=code, attempts=attempt)
        _fail(run, attempt, code=code, message=gave_up)
        return
    delay = llm.backoff_seconds(attempt=counted, retry_after=retry_after)
    _requeue_after(
        run,
        attempt,
        delay,
        lease_until=None,
        error=message,
        error_code=code,
        retry_deadline=deadline,
    )


def _wait_or_fail(run: Run, attempt: int, *, retry_after: float | None) -> None:
    """A 429 is a reason to wait, not an attempt spent: back to the queue at the time the
    provider names (or after a backoff), until the retry deadline; failed only past it."""
    deadline = _deadline(run)
    if timezone.now() >= deadline:
        _fail(run, attempt, code="rate_limited", message=rate_limit_deadline_message())
        return
    delay = llm.backoff_seconds(attempt=run.rate_limited_calls + 1, retry_after=retry_after)
    _requeue_after(
        run,
        attempt,
        delay,
        lease_until=None,
        error=llm.error_message("rate_limited"),
        error_code="rate_limited",
        retry_deadline=deadline,
        rate_limited_calls=F("rate_limited_calls") + 1,
    )


def _postpone(run: Run, attempt: int, wait: float) -> None:
    """Over the shared rate: back to the queue for a later slot, no attempt spent. The run
    shows as waiting for the provider's limit, with its next try."""
    _requeue_after(
        run,
        attempt,
        wait,
        **_UNCLAIM,
        error=llm.error_message("rate_limited"),
        error_code="rate_limited",
    )


def _requeue_after(run: Run, attempt: int, wait: float, **changes: Any) -> None:
    """Back to the queue, due in `wait` seconds; a long wait is left to the reconciler,
    which publishes the run once it is due."""
    due = timezone.now() + timedelta(seconds=wait)
    requeued = _finish(run, attempt, status=Run.Status.QUEUED, available_at=due, **changes)
    if requeued and wait <= MAX_COUNTDOWN_SECONDS:
        enqueue_run_ids([run.pk], countdown=wait)


# --- The reconciler ---------------------------------------------------------------------------


def llm_queue_backlog() -> int | None:
    """Messages waiting in the `llm` queue, or None when the broker cannot say."""
    try:
        with current_app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
            channel: Any = connection.default_channel
            declared = channel.queue_declare(queue=LLM_QUEUE, passive=True)
            return int(declared.message_count)
    except ChannelError:
        return 0  # a queue never declared, or emptied and removed (Redis), holds nothing
    except Exception:  # any broker trouble: unknown
        logger.warning("Could not read the length of the %s queue", LLM_QUEUE, exc_info=True)
        return None


def runs_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Find the runs the broker or a worker lost, and set them going again.

    - running past its lease (the worker died, or hung past its time limit): back to the
      queue, or failed once its attempts reached the cap;
    - queued and due for longer than RUN_REQUEUE_AFTER_SECONDS without a recent message
      (a failed publish, a restarted broker, a killed worker's prefetched message):
      published again, but only once the `llm` queue is empty — while messages wait
      there, the runs behind them are waiting too, not lost, and a second message for
      each would only double the backlog.
    """
    now = now or timezone.now()
    expired = Run.objects.filter(status=Run.Status.RUNNING, lease_until__lt=now)
    failed = _fail_expired(expired, now)
    requeued = list(
        expired.filter(attempts__lt=F("rate_limited_calls") + settings.LLM_MAX_ATTEMPTS)
        .values_list("pk", flat=True)
        .order_by()
    )
    for chunk in _chunks(requeued):
        expired.filter(pk__in=chunk).update(
            status=Run.Status.QUEUED,
            available_at=now,
            lease_until=None,
            error=error_text(status=Run.Status.QUEUED, code="lease_expired", attempts=0),
            error_code="lease_expired",
        )
    cutoff = now - timedelta(seconds=settings.RUN_REQUEUE_AFTER_SECONDS)
    forgotten = Run.objects.filter(status=Run.Status.QUEUED, available_at__lte=cutoff).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=cutoff)
    )
    republished: list[int] = []
    # An unknown backlog (None) counts as empty: a duplicate message costs less than a lost run.
    if forgotten.exists() and not llm_queue_backlog():
        republished = list(
            forgotten.order_by("available_at").values_list("pk", flat=True)[:RECONCILE_BATCH]
        )
    publish_run_ids(requeued + republished)
    return {"failed": failed, "requeued": len(requeued), "republished": len(republished)}


def _fail_expired(expired: QuerySet[Run], now: datetime) -> int:
    """Fail the expired runs that have used every attempt; the message names how many."""
    out_of_attempts = expired.filter(
        attempts__gte=F("rate_limited_calls") + settings.LLM_MAX_ATTEMPTS
    )
    failed = 0
    for attempts in set(out_of_attempts.values_list("attempts", flat=True)):
        message = error_text(status=Run.Status.FAILED, code="lease_expired", attempts=attempts)
        failed += out_of_attempts.filter(attempts=attempts).update(
            status=Run.Status.FAILED,
            error=message,
            error_code="lease_expired",
            lease_until=None,
            finished_at=now,
        )
    return failed
