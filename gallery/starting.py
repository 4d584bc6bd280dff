""" "Use as a starting point": a new entry to an open contest, begun from a gallery prompt.

The entry is an ordinary entry, written by `contest.services.entry_save` after the ordinary
entry form checked it (personal data, length, placeholders, the entry limit); this module
only pre-fills that form from the prompt and, in the entry's own transaction, records which
prompt it came from (`GalleryEntrySource`). The record lives on the gallery side because
contest never imports the gallery; the entry page shows it through
`contest.extensions.register_entry_section` (`entry_source_section`).
"""

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from django.db import transaction

from accounts.models import User
from contest import services as contest_services
from contest.models import Contest, Entry
from gallery.models import GalleryEntrySource, GalleryPrompt

# The prompt's fields that the entry form takes over as they are (same names on both).
CARRIED_FIELDS = (
    "title",
    "purpose",
    "system_prompt",
    "prompt_template",
    "usage_notes",
    "minutes_before",
    "minutes_after",
)


def start_contests() -> list[Contest]:
    """The contests accepting entries now, soonest deadline first."""
    return list(Contest.objects.accepting_entries().order_by("closes_at", "pk"))


def entry_initial_from_prompt(*, prompt: GalleryPrompt, contest: Contest) -> dict[str, Any]:
    """The entry form's initial values; the category only when the contest has one by the
    prompt's category name."""
    initial: dict[str, Any] = {name: getattr(prompt, name) for name in CARRIED_FIELDS}
    if prompt.category:
        category = contest.categories.filter(name=prompt.category).first()
        if category is not None:
            initial["category"] = category.pk
    return initial


def entry_start_from_prompt(
    *,
    prompt: GalleryPrompt,
    contest: Contest,
    author: User,
    data: Mapping[str, Any],
    form_token: UUID | None,
    submit: bool,
) -> Entry:
    """Save the entry (a draft, or submitted if asked) and note the prompt it began from.

    Raises what `entry_save` raises (a ValidationError for a broken rule,
    `EntryFormUsedError` when this form already made an entry).
    """
    with transaction.atomic():
        entry = contest_services.entry_save(
            contest=contest, author=author, data=data, form_token=form_token, submit=submit
        )
        GalleryEntrySource.objects.get_or_create(
            entry=entry, defaults={"prompt": prompt, "prompt_title": prompt.title}
        )
    return entry


def entry_source_section(user: User, entry: Entry) -> dict[str, Any] | None:
    """The entry page's note "このプロンプトは「…」をもとに作成されました" (one query).

    Only whoever may see the entry page sees it (the page is scoped already); the link to
    the prompt is offered only while the prompt is published.
    """
    source = (
        GalleryEntrySource.objects.filter(entry=entry)
        .select_related("prompt")
        .only("prompt_title", "prompt__status")
        .first()
    )
    if source is None:
        return None
    prompt = source.prompt
    return {
        "source_title": source.prompt_title,
        "source_prompt_id": prompt.pk if prompt is not None and prompt.is_published else None,
    }
