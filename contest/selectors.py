"""Reads for the staff pages, each scoped to the person asking (see STYLE.md)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django_stubs_ext import StrOrPromise

from accounts.models import User
from accounts.permissions import is_organiser
from contest.diffs import text_diff
from contest.models import Contest, Entry, EntryRevision, SampleTask

# --- Contests -----------------------------------------------------------------------------


def contests_visible_to(user: User) -> QuerySet[Contest]:
    """Every signed-in person sees contests once they leave draft; organisers see drafts."""
    contests = Contest.objects.all()
    if not is_organiser(user):
        contests = contests.exclude(status=Contest.Status.DRAFT)
    return contests


def contest_list_for(user: User) -> tuple[list[Contest], list[Contest]]:
    """(accepting entries, soonest deadline first; the others, newest first).

    One query whatever the number of contests: the person's own entry count is annotated.
    """
    now = timezone.now()
    accepting = Contest.accepting_entries_q(now)
    contests = contests_visible_to(user).annotate(
        accepting_now=Case(
            When(accepting, then=Value(True)), default=Value(False), output_field=BooleanField()
        ),
        my_entry_count=Count(
            "entries",
            filter=Q(entries__author=user) & ~Q(entries__status=Entry.Status.WITHDRAWN),
        ),
    )
    open_ones: list[Contest] = []
    others: list[Contest] = []
    for contest in contests.order_by("closes_at"):
        (open_ones if contest.accepting_now else others).append(contest)
    others.sort(key=lambda c: c.opens_at, reverse=True)
    return open_ones, others


def contest_for_viewer(user: User, slug: str) -> Contest:
    """The contest, or 404 when it does not exist or is a draft the person may not see."""
    return get_object_or_404(contests_visible_to(user), slug=slug)


def tasks_for_entrants(contest: Contest) -> list[SampleTask]:
    """Only the sample tasks an entrant may read; hidden ones stay secret."""
    return list(contest.sample_tasks.filter(visible_to_entrants=True))


def hidden_task_count(contest: Contest) -> int:
    return contest.sample_tasks.filter(visible_to_entrants=False).count()


# --- Placeholders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Placeholders:
    """Which `{{name}}` a prompt may use: only what every sample task provides."""

    available: list[str]
    # name -> the tasks that lack it (hidden tasks are counted, never named)
    missing_from: dict[str, list[str]] = field(default_factory=dict)


def placeholder_coverage(tasks: Iterable[SampleTask]) -> Placeholders:
    """`input` always, plus each variable that every task provides. Pure: no query."""
    tasks = list(tasks)
    names_per_task = [set(task.template_variables()) for task in tasks]
    every = set.intersection(*names_per_task) if names_per_task else set()
    some = set.union(*names_per_task) if names_per_task else set()
    available = ["input", *sorted(every - {"input"})]
    missing_from: dict[str, list[str]] = {}
    for name in sorted(some - every):
        lacking = [t for t, names in zip(tasks, names_per_task, strict=True) if name not in names]
        missing_from[name] = _task_labels(lacking)
    return Placeholders(available=available, missing_from=missing_from)


def _task_labels(tasks: list[SampleTask]) -> list[str]:
    labels = [
        _("“%(title)s”") % {"title": task.title} for task in tasks if task.visible_to_entrants
    ]
    hidden = sum(1 for task in tasks if not task.visible_to_entrants)
    if hidden:
        labels.append(
            ngettext("%(count)d hidden sample task", "%(count)d hidden sample tasks", hidden)
            % {"count": hidden}
        )
    return labels


def contest_placeholders(contest: Contest) -> Placeholders:
    # All tasks, hidden ones included: every task is run, so every task must fill it.
    return placeholder_coverage(
        contest.sample_tasks.only("contest", "title", "input", "variables", "visible_to_entrants")
    )


# --- Entries --------------------------------------------------------------------------------


def entries_counting_towards_limit(*, contest: Contest, author: User) -> QuerySet[Entry]:
    """Drafts count as well as submitted entries; withdrawn ones free their place."""
    return Entry.objects.filter(contest=contest, author=author).exclude(
        status=Entry.Status.WITHDRAWN
    )


def entries_of_author(*, contest: Contest, author: User) -> QuerySet[Entry]:
    return (
        Entry.objects.filter(contest=contest, author=author)
        .select_related("category")
        .order_by("created_at")
    )


def entries_visible_to(user: User) -> QuerySet[Entry]:
    """Entry pages: the author and organisers. Judges get their own blind view."""
    entries = Entry.objects.select_related("contest", "category", "author")
    if is_organiser(user):
        return entries
    return entries.filter(author=user)


def entry_by_form_token(*, author: User, form_token: UUID | None) -> Entry | None:
    if form_token is None:
        return None
    return Entry.objects.filter(author=author, form_token=form_token).first()


def entry_revisions(entry: Entry) -> list[EntryRevision]:
    return list(entry.revisions.order_by("-number"))


def entry_snapshot(entry: Entry) -> dict[str, Any]:
    """What an EntryRevision freezes of the working copy, by the revision's field names."""
    snapshot = {name: getattr(entry, name) for name in EntryRevision.SNAPSHOT_FIELDS}
    snapshot["category_name"] = entry.category.name if entry.category else ""
    return snapshot


def entry_differs_from_revision(entry: Entry, revision: EntryRevision | None) -> bool:
    """Whether the working copy has changes that were never submitted."""
    if revision is None:
        return True
    return any(getattr(revision, name) != value for name, value in entry_snapshot(entry).items())


# --- Revisions compared -------------------------------------------------------------------

# What a revision page and a comparison show, in the order of the entry form.
REVISION_FIELDS: tuple[tuple[str, StrOrPromise], ...] = (
    # The entry form's labels (contest.rules.FIELD_LABELS, which imports this module).
    ("title", gettext_lazy("Title")),
    ("category_name", gettext_lazy("Category")),
    ("purpose", gettext_lazy("What the prompt is for")),
    ("system_prompt", gettext_lazy("Instructions for the AI (system prompt)")),
    ("prompt_template", gettext_lazy("Prompt")),
    ("usage_notes", gettext_lazy("How to use it")),
    ("minutes_before", gettext_lazy("Minutes the task took without AI")),
    ("minutes_after", gettext_lazy("Minutes the task takes with this prompt")),
)


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: StrOrPromise
    html: SafeString
    changed: bool
    added: int
    removed: int


def entry_revision(entry: Entry, number: int) -> EntryRevision:
    """One of the entry's revisions by its number, or 404."""
    return get_object_or_404(EntryRevision, entry=entry, number=number)


def revision_diff(old: EntryRevision, new: EntryRevision) -> list[FieldChange]:
    """Every field of two revisions compared (contest.diffs), in the entry form's order."""
    changes = []
    for name, label in REVISION_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        diff = text_diff("" if before is None else str(before), "" if after is None else str(after))
        changes.append(
            FieldChange(
                name=name,
                label=label,
                # contest.diffs escapes every piece of text it puts in its HTML.
                html=mark_safe(diff.html),  # noqa: S308
                changed=diff.changed,
                added=diff.added,
                removed=diff.removed,
            )
        )
    return changes
