"""Preview runs: trying a prompt that is not submitted ("試しに実行" on the entry form, the
gallery's "try it"). One mechanism for both, on the same engine as contest runs.

A preview run belongs to no entry and no revision (`Run.Kind.PREVIEW`): it stores nothing
in a contest, never counts for judging, budgets or tallies (every such read asks for
`Run.objects.entry_runs()` or goes through an entry or a revision), and is purged after
PREVIEW_RETENTION_DAYS. What is sent is checked for personal data first, and each person
may try PREVIEWS_PER_HOUR times an hour (`limits.PREVIEW`). The runs are created `queued`
and enqueued with the same robust `on_commit` as an entry's, so the same Celery task,
throttle, retries and reconciler carry them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contest import limits
from contest.models import Contest, Run, SampleTask
from contest.rules import entry_safety_errors, field_personal_data_errors, quoted
from contest.runs import llm
from contest.runs.selectors import HOLD_BUDGET, budget_hold_reason
from contest.runs.services import enqueue_run_ids
from contest.templating import build_messages

# What a preview without a contest is made with (the defaults of a new contest).
PREVIEW_TEMPERATURE = 0.2
PREVIEW_MAX_TOKENS = 800


@dataclass(frozen=True)
class PreviewInput:
    """One run of a try: the variables that fill the prompt, and where they come from.

    `sample_task` gives its own variables and checks (the entry form); without one,
    `variables` are what the person typed (the gallery) and `label` names the row;
    `variable_labels` names each variable in a refusal (else `label`, else its name).
    """

    variables: Mapping[str, str]
    sample_task: SampleTask | None = None
    label: str = ""
    variable_labels: Mapping[str, str] = field(default_factory=dict)


def preview_model_settings(contest: Contest | None) -> llm.ModelSettings:
    """The contest's model settings, or the site's (LLM_PROVIDER, LLM_MODEL)."""
    if contest is not None:
        return llm.ModelSettings(
            provider=contest.model_provider,
            model=contest.model_name,
            temperature=contest.temperature,
            max_tokens=contest.max_tokens,
        )
    return llm.ModelSettings(
        provider=settings.LLM_PROVIDER,
        model=settings.LLM_MODEL,
        temperature=PREVIEW_TEMPERATURE,
        max_tokens=PREVIEW_MAX_TOKENS,
    )


def preview_inputs_for_tasks(tasks: Sequence[SampleTask]) -> list[PreviewInput]:
    return [PreviewInput(variables=task.template_variables(), sample_task=task) for task in tasks]


def _personal_data(
    system_prompt: str, prompt_template: str, inputs: Sequence[PreviewInput]
) -> ValidationError | None:
    """The same refusal as the entry form's: under the field, its line, masked. What a
    sample task provides was checked (or confirmed) by the organiser; what a person typed
    into a try is checked here."""
    problems = entry_safety_errors(
        {"system_prompt": system_prompt, "prompt_template": prompt_template}
    )
    typed = field_personal_data_errors(
        (
            (
                "inputs",
                quoted(item.variable_labels.get(name) or item.label or name),
                value,
            )
            for item in inputs
            if item.sample_task is None
            for name, value in item.variables.items()
        ),
        advice=_(
            "This looks like personal data, which must never be sent to an AI model. "
            "Replace it with a made-up example."
        ),
    )
    if typed:
        errors = dict(problems.error_dict) if problems is not None else {}
        for field, found in typed.items():
            errors.setdefault(field, []).extend(found)
        return ValidationError(errors)
    return problems


def runs_create_preview(
    *,
    user: User,
    system_prompt: str,
    prompt_template: str,
    inputs: Sequence[PreviewInput],
    contest: Contest | None = None,
    model_settings: llm.ModelSettings | None = None,
) -> UUID:
    """Queue one preview run per input and return the try's key (`preview_runs` reads it).

    The model is `model_settings`, else the contest's, else the site's. Raises
    ValidationError (with `error_dict` by field, as the entry form shows it) when the text
    holds personal data or is too long, `limits.RateLimitedError` when the person has
    used PREVIEWS_PER_HOUR, and ValidationError(code="budget_spent") when the contest's
    model budget is spent. Nothing is written when it raises.
    """
    if not inputs:
        raise ValueError("runs_create_preview needs at least one input")
    problems = _personal_data(system_prompt, prompt_template, inputs)
    if problems is not None:
        raise problems
    chosen = model_settings or preview_model_settings(contest)
    if (
        contest is not None
        and chosen.provider != Contest.Provider.ECHO
        and budget_hold_reason(contest=contest, author_id=user.pk) == HOLD_BUDGET
    ):
        raise ValidationError(
            _(
                "The contest's model budget is spent, so nothing can be tried now. "
                "The organisers can raise it."
            ),
            code="budget_spent",
        )
    key = uuid4()
    taken = limits.limit_take(action=limits.PREVIEW, user_id=user.pk)
    try:
        with transaction.atomic():
            runs = []
            for item in inputs:
                messages = build_messages(
                    system_prompt=system_prompt,
                    prompt_template=prompt_template,
                    variables=dict(item.variables),
                )
                cache = (
                    llm.cache_key(model_settings=chosen, messages=messages)
                    if settings.LLM_RESPONSE_CACHE
                    else ""
                )
                runs.append(
                    Run(
                        kind=Run.Kind.PREVIEW,
                        contest=contest,
                        requested_by=user,
                        preview_key=key,
                        sample_task=item.sample_task,
                        preview_label=item.label[:200],
                        provider=chosen.provider,
                        model=chosen.model,
                        temperature=chosen.temperature,
                        max_tokens=chosen.max_tokens,
                        messages=messages,
                        cache_key=cache,
                    )
                )
            created = Run.objects.bulk_create(runs)
            enqueue_run_ids([run.pk for run in created])
    except BaseException:
        limits.limit_give_back(taken)
        raise
    return key


def preview_runs(*, user: User, preview_key: UUID) -> list[Run]:
    """One try's runs, in the order they were asked for; only the person who asked sees
    them (anyone else gets an empty list)."""
    return list(
        Run.objects.previews()
        .filter(preview_key=preview_key, requested_by=user)
        .select_related("sample_task")
        .order_by("pk")
    )


def runs_purge_previews(*, now: datetime | None = None) -> int:
    """Delete preview runs older than PREVIEW_RETENTION_DAYS; the number deleted."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.PREVIEW_RETENTION_DAYS)
    deleted, _by_model = Run.objects.previews().filter(created_at__lt=cutoff).delete()
    return deleted
