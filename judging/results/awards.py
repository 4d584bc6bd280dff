"""Awards: suggested tier by tier from the ranking, decided place by place by an organiser.

A tier is decided when each of its places has a decision: an entry with what the judges
valued in it (評価のポイント, published with the prompt), or the place left empty on
purpose. Decisions change only while the contest shows its results (status `results`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from contest.models import AwardTier, Contest, Entry
from judging.models import Assignment, AwardDecision
from judging.results.ranking import Results
from judging.rules import awards_change_refusal
from judging.services import lock_contest

MAX_RATIONALE_CHARS = 2000


def place_key(tier_id: int, place: int) -> str:
    """The form field (and error key) of one place of a tier."""
    return f"place_{tier_id}_{place}"


@dataclass(frozen=True)
class PlaceChoice:
    """What the organiser chose for one place: an entry, empty on purpose, or nothing yet."""

    tier_id: int
    place: int
    entry_id: int | None = None
    empty: bool = False
    rationale: str = ""

    @property
    def decided(self) -> bool:
        return self.empty or self.entry_id is not None


def award_suggestions(results: Results, tiers: Sequence[AwardTier]) -> dict[tuple[int, int], int]:
    """(tier id, place) → entry id: the ranking's top entries, tier by tier, highest tier
    first; withdrawn entries are skipped."""
    ranked = iter(row for row in results.ranked if not row.withdrawn)
    suggestions: dict[tuple[int, int], int] = {}
    for tier in tiers:
        for place in range(tier.count):
            row = next(ranked, None)
            if row is None:
                return suggestions
            suggestions[(tier.pk, place)] = row.entry.pk
    return suggestions


def _entry_problem(entry: Entry | None, contest: Contest, judged: set[int]) -> str | None:
    if entry is None or entry.contest_id != contest.pk:
        return _("This entry is not part of this contest.")
    if entry.status == Entry.Status.WITHDRAWN:
        return _("“%(title)s” was withdrawn, so it cannot receive an award.") % {
            "title": entry.title
        }
    if entry.pk not in judged:
        return _("“%(title)s” was not judged, so it cannot receive an award.") % {
            "title": entry.title
        }
    return None


def awards_decide(*, contest: Contest, choices: Sequence[PlaceChoice], by: User) -> int:
    """Store the decisions for every place, all or none; a place with nothing chosen has
    its decision removed. Returns how many places are decided.

    Refused, naming the place: an entry of another contest, a withdrawn or unjudged entry,
    the same entry twice, a winner without its 評価のポイント.
    """
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        contest = lock_contest(contest.pk)
        refusal = awards_change_refusal(contest)
        if refusal:
            raise ValidationError(refusal, code="closed")
        tiers = {tier.pk: tier for tier in contest.award_tiers.all()}
        chosen = [c.entry_id for c in choices if c.entry_id is not None]
        entries = Entry.objects.in_bulk(chosen)
        judged = set(
            Assignment.objects.filter(contest=contest, entry_id__in=chosen).values_list(
                "entry_id", flat=True
            )
        )
        seen: set[int] = set()
        for choice in choices:
            key = place_key(choice.tier_id, choice.place)
            tier = tiers.get(choice.tier_id)
            if tier is None or not 0 <= choice.place < tier.count:
                errors.setdefault(key, []).append(_("This award place does not exist."))
                continue
            if choice.entry_id is None:
                continue
            problem = _entry_problem(entries.get(choice.entry_id), contest, judged)
            if problem is None and choice.entry_id in seen:
                problem = _("This entry already has an award: each entry receives one at most.")
            if problem is None and not choice.rationale.strip():
                problem = _("Write what the judges valued in this entry (評価のポイント).")
            if problem is None and len(choice.rationale) > MAX_RATIONALE_CHARS:
                problem = _("Keep it under %(max)d characters.") % {"max": MAX_RATIONALE_CHARS}
            if problem:
                errors.setdefault(key, []).append(problem)
            seen.add(choice.entry_id)
        if errors:
            raise ValidationError(errors)
        AwardDecision.objects.filter(
            contest=contest, tier_id__in=[c.tier_id for c in choices]
        ).delete()
        decisions = [
            AwardDecision(
                contest=contest,
                tier_id=c.tier_id,
                place=c.place,
                entry_id=c.entry_id,
                rationale=c.rationale.strip() if c.entry_id else "",
                decided_by=by,
            )
            for c in choices
            if c.decided
        ]
        AwardDecision.objects.bulk_create(decisions)
    return len(decisions)
