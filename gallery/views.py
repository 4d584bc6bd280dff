from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def gallery_list(request: HttpRequest) -> HttpResponse:
    """The gallery fills when an organiser publishes a contest's results."""
    return render(request, "gallery/list.html", {"prompts": []})
