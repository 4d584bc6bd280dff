"""Judging rules: when a sheet, the criteria or the awards may change, and what the contest
needs before results and publication. No writes.

Each returns the reason in words the reader acts on (or None), so a page can show it
before anything is pressed and a service refuses with the same words.
"""

from django.db.models import Count
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from contest.models import Contest, Entry
from judging.models import Assignment, AwardDecision, ScoreSheet

Status = Contest.Status


def join_sentences(sentences: list[str]) -> str:
    # Japanese sentences run on without a space; English ones need one.
    return ("" if (get_language() or "").startswith("ja") else " ").join(sentences)


def sheet_change_refusal(assignment: Assignment, contest: Contest) -> str | None:
    """Why the judge may not change this sheet now, or None."""
    if contest.status != Status.JUDGING:
        return _(
            "Judging has ended for this contest (it is now “%(status)s”), so score sheets "
            "can no longer change."
        ) % {"status": contest.get_status_display()}
    if assignment.status == Assignment.Status.WAIVED:
        return _("The organisers waived this assignment, so it is not scored.")
    return None


def assignment_change_refusal(contest: Contest) -> str | None:
    """Why assignments cannot be added, removed or waived now, or None."""
    if contest.status != Status.JUDGING:
        return _(
            "Assignments can change only while the contest is being judged (it is now "
            "“%(status)s”)."
        ) % {"status": contest.get_status_display()}
    return None


def criteria_lock_reason(contest: Contest) -> str | None:
    """Criteria and award tiers change until a judge starts a sheet or an award is decided.

    Every sheet must be scored on the same criteria, and a decided award belongs to its
    tier.
    """
    sheets = ScoreSheet.objects.filter(assignment__contest=contest).count()
    if sheets:
        return ngettext(
            "Locked: a judge has started %(count)d score sheet, and every sheet must be "
            "scored on the same criteria.",
            "Locked: judges have started %(count)d score sheets, and every sheet must be "
            "scored on the same criteria.",
            sheets,
        ) % {"count": sheets}
    if AwardDecision.objects.filter(contest=contest).exists():
        return _("Locked: awards have already been decided for these tiers.")
    return None


def awards_change_refusal(contest: Contest) -> str | None:
    if contest.status == Status.RESULTS:
        return None
    if contest.status == Status.PUBLISHED:
        return _("The results are published, so the awards can no longer change.")
    return _(
        "Awards are decided once judging has finished: move the contest to “%(status)s” first."
    ) % {"status": Status.RESULTS.label}


# --- Lifecycle guards (registered in JudgingConfig.ready) --------------------------------


def judging_guard(contest: Contest) -> str | None:
    """Too few judges for the entries submitted: said before the button is pressed. Every
    other reason the assignment could fail is given when judging starts (and on the
    assignments page while the contest is open)."""
    if not contest.entries.filter(status=Entry.Status.SUBMITTED).exists():
        return None
    judges = contest.judges.count()
    if judges >= contest.judges_per_entry:
        return None
    return ngettext(
        "Each entry needs %(k)d judges, but %(count)d judge is chosen. Choose more judges in "
        "the settings, or lower the number of judges per entry.",
        "Each entry needs %(k)d judges, but %(count)d judges are chosen. Choose more judges "
        "in the settings, or lower the number of judges per entry.",
        judges,
    ) % {"k": contest.judges_per_entry, "count": judges}


def results_guard(contest: Contest) -> str | None:
    """Judging ends only when every assignment is submitted or waived."""
    rows = (
        Assignment.objects.filter(contest=contest, status=Assignment.Status.OPEN)
        .values("judge__display_name", "judge__email")
        .annotate(n=Count("pk"))
        .order_by("-n", "judge__email")
    )
    behind = [(row["judge__display_name"] or row["judge__email"], row["n"]) for row in rows]
    if not behind:
        return None
    total = sum(n for _name, n in behind)
    judges = ", ".join(f"{name} ({n})" for name, n in behind)
    return join_sentences(
        [
            ngettext(
                "%(count)d assignment is not scored yet (%(judges)s).",
                "%(count)d assignments are not scored yet (%(judges)s).",
                total,
            )
            % {"count": total, "judges": judges},
            _("Wait for the judges, or waive an assignment with a reason on the assignments page."),
        ]
    )


def publish_guard(contest: Contest) -> str | None:
    """Results are published only when every place of every award tier is decided (an
    entry, or left empty on purpose)."""
    tiers = contest.award_tiers.annotate(decided=Count("decisions")).order_by("position", "pk")
    missing = [tier for tier in tiers if tier.decided < tier.count]
    if not missing:
        return None
    listed = ", ".join(
        _("%(tier)s (%(decided)d of %(count)d places)")
        % {"tier": tier.name, "decided": tier.decided, "count": tier.count}
        for tier in missing
    )
    return _("Decide every award place first, or leave a place empty on purpose: %(tiers)s.") % {
        "tiers": listed
    }
