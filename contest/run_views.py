"""Placeholder views: replaced by the real ones (work in progress)."""

from django.http import HttpRequest, HttpResponse


def entry_runs(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("entry_runs")


def entry_retry_failed(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("entry_retry_failed")


def run_monitor(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("run_monitor")


def contest_retry_failed(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("contest_retry_failed")


def contest_cancel_pending(request: HttpRequest, **kwargs: object) -> HttpResponse:
    return HttpResponse("contest_cancel_pending")
