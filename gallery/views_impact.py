"""The impact dashboard: organisers only, per contest or overall (reads in gallery.impact)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.permissions import organiser_required
from contest.models import Contest
from gallery import charts
from gallery.impact import Impact, impact_contests, impact_for


def _render(request: HttpRequest, impact: Impact) -> HttpResponse:
    unnamed = _("No department")
    return render(
        request,
        "gallery/impact/dashboard.html",
        {
            "impact": impact,
            "contest": impact.contest,
            "contests": impact_contests(),
            "department_chart": charts.bar_chart(
                [(row.name or unnamed, row.entries) for row in impact.departments]
            ),
            "category_chart": charts.bar_chart(
                [(name or _("No category"), count) for name, count in impact.categories]
            ),
            "month_chart": charts.column_chart(
                [(row.month.strftime("%Y/%m"), row.hours) for row in impact.months]
            ),
            "unnamed_department": unnamed,
        },
    )


@require_GET
@organiser_required
def gallery_impact(request: HttpRequest) -> HttpResponse:
    return _render(request, impact_for(contest=None))


@require_GET
@organiser_required
def gallery_impact_contest(request: HttpRequest, slug: str) -> HttpResponse:
    contest = get_object_or_404(Contest.objects.exclude(status=Contest.Status.DRAFT), slug=slug)
    return _render(request, impact_for(contest=contest))
