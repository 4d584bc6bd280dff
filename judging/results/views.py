"""Organiser pages of the outcome: the ranking with its charts, its downloads, and the awards.
Only organisers: these pages name entrants and judges."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import organiser_required
from contest.models import Contest
from judging.forms import EMPTY, AwardsForm
from judging.models import AwardDecision
from judging.results import charts
from judging.results.awards import award_suggestions, awards_decide, place_key
from judging.results.export import CONTENT_TYPES, export_filename, results_export
from judging.results.ranking import Results, contest_results
from judging.rules import awards_change_refusal

INTERVAL_ROWS = 30


def _contest_for_organiser(slug: str) -> Contest:
    return get_object_or_404(Contest, slug=slug)


def _judge_chart(results: Results) -> charts.JudgeChart:
    low = min((c.scale_min for c in results.criteria), default=1)
    high = max((c.scale_max for c in results.criteria), default=5)
    judges = sorted(results.judges, key=lambda row: row.judge.label)
    return charts.judge_chart(
        [(row.judge.label, row.summary.totals, row.summary.mean) for row in judges], low, high
    )


def _interval_chart(results: Results) -> charts.IntervalChart:
    ranked = results.ranked
    rows = [
        (
            row.revision.title,
            row.result.rank or 0,
            row.result.rank_low or row.result.rank or 0,
            row.result.rank_high or row.result.rank or 0,
        )
        for row in ranked[:INTERVAL_ROWS]
    ]
    return charts.interval_chart(rows, len(ranked))


@organiser_required
@require_GET
def judging_results(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    results = contest_results(contest)
    context = {
        "contest": contest,
        "results": results,
        "judge_chart": _judge_chart(results),
        "interval_chart": _interval_chart(results),
        "interval_rows": min(INTERVAL_ROWS, len(results.ranked)),
    }
    return render(request, "judging/organise/results.html", context)


def _download(contest: Contest, fmt: str) -> HttpResponse:
    response = HttpResponse(results_export(contest, fmt), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{export_filename(contest, fmt)}"'
    return response


@organiser_required
@require_GET
def judging_results_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _download(_contest_for_organiser(slug), "csv")


@organiser_required
@require_GET
def judging_results_json(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    return _download(_contest_for_organiser(slug), "json")


def _awards_initial(
    contest: Contest, suggestions: dict[tuple[int, int], int]
) -> tuple[dict[str, str], set[str]]:
    """The form's values: each decision made, else the suggestion; and which are suggested."""
    decided = {(d.tier_id, d.place): d for d in AwardDecision.objects.filter(contest=contest)}
    initial: dict[str, str] = {}
    suggested: set[str] = set()
    for (tier_id, place), entry_id in suggestions.items():
        if (tier_id, place) not in decided:
            initial[place_key(tier_id, place)] = str(entry_id)
            suggested.add(place_key(tier_id, place))
    for (tier_id, place), decision in decided.items():
        key = place_key(tier_id, place)
        initial[key] = str(decision.entry_id) if decision.entry_id else EMPTY
        initial[f"{key}_rationale"] = decision.rationale
    return initial, suggested


@organiser_required
@require_http_methods(["GET", "POST"])
def judging_awards(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Suggested winners from the ranking, tier by tier; the organiser decides each place."""
    contest = _contest_for_organiser(slug)
    results = contest_results(contest)
    tiers = list(contest.award_tiers.all())
    suggestions = award_suggestions(results, tiers)
    initial, suggested = _awards_initial(contest, suggestions)
    choices = [
        (
            str(row.entry.pk),
            _("#%(rank)s %(title)s%(tied)s")
            % {
                "rank": row.result.rank,
                "title": row.revision.title,
                "tied": _(" (tied)") if row.result.tied else "",
            },
        )
        for row in results.ranked
        if not row.withdrawn
    ]
    refusal = awards_change_refusal(contest)
    posted = request.method == "POST"
    form = AwardsForm(
        request.POST if posted else None,
        contest=contest,
        tiers=tiers,
        choices=choices,
        initial=initial,
    )
    if posted and form.is_valid():
        made = form.choices_made()
        if form.is_valid():
            try:
                decided = awards_decide(contest=contest, choices=made, by=request.user)
            except ValidationError as error:
                form.refuse(error)
            else:
                total = sum(tier.count for tier in tiers)
                messages.success(
                    request,
                    _("The awards were saved: %(decided)d of %(total)d places decided.")
                    % {"decided": decided, "total": total},
                )
                return redirect("judging_awards", contest.slug)
    context = {
        "contest": contest,
        "form": form,
        "refusal": refusal,
        "suggested": suggested,
        "results": results,
    }
    return render(request, "judging/organise/awards.html", context, status=400 if posted else 200)
