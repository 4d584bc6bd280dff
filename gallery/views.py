from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from accounts.http import AuthenticatedHttpRequest


@login_required
def gallery_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The gallery fills when an organiser publishes a contest's results."""
    return render(request, "gallery/list.html", {"prompts": []})
