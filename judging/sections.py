"""What judging adds to the contest's pages, registered in `JudgingConfig.ready()`:
the judge's queue on the home page, judging's part of the organiser's contest page, and an
entrant's own scores on their entry page once the results are published."""

from typing import Any

from django.db.models import Count, Q

from accounts.models import User
from accounts.permissions import is_organiser
from contest.models import Contest, Entry
from judging import selectors
from judging.models import Assignment
from judging.rules import criteria_lock_reason


def judge_home(user: User, contest: Contest | None) -> dict[str, Any] | None:
    """The contests being judged in which this person has entries to score. One query."""
    rows = list(
        Assignment.objects.filter(judge=user, contest__status=Contest.Status.JUDGING)
        .exclude(status=Assignment.Status.WAIVED)
        .values("contest__title")
        .annotate(
            total=Count("pk"),
            submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
        )
        .order_by("contest__closes_at", "contest__title")
    )
    if not rows:
        return None
    return {"contests": rows, "left": sum(row["total"] - row["submitted"] for row in rows)}


def organiser_dashboard(user: User, contest: Contest | None) -> dict[str, Any] | None:
    """Criteria, awards, assignment progress and the links to judging's pages."""
    if contest is None or not is_organiser(user):
        return None
    counts = Assignment.objects.filter(contest=contest).aggregate(
        total=Count("pk"),
        submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
        waived=Count("pk", filter=Q(status=Assignment.Status.WAIVED)),
    )
    criteria = list(contest.criteria.all())
    return {
        "contest": contest,
        "criteria": criteria,
        "weight_total": sum(c.weight for c in criteria),
        "tiers": list(contest.award_tiers.all()),
        "locked": criteria_lock_reason(contest),
        "counts": counts,
        "to_score": counts["total"] - counts["submitted"] - counts["waived"],
        "stage": contest.status,
    }


def entrant_scores(user: User, entry: Entry) -> dict[str, Any] | None:
    scores = selectors.entrant_scores(user, entry)
    return None if scores is None else {"scores": scores}
