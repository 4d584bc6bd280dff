"""Run pages: an entry's runs (an htmx partial that polls while runs are pending) and the
organiser's run monitor with its actions. Thin: reads in run_selectors, writes in runs."""

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import organiser_required
from contest.limits import RateLimitedError
from contest.models import Contest, Entry
from contest.runs.previews import preview_runs
from contest.runs.selectors import (
    contest_run_monitor,
    entry_run_grid,
    may_retry_runs,
    preview_grid,
)
from contest.runs.services import runs_cancel_pending, runs_release_held, runs_retry_failed
from contest.selectors import entries_visible_to


def _entry_for_runs(request: AuthenticatedHttpRequest, pk: int) -> Entry:
    """The entry if the person is its author or an organiser; 404 for anyone else."""
    return get_object_or_404(entries_visible_to(request.user), pk=pk)


def _render_entry_runs(
    request: AuthenticatedHttpRequest, entry: Entry, *, refusal: str = ""
) -> HttpResponse:
    context: dict[str, Any] = {
        "grid": entry_run_grid(entry=entry, viewer=request.user),
        "entry": entry,
        "may_retry": may_retry_runs(entry=entry, user=request.user),
        "retry_refusal": refusal,
    }
    # htmx swaps the partial in place; a plain visit gets a whole page around it.
    template = "contest/runs/_entry_runs.html" if request.htmx else "contest/runs/entry_runs.html"
    return render(request, template, context)


@login_required
@require_GET
def entry_runs(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _render_entry_runs(request, _entry_for_runs(request, pk))


@login_required
@require_POST
def entry_retry_failed(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for_runs(request, pk)
    if not may_retry_runs(entry=entry, user=request.user):
        raise PermissionDenied
    try:
        count = runs_retry_failed(entry=entry, requested_by=request.user)
    except RateLimitedError as refused:
        if request.htmx:
            return _render_entry_runs(request, entry, refusal=refused.messages[0])
        messages.error(request, refused.messages[0])
        return redirect("entry_runs", pk=entry.pk)
    if request.htmx:
        return _render_entry_runs(request, entry)
    messages.success(request, _retried_message(count))
    return redirect("entry_runs", pk=entry.pk)


def _retried_message(count: int) -> str:
    return ngettext(
        "%(count)d failed run will be run again.", "%(count)d failed runs will be run again.", count
    ) % {"count": count}


@organiser_required
@require_http_methods(["GET", "POST"])
def run_monitor(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """GET shows the monitor; POST releases the runs held by the budget."""
    contest = get_object_or_404(Contest, slug=slug)
    if request.method == "POST":
        released = runs_release_held(contest=contest)
        if released:
            messages.success(
                request,
                ngettext(
                    "%(count)d held run was released.",
                    "%(count)d held runs were released.",
                    released,
                )
                % {"count": released},
            )
        else:
            messages.warning(
                request,
                _("Nothing was released: raise the budget first, or there are no held runs."),
            )
        return redirect("run_monitor", slug=contest.slug)
    context: dict[str, Any] = {
        "contest": contest,
        "monitor": contest_run_monitor(contest=contest),
    }
    template = "contest/runs/_monitor.html" if request.htmx else "contest/runs/monitor.html"
    return render(request, template, context)


@organiser_required
@require_POST
def contest_retry_failed(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = get_object_or_404(Contest, slug=slug)
    count = runs_retry_failed(contest=contest, requested_by=request.user)
    messages.success(request, _retried_message(count))
    return redirect("run_monitor", slug=contest.slug)


@organiser_required
@require_POST
def contest_cancel_pending(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = get_object_or_404(Contest, slug=slug)
    count = runs_cancel_pending(contest=contest)
    messages.success(
        request,
        ngettext(
            "%(count)d pending run was cancelled.", "%(count)d pending runs were cancelled.", count
        )
        % {"count": count},
    )
    return redirect("run_monitor", slug=contest.slug)


@login_required
@require_GET
def preview_results(request: AuthenticatedHttpRequest, key: UUID) -> HttpResponse:
    """A try's outputs: the partial the entry form polls while they are pending, or a page
    of its own without htmx. Only the person who asked sees it (404 for anyone else)."""
    runs = preview_runs(user=request.user, preview_key=key)
    if not runs:
        raise Http404
    context = {"grid": preview_grid(runs), "preview_key": key}
    partial = "contest/runs/_preview_results.html"
    template = partial if request.htmx else "contest/runs/preview_results.html"
    return render(request, template, context)
