"""Entry services: every write to an entry, with its rules. Keyword-only, no request.

Each rule raises a `ValidationError` subclass whose message says what is wrong and how
to put it right, so a view can show it as it is and a test can call it with plain values.
"""

import posixpath
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from contest.models import MAX_PROMPT_CHARS, Contest, Entry, EntryRevision
from contest.pii import find_personal_data
from contest.runs.services import runs_cancel_pending, runs_create_for_revision
from contest.selectors import (
    Placeholders,
    contest_placeholders,
    entries_counting_towards_limit,
    entry_by_form_token,
    entry_differs_from_revision,
    entry_snapshot,
)
from contest.templating import placeholders

CONTEST_TIME_ZONE = ZoneInfo("Asia/Tokyo")
MAX_MINUTES = 10_000

# What a form may change on an entry; anything else in `data` is ignored.
ENTRY_DATA_FIELDS = (
    "title",
    "category",
    "purpose",
    "system_prompt",
    "prompt_template",
    "usage_notes",
    "minutes_before",
    "minutes_after",
    "credit",
    "share_in_gallery",
)
# The fields checked for personal data, with the names the form shows.
FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "purpose": gettext_lazy("What the prompt is for"),
    "system_prompt": gettext_lazy("Instructions for the AI (system prompt)"),
    "prompt_template": gettext_lazy("Prompt"),
    "usage_notes": gettext_lazy("How to use it"),
}
PROMPT_FIELDS = ("system_prompt", "prompt_template")
PERSONAL_DATA_FIELDS = ("title", "system_prompt", "prompt_template", "purpose", "usage_notes")


class EntryError(ValidationError):
    """A rule about entries was broken; the message says which and what to do."""


class ContestClosedError(EntryError):
    pass


class EntryLimitError(EntryError):
    pass


class EntryWithdrawnError(EntryError):
    pass


class EntryFormUsedError(Exception):
    """This form already created an entry (a double click or a resent page)."""

    def __init__(self, entry: Entry) -> None:
        super().__init__(f"form already used for entry {entry.pk}")
        self.entry = entry


class ImageFiles(Protocol):
    """A checked image ready to store: `contest.images.CleanImage` or a kept one."""

    @property
    def content(self) -> File: ...

    @property
    def thumbnail(self) -> File: ...


# --- Rules --------------------------------------------------------------------------------


def japan_time(value: datetime) -> str:
    return date_format(timezone.localtime(value, CONTEST_TIME_ZONE), "Y-m-d H:i")


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


def entry_check_limit(*, contest: Contest, author: Any) -> None:
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
    return ", ".join("{{" + name + "}}" for name in names)


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


def personal_data_errors(texts: Mapping[str, str]) -> dict[str, list[ValidationError]]:
    """One error per finding, masked: what kind, in which field, on which line."""
    errors: dict[str, list[ValidationError]] = {}
    for field, text in texts.items():
        findings = find_personal_data(text)
        if not findings:
            continue
        problems = [
            ValidationError(
                _(
                    "This looks like personal data, which must never be sent to an AI model. "
                    "Remove it, or replace it with a made-up example or a placeholder such "
                    "as {{input}}."
                ),
                code="personal_data",
            )
        ]
        for finding in findings:
            problems.append(
                ValidationError(
                    _("%(kind)s in “%(field)s”, line %(line)d: %(masked)s")
                    % {
                        "kind": finding.label,
                        "field": FIELD_LABELS.get(field, field),
                        "line": finding.line,
                        "masked": finding.masked,
                    },
                    code="personal_data",
                )
            )
        errors[field] = problems
    return errors


def _merge(*sources: dict[str, list[ValidationError]]) -> ValidationError | None:
    errors: dict[str, list[ValidationError]] = {}
    for source in sources:
        for field, problems in source.items():
            errors.setdefault(field, []).extend(problems)
    return ValidationError(errors) if errors else None


def _length_errors(texts: Mapping[str, str]) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    for field in PROMPT_FIELDS:
        try:
            validate_prompt_length(texts.get(field, ""))
        except ValidationError as error:
            errors[field] = [error]
    return errors


def entry_safety_errors(texts: Mapping[str, str]) -> ValidationError | None:
    """What must never reach a model: personal data, or a prompt over the size limit."""
    return _merge(
        _length_errors(texts),
        personal_data_errors({f: texts.get(f, "") for f in PERSONAL_DATA_FIELDS}),
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
        personal_data_errors({f: texts.get(f, "") for f in PERSONAL_DATA_FIELDS}),
    )


# --- Writes -------------------------------------------------------------------------------


def _apply(entry: Entry, data: Mapping[str, Any]) -> None:
    for name in ENTRY_DATA_FIELDS:
        if name in data:
            setattr(entry, name, data[name])


def _fresh_contest(contest_id: int) -> Contest:
    # The contest may have closed since the page was loaded; decide on what is stored now.
    # The row lock makes a concurrent close wait for this entry (or this entry for it).
    return Contest.objects.select_for_update().get(pk=contest_id)


def _lock(entry: Entry) -> None:
    """Reload the entry and hold its row until the transaction ends."""
    entry.refresh_from_db(from_queryset=Entry.objects.select_for_update())


def _store_image(entry: Entry, image: ImageFiles) -> None:
    old_names = [name for name in (entry.image.name, entry.thumbnail.name) if name]
    entry.image.save(posixpath.basename(image.content.name or "image"), image.content, save=False)
    entry.thumbnail.save(
        posixpath.basename(image.thumbnail.name or "thumbnail"), image.thumbnail, save=False
    )
    entry.save(update_fields=["image", "thumbnail", "updated_at"])
    if old_names:
        transaction.on_commit(lambda: _delete_files(old_names))


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def entry_create(
    *, contest: Contest, author: Any, data: Mapping[str, Any], form_token: UUID | None
) -> Entry:
    """A new draft. Raises EntryFormUsedError when this form already made an entry."""
    with transaction.atomic():
        # One person's creates wait for each other, so two tabs cannot both take the
        # last place under the limit.
        list(get_user_model().objects.select_for_update().filter(pk=author.pk).values("pk"))
        existing = entry_by_form_token(author=author, form_token=form_token)
        if existing is not None:
            raise EntryFormUsedError(existing)
        fresh = _fresh_contest(contest.pk)
        check_contest_accepts_entries(fresh)
        entry_check_limit(contest=fresh, author=author)
        entry = Entry(contest=contest, author=author, form_token=form_token)
        _apply(entry, data)
        try:
            with transaction.atomic():
                entry.save()
        except IntegrityError:
            # The unique form token is the last line of defence against a double post.
            existing = entry_by_form_token(author=author, form_token=form_token)
            if existing is None:
                raise
            raise EntryFormUsedError(existing) from None
        if data.get("image") is not None:
            _store_image(entry, data["image"])
    return entry


def entry_save(
    *,
    contest: Contest,
    author: Any,
    data: Mapping[str, Any],
    form_token: UUID | None,
    entry: Entry | None = None,
    submit: bool = False,
) -> Entry:
    """Create a draft (or change the working copy of `entry`) and submit it if asked.

    All or nothing: when any step fails, the image files this call stored are removed
    with the rolled-back rows. A revision equal to the last one is not submitted again
    (a second click on "Submit revision" must not pay for every run twice).
    """
    saved = entry
    try:
        with transaction.atomic():
            if entry is None:
                saved = entry_create(
                    contest=contest, author=author, data=data, form_token=form_token
                )
            else:
                entry_update(entry=entry, data=data)
            if submit:
                assert saved is not None
                entry_submit(entry=saved, only_if_changed=entry is not None)
    except BaseException:
        if saved is not None:
            _discard_unsaved_files(saved)
        raise
    assert saved is not None
    return saved


def _discard_unsaved_files(entry: Entry) -> None:
    """Delete the entry's image files that the database does not (or no longer) refer to."""
    stored = Entry.objects.filter(pk=entry.pk).values_list("image", "thumbnail").first()
    kept = set(stored or ())
    _delete_files([n for n in (entry.image.name, entry.thumbnail.name) if n and n not in kept])


def entry_update(*, entry: Entry, data: Mapping[str, Any]) -> Entry:
    """Change the working copy. A submitted entry stays submitted at its last revision."""
    with transaction.atomic():
        _lock(entry)
        check_contest_accepts_entries(_fresh_contest(entry.contest_id))
        check_not_withdrawn(entry)
        _apply(entry, data)
        entry.save()
        if data.get("image") is not None:
            _store_image(entry, data["image"])
    return entry


def entry_submit(*, entry: Entry, only_if_changed: bool = False) -> EntryRevision:
    """Freeze the working copy as revision N+1 and queue its runs, in one transaction.

    With `only_if_changed`, a submitted entry whose text equals its last revision returns
    that revision instead: a second click on "Submit revision" must not pay for every run
    again.
    """
    with transaction.atomic():
        _lock(entry)
        contest = _fresh_contest(entry.contest_id)
        check_contest_accepts_entries(contest)
        check_not_withdrawn(entry)
        # The form checked everything; this last guard keeps personal data from ever
        # reaching a model, whichever way the entry was written.
        problems = entry_safety_errors({f: getattr(entry, f) for f in PERSONAL_DATA_FIELDS})
        if problems:
            raise problems
        latest = entry.revisions.order_by("-number").first()
        if (
            only_if_changed
            and latest is not None
            and entry.status == Entry.Status.SUBMITTED
            and not entry_differs_from_revision(entry, latest)
        ):
            return latest
        now = timezone.now()
        revision = EntryRevision.objects.create(
            entry=entry, number=entry.revision + 1, submitted_at=now, **entry_snapshot(entry)
        )
        entry.revision = revision.number
        entry.status = Entry.Status.SUBMITTED
        entry.submitted_at = now
        entry.save(update_fields=["revision", "status", "submitted_at", "updated_at"])
        runs_create_for_revision(revision=revision)
    return revision


def entry_withdraw(*, entry: Entry) -> None:
    """Take the entry out of the contest and cancel its pending runs; only while open."""
    with transaction.atomic():
        _lock(entry)
        contest = _fresh_contest(entry.contest_id)
        reason = contest_closed_reason(contest)
        if reason:
            raise ContestClosedError(reason, code="contest_closed")
        changed = (
            Entry.objects.filter(pk=entry.pk)
            .exclude(status=Entry.Status.WITHDRAWN)
            .update(status=Entry.Status.WITHDRAWN, updated_at=timezone.now())
        )
        if not changed:
            raise EntryWithdrawnError(_("This entry is already withdrawn."), code="withdrawn")
        runs_cancel_pending(entry_id=entry.pk)
    entry.status = Entry.Status.WITHDRAWN
