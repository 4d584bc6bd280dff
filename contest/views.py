"""Placeholder views: replaced by the real ones (work in progress)."""

from django.http import HttpRequest, HttpResponse


def contest_list(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("contest_list")


def contest_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("contest_detail")


def entry_create(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("entry_create")


def entry_detail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("entry_detail")


def entry_edit(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("entry_edit")


def entry_withdraw(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("entry_withdraw")


def entry_image(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("entry_image")


def entry_thumbnail(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("entry_thumbnail")
