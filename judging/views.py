from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest
from contest.models import Contest


@login_required
def judging_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The contests this person judges. Scoring sheets arrive with the judging issue."""
    contests = (
        Contest.objects.filter(judges=request.user.pk)
        .exclude(status=Contest.Status.DRAFT)
        .order_by("-closes_at")
    )
    return render(request, "judging/home.html", {"contests": contests})
