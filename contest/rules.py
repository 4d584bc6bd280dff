"""Entrant rules: what an entry may say and when it may change. No request, no writes.

Each rule raises (or returns) a `ValidationError` whose message says what is wrong and how
to put it right, so a form, a service and a test all get the same words.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from contest.dates import format_datetime
from contest.models import MAX_PROMPT_CHARS, Contest, Entry
from contest.pii import find_personal_data
from contest.selectors import Placeholders, contest_placeholders, entries_counting_towards_limit
from contest.templating import placeholders, tag

MAX_MINUTES = 10_000

# The names the form shows for the fields an entrant writes in words (Entry.TEXT_FIELDS).
FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "purpose": gettext_lazy("What the prompt is for"),
    "system_prompt": gettext_lazy("Instructions for the AI (system prompt)"),
    "prompt_template": gettext_lazy("Prompt"),
    "usage_notes": gettext_lazy("How to use it"),
}


class EntryError(ValidationError):
    """A rule about entries was broken; the message says which and what to do."""


class ContestClosedError(EntryError):
    pass


class EntryLimitError(EntryError):
    pass


class EntryWithdrawnError(EntryError):
    pass


def japan_time(value: datetime) -> str:
    """2025年6月30日（月）17:00: the date in the words of `contest.dates`, era as set."""
    return format_datetime(value, era=settings.JAPANESE_ERA_DATES)


def contest_closed_reason(contest: Contest, now: datetime | None = None) -> str | None:
    """Why the contest does not accept entries now, or None when it does."""
    now = now or timezone.now()
    if contest.accepts_entries(now):
        return None
    if now >= contest.closes_at:
        return _(
            "The deadline for this contest passed on %(when)s (Japan time). Entries can no "
            "longer be created, changed or withdrawn."
        ) % {"when": japan_time(contest.closes_at)}
    if contest.status == Contest.Status.OPEN:
        return _("This contest opens for entries on %(when)s (Japan time).") % {
            "when": japan_time(contest.opens_at)
        }
    return _("This contest is not accepting entries (it is “%(status)s”).") % {
        "status": contest.get_status_display()
    }


def check_contest_accepts_entries(contest: Contest) -> None:
    reason = contest_closed_reason(contest)
    if reason:
        raise ContestClosedError(reason, code="contest_closed")


def entry_start_refusal(*, contest: Contest, author: User) -> str | None:
    """Why `author` cannot start a new entry in `contest` now, or None when they can."""
    refusal = contest_closed_reason(contest)
    if refusal is None:
        try:
            entry_check_limit(contest=contest, author=author)
        except EntryLimitError as error:
            refusal = error.messages[0]
    return refusal


def entry_check_limit(*, contest: Contest, author: User) -> None:
    """Drafts count towards the limit as well as submitted entries; withdrawn ones do not."""
    used = entries_counting_towards_limit(contest=contest, author=author).count()
    limit = contest.max_entries_per_person
    if used >= limit:
        raise EntryLimitError(
            ngettext(
                "You already have %(used)d entry in this contest; the limit is %(limit)d per "
                "person (drafts count too). Edit your entry instead, or withdraw it to make "
                "room for a new one.",
                "You already have %(used)d entries in this contest; the limit is %(limit)d per "
                "person (drafts count too). Edit one of your entries instead, or withdraw one "
                "you no longer need to make room for a new one.",
                used,
            )
            % {"used": used, "limit": limit},
            code="limit",
        )


def check_not_withdrawn(entry: Entry) -> None:
    if entry.status == Entry.Status.WITHDRAWN:
        raise EntryWithdrawnError(
            _(
                "This entry was withdrawn, so it can no longer be changed or submitted. "
                "Create a new entry instead."
            ),
            code="withdrawn",
        )


def validate_prompt_length(text: str) -> None:
    if len(text) > MAX_PROMPT_CHARS:
        raise ValidationError(
            _(
                "This text is %(length)s characters long; the limit is %(limit)s. "
                "Shorten it by %(over)s characters."
            )
            % {
                "length": number_format(len(text), force_grouping=True),
                "limit": number_format(MAX_PROMPT_CHARS, force_grouping=True),
                "over": number_format(len(text) - MAX_PROMPT_CHARS, force_grouping=True),
            },
            code="too_long",
        )


def _braced(names: list[str]) -> str:
    return ", ".join(tag(name) for name in names)


def placeholder_errors(
    *, system_prompt: str, prompt_template: str, coverage: Placeholders
) -> dict[str, list[ValidationError]]:
    """Unknown placeholders, ones only some tasks provide, and a prompt with none at all."""
    errors: dict[str, list[ValidationError]] = {}
    available = _braced(coverage.available)
    for field, text in (("system_prompt", system_prompt), ("prompt_template", prompt_template)):
        used = placeholders(text)
        unknown = [
            n for n in used if n not in coverage.available and n not in coverage.missing_from
        ]
        partial = [n for n in used if n in coverage.missing_from]
        problems = errors.setdefault(field, [])
        if unknown:
            problems.append(
                ValidationError(
                    ngettext(
                        "This placeholder is not provided by this contest's sample tasks: "
                        "%(unknown)s. Check the spelling, or remove it. You can use: "
                        "%(available)s.",
                        "These placeholders are not provided by this contest's sample tasks: "
                        "%(unknown)s. Check the spelling, or remove them. You can use: "
                        "%(available)s.",
                        len(unknown),
                    )
                    % {"unknown": _braced(unknown), "available": available},
                    code="unknown_placeholder",
                )
            )
        for name in partial:
            problems.append(
                ValidationError(
                    _(
                        "%(name)s is not provided by every sample task (it is missing from "
                        "%(tasks)s), so for those tasks your prompt would reach the model with "
                        "the placeholder unfilled. Use only placeholders every task provides: "
                        "%(available)s."
                    )
                    % {
                        "name": _braced([name]),
                        "tasks": ", ".join(coverage.missing_from[name]),
                        "available": available,
                    },
                    code="partial_placeholder",
                )
            )
    if not placeholders(system_prompt) and not placeholders(prompt_template):
        errors.setdefault("prompt_template", []).append(
            ValidationError(
                _(
                    "Your prompt has no placeholder, so the text of each sample task would "
                    "never reach the model. Write {{input}} where the text to work on should "
                    "go, for example: “Summarise the following notice in three lines: "
                    "{{input}}”."
                ),
                code="no_placeholder",
            )
        )
    return {field: problems for field, problems in errors.items() if problems}


def personal_data_messages(text: str, where: str) -> list[str]:
    """One line per piece of personal data in `text`, masked: its kind, where, which line.

    Every refusal says it this way: an entry's fields, and a sample task's in the
    organiser's form, a CSV file (`where` names the row and column) or a bundle (the path).
    """
    return [
        _("%(kind)s in %(where)s, line %(line)d: %(masked)s")
        % {"kind": finding.label, "where": where, "line": finding.line, "masked": finding.masked}
        for finding in find_personal_data(text)
    ]


def quoted(name: str) -> str:
    """A field's name as the messages quote it."""
    return _("“%(name)s”") % {"name": name}


def field_personal_data_errors(
    texts: Iterable[tuple[str, str, str]], *, advice: str
) -> dict[str, list[ValidationError]]:
    """For (field, where, text): per field with findings, `advice` then one line each."""
    errors: dict[str, list[ValidationError]] = {}
    for field, where, text in texts:
        messages = personal_data_messages(text, where)
        if messages:
            problems = errors.setdefault(field, [ValidationError(advice, code="personal_data")])
            problems.extend(ValidationError(message, code="personal_data") for message in messages)
    return errors


def personal_data_errors(texts: Mapping[str, str]) -> dict[str, list[ValidationError]]:
    """An entry's personal data, one error per finding, masked, under the field it is in."""
    return field_personal_data_errors(
        (
            (field, quoted(str(FIELD_LABELS.get(field, field))), text)
            for field, text in texts.items()
        ),
        advice=_(
            "This looks like personal data, which must never be sent to an AI model. "
            "Remove it, or replace it with a made-up example or a placeholder such "
            "as {{input}}."
        ),
    )


def _merge(*sources: dict[str, list[ValidationError]]) -> ValidationError | None:
    errors: dict[str, list[ValidationError]] = {}
    for source in sources:
        for field, problems in source.items():
            errors.setdefault(field, []).extend(problems)
    return ValidationError(errors) if errors else None


def _length_errors(texts: Mapping[str, str]) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    for field in Entry.PROMPT_FIELDS:
        try:
            validate_prompt_length(texts.get(field, ""))
        except ValidationError as error:
            errors[field] = [error]
    return errors


def entry_safety_errors(texts: Mapping[str, str]) -> ValidationError | None:
    """What must never reach a model: personal data, or a prompt over the size limit."""
    return _merge(
        _length_errors(texts),
        personal_data_errors({f: texts.get(f, "") for f in Entry.TEXT_FIELDS}),
    )


def entry_text_errors(*, contest: Contest, texts: Mapping[str, str]) -> ValidationError | None:
    """Every rule about what an entry says, together, so the person sees all at once."""
    return _merge(
        _length_errors(texts),
        placeholder_errors(
            system_prompt=texts.get("system_prompt", ""),
            prompt_template=texts.get("prompt_template", ""),
            coverage=contest_placeholders(contest),
        ),
        personal_data_errors({f: texts.get(f, "") for f in Entry.TEXT_FIELDS}),
    )
