"""Placeholder views: replaced by the real ones (work in progress)."""

from django.http import HttpRequest, HttpResponse


def organiser_home(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("organiser_home")


def contest_create(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("contest_create")


def contest_dashboard(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("contest_dashboard")


def contest_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("contest_edit")


def contest_transition(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("contest_transition")


def task_create(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("task_create")


def task_import(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("task_import")


def task_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("task_edit")


def task_move(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("task_move")
