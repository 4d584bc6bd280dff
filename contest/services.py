"""Entry services: every write to an entry. Keyword-only, no request.

The rules they enforce live in `contest.rules`, so a form can show the same refusal
before anything is written; the services check again on what is committed, under the
contest's row lock.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any, Protocol
from uuid import UUID

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from contest import limits
from contest.models import Contest, Entry, EntryRevision
from contest.rules import (
    ContestClosedError,
    EntryWithdrawnError,
    check_contest_accepts_entries,
    check_not_withdrawn,
    contest_closed_reason,
    entry_check_limit,
    entry_safety_errors,
)
from contest.runs.services import runs_cancel_pending, runs_create_for_revision
from contest.selectors import entry_by_form_token, entry_differs_from_revision, entry_snapshot


class EntryFormUsedError(Exception):
    """This form already created an entry (a double click or a resent page)."""

    def __init__(self, entry: Entry) -> None:
        super().__init__(f"form already used for entry {entry.pk}")
        self.entry = entry


class ImageFiles(Protocol):
    """A checked image ready to store: `contest.images.CleanImage` or a kept one."""

    @property
    def content(self) -> File[bytes]: ...

    @property
    def thumbnail(self) -> File[bytes]: ...


# --- Writes -------------------------------------------------------------------------------


def _apply(entry: Entry, data: Mapping[str, Any]) -> None:
    for name in Entry.FORM_FIELDS:
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
    *, contest: Contest, author: User, data: Mapping[str, Any], form_token: UUID | None
) -> Entry:
    """A new draft. Raises EntryFormUsedError when this form already made an entry."""
    with transaction.atomic():
        # One person's creates wait for each other, so two tabs cannot both take the
        # last place under the limit.
        list(User.objects.select_for_update().filter(pk=author.pk).values("pk"))
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
    author: User,
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
    again. A new revision takes one of the author's ENTRY_SUBMITS_PER_HOUR
    (`limits.RateLimitedError` once they are used); a revision not made takes none.
    """
    with transaction.atomic():
        _lock(entry)
        contest = _fresh_contest(entry.contest_id)
        check_contest_accepts_entries(contest)
        check_not_withdrawn(entry)
        # The form checked everything; this last guard keeps personal data from ever
        # reaching a model, whichever way the entry was written.
        problems = entry_safety_errors({f: getattr(entry, f) for f in Entry.TEXT_FIELDS})
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
        # Last of the checks, so a refusal for any other reason costs no allowance.
        taken = limits.limit_take(action=limits.SUBMIT, user_id=entry.author_id)
        try:
            now = timezone.now()
            revision = EntryRevision.objects.create(
                entry=entry, number=entry.revision + 1, submitted_at=now, **entry_snapshot(entry)
            )
            entry.revision = revision.number
            entry.status = Entry.Status.SUBMITTED
            entry.submitted_at = now
            entry.save(update_fields=["revision", "status", "submitted_at", "updated_at"])
            runs_create_for_revision(revision=revision)
        except BaseException:
            limits.limit_give_back(taken)
            raise
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
