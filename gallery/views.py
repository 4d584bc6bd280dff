from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def gallery_list(request: HttpRequest) -> HttpResponse:
    """The gallery fills when an organiser publishes a contest's results."""
    return render(request, "gallery/list.html", {"prompts": []})
