"""Organiser pages: contests, their settings, entries, sample tasks and lifecycle. Thin."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import organiser_required
from contest import extensions, uploads
from contest.models import Contest, Entry, SampleTask
from contest.organise import connection, lifecycle, rules, selectors
from contest.organise import services as organiser_services
from contest.organise.entries_csv import entries_csv
from contest.organise.forms import (
    ContestForm,
    EntryFilterForm,
    TaskForm,
    TaskImportForm,
    TransitionConfirmForm,
)
from contest.organise.task_csv import MAX_BYTES, tasks_import_csv
from contest.runs.checks import describe_check
from contest.timeline import contest_timeline

ENTRIES_PER_PAGE = 50


def _contest_for_organiser(slug: str) -> Contest:
    # Organisers share every contest; anyone else never reaches here (organiser_required).
    return get_object_or_404(Contest, slug=slug)


def _task_for_organiser(contest: Contest, pk: int) -> SampleTask:
    return get_object_or_404(SampleTask, contest=contest, pk=pk)


def _posted(request: AuthenticatedHttpRequest) -> QueryDict | None:
    """The POST data, even when empty, so an empty form is still validated."""
    return request.POST if request.method == "POST" else None


@organiser_required
def organiser_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    contests = selectors.contests_for_organiser()
    return render(request, "contest/organiser/home.html", {"contests": contests})


def _contest_form_page(request: AuthenticatedHttpRequest, form: ContestForm) -> HttpResponse:
    """Save a valid form; or re-show it (with what was typed) after an error or a search."""
    # Validation writes the typed values onto the instance; links need the saved ones.
    saved = {"slug": form.instance.slug, "title": form.instance.title} if form.instance.pk else None
    form.searching = "search_judges" in request.POST
    if request.method == "POST" and not form.searching and form.is_valid():
        try:
            contest = organiser_services.contest_save(
                contest=form.save(commit=False),
                categories=form.cleaned_data["categories"],
                judges=form.cleaned_data["judges"],
                created_by=request.user,
            )
        except ValidationError as error:
            # A category still in use, or (by field) what a change of judges would break.
            form.add_error(None if hasattr(error, "error_dict") else "categories", error)
        else:
            messages.success(request, _("The contest settings were saved."))
            if form.suggested_slug and contest.slug == form.suggested_slug:
                messages.info(
                    request,
                    _(
                        "The web address name “%(slug)s” was made from the title. You can "
                        "change it in the settings while the contest is a draft."
                    )
                    % {"slug": contest.slug},
                )
            shortfall = rules.judges_shortfall(
                judge_count=len(form.cleaned_data["judges"]),
                judges_per_entry=contest.judges_per_entry,
            )
            if shortfall:
                messages.warning(request, shortfall)
            return redirect("organiser_contest", contest.slug)
    form.limit_judge_choices(form["judge_search"].value() or "")
    context = {"form": form, "contest": saved}
    return render(request, "contest/organiser/contest_form.html", context)


@organiser_required
def contest_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _contest_form_page(request, ContestForm(_posted(request)))


@organiser_required
def contest_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    return _contest_form_page(request, ContestForm(_posted(request), instance=contest))


@organiser_required
@require_GET
def slug_suggestion(request: AuthenticatedHttpRequest) -> JsonResponse:
    """The web address name the new-contest form suggests while the title is typed."""
    form = ContestForm()
    try:
        opens_at = form.fields["opens_at"].clean(request.GET.get("opens_at") or None)
    except ValidationError:
        opens_at = None
    day = timezone.localdate(opens_at) if opens_at else timezone.localdate()
    title = request.GET.get("title", "")[:200]
    return JsonResponse({"slug": selectors.contest_slug_suggestion(title=title, day=day)})


@organiser_required
def contest_dashboard(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    counts = selectors.entry_counts_by_status(contest=contest)
    tasks = [
        (task, [describe_check(check) for check in task.checks])
        for task in contest.sample_tasks.select_related("personal_data_confirmed_by")
    ]
    judges = list(contest.judges.select_related("department").order_by("email"))
    context = {
        "contest": contest,
        "tasks": tasks,
        "categories": contest.categories.all(),
        "judges": judges,
        "judges_shortfall": rules.judges_shortfall(
            judge_count=len(judges), judges_per_entry=contest.judges_per_entry
        ),
        "transitions": lifecycle.allowed_transitions(contest),
        "confirmed_statuses": lifecycle.CONFIRMED_STATUSES,
        "timeline": contest_timeline(contest),
        "connection_needed": connection.needs_test(contest),
        "connection": connection.connection_result(contest),
        "entry_counts": [(label, counts[value]) for value, label in Entry.Status.choices],
        "entry_total": sum(counts.values()),
        "editable": rules.model_settings_editable(contest),
        # What later apps add: judging's criteria, assignments, results and awards.
        "sections": extensions.sections_for(extensions.ORGANISER_DASHBOARD, request.user, contest),
    }
    return render(request, "contest/organiser/dashboard.html", context)


def _transition_done(request: AuthenticatedHttpRequest, contest: Contest, to_status: str) -> None:
    messages.success(
        request,
        _("The contest is now “%(status)s”.") % {"status": contest.get_status_display()},
    )
    for warning in lifecycle.transition_warnings(contest, to_status):
        messages.warning(request, warning)


@organiser_required
@require_POST
def contest_transition(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One click for the change that loses nothing (back to draft); the others confirm."""
    contest = _contest_for_organiser(slug)
    to_status = request.POST.get("to_status", "")
    if to_status in lifecycle.CONFIRMED_STATUSES:
        return redirect("organiser_contest_confirm", contest.slug, to_status)
    try:
        lifecycle.contest_transition(contest=contest, to_status=to_status)
    except lifecycle.TransitionError as error:
        messages.error(request, error.message)
    else:
        _transition_done(request, contest, to_status)
    return redirect("organiser_contest", contest.slug)


@organiser_required
@require_http_methods(["GET", "POST"])
def contest_transition_confirm(
    request: AuthenticatedHttpRequest, slug: str, to_status: str
) -> HttpResponse:
    """What the change does and what comes next; the change itself once confirmed.

    Opening tests the model connection first (or takes a test from the last minutes);
    when it failed, the organiser must tick "open anyway".
    """
    contest = _contest_for_organiser(slug)
    if to_status not in lifecycle.CONFIRMED_STATUSES:
        raise Http404
    problem = lifecycle.transition_problem(contest, to_status)
    check = None
    if to_status == Contest.Status.OPEN and problem is None and connection.needs_test(contest):
        check = organiser_services.contest_connection_recent_or_test(contest=contest)
    form = TransitionConfirmForm(
        _posted(request), needs_override=check is not None and not check.ok
    )
    if request.method == "POST" and problem is None and form.is_valid():
        try:
            lifecycle.contest_transition(contest=contest, to_status=to_status)
        except lifecycle.TransitionError as error:
            problem = error
        else:
            _transition_done(request, contest, to_status)
            return redirect("organiser_contest", contest.slug)
    context = {
        "contest": contest,
        "to_status": to_status,
        "action": lifecycle.ACTION_LABELS[to_status],
        "target_label": Contest.Status(to_status).label,
        "problem": problem.message if problem else "",
        "consequences": lifecycle.transition_consequences(contest, to_status),
        "judges_shortfall": (
            rules.judges_shortfall(
                judge_count=contest.judges.count(), judges_per_entry=contest.judges_per_entry
            )
            if to_status == Contest.Status.JUDGING
            else None
        ),
        "check": check,
        "form": form,
        "timeline": contest_timeline(contest),
    }
    return render(request, "contest/organiser/transition_confirm.html", context)


@organiser_required
@require_POST
def contest_connection_test(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """One cheap call with the contest's model settings; the result shows where it came from."""
    contest = _contest_for_organiser(slug)
    if not connection.needs_test(contest):
        messages.info(request, _("Offline preview calls no AI model, so there is nothing to test."))
    else:
        result = organiser_services.contest_connection_test(contest=contest)
        if result.ok:
            messages.success(
                request,
                _("The connection test succeeded in %(ms)d ms.") % {"ms": result.latency_ms or 0},
            )
        else:
            messages.error(
                request, _("The connection test failed: %(reason)s") % {"reason": result.message}
            )
    if request.POST.get("return_to") == "open":
        return redirect("organiser_contest_confirm", contest.slug, Contest.Status.OPEN)
    return redirect(reverse("organiser_contest", args=[contest.slug]) + "#connection-heading")


# --- Entries ------------------------------------------------------------------------------


@organiser_required
@require_GET
def contest_entries(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    form = EntryFilterForm(request.GET, contest=contest)
    entries = selectors.contest_entries(contest=contest, filters=form.filters())
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"contest": contest, "form": form, "page": page}
    return render(request, "contest/organiser/entries.html", context)


@organiser_required
@require_GET
def contest_entries_csv(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """The entries page's rows, every page of them, with the same filters."""
    contest = _contest_for_organiser(slug)
    form = EntryFilterForm(request.GET, contest=contest)
    entries = selectors.contest_entries(contest=contest, filters=form.filters())
    data = entries_csv(
        entries,
        entry_url=lambda entry: request.build_absolute_uri(
            reverse("entry_detail", args=[entry.pk])
        ),
    )
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    filename = f"entries-{contest.slug}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _tasks_locked(request: AuthenticatedHttpRequest, contest: Contest) -> HttpResponse | None:
    """A redirect with the reason when the contest's tasks can no longer change."""
    try:
        rules.ensure_tasks_editable(contest)
    except ValidationError as error:
        messages.error(request, error.message)
        return redirect("organiser_contest", contest.slug)
    return None


@organiser_required
def task_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    if locked := _tasks_locked(request, contest):
        return locked
    form = TaskForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            organiser_services.task_create(
                contest=contest,
                confirmation=form.confirmation(request.user),
                **form.task_fields(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The sample task was added."))
            return redirect("organiser_contest", contest.slug)
    return render(request, "contest/organiser/task_form.html", {"contest": contest, "form": form})


@organiser_required
def task_edit(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    task = _task_for_organiser(contest, pk)
    if locked := _tasks_locked(request, contest):
        return locked
    form = TaskForm(_posted(request), instance=task)
    if request.method == "POST" and form.is_valid():
        try:
            organiser_services.task_update(
                task=task, fields=form.task_fields(), confirmation=form.confirmation(request.user)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The sample task was saved."))
            return redirect("organiser_contest", contest.slug)
    context = {"contest": contest, "form": form, "task": task}
    return render(request, "contest/organiser/task_form.html", context)


@organiser_required
@require_POST
def task_move(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    task = _task_for_organiser(contest, pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        return HttpResponseBadRequest(_("Choose “up” or “down”."))
    if locked := _tasks_locked(request, contest):
        return locked
    organiser_services.task_move(task=task, direction=direction)
    return redirect("organiser_contest", contest.slug)


@organiser_required
@require_POST
def task_delete(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    task = _task_for_organiser(contest, pk)
    try:
        organiser_services.task_delete(task=task)
    except ValidationError as error:
        messages.error(request, error.message)
        return redirect("organiser_task_edit", contest.slug, task.pk)
    messages.success(request, _("The sample task was deleted."))
    return redirect("organiser_contest", contest.slug)


@uploads.upload_limit(MAX_BYTES)
@organiser_required
def task_import(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    if locked := _tasks_locked(request, contest):
        return locked
    form = TaskImportForm(
        _posted(request),
        request.FILES or None,
        file_too_large=uploads.refused_upload(request) is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            tasks = tasks_import_csv(
                contest=contest,
                data=form.cleaned_data["file"],
                confirmation=form.confirmation(request.user),
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)d sample task was imported.",
                    "%(count)d sample tasks were imported.",
                    len(tasks),
                )
                % {"count": len(tasks)},
            )
            return redirect("organiser_contest", contest.slug)
    return render(request, "contest/organiser/task_import.html", {"contest": contest, "form": form})
