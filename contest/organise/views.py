"""Organiser pages: contests, their settings, sample tasks and lifecycle. Thin views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import organiser_required
from contest import extensions
from contest.models import Contest, Entry, SampleTask
from contest.organise import lifecycle, rules, selectors
from contest.organise import services as organiser_services
from contest.organise.forms import ContestForm, TaskForm, TaskImportForm
from contest.organise.task_csv import tasks_import_csv
from contest.runs.checks import describe_check


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
def contest_dashboard(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    counts = selectors.entry_counts_by_status(contest=contest)
    tasks = [
        (task, [describe_check(check) for check in task.checks])
        for task in contest.sample_tasks.all()
    ]
    context = {
        "contest": contest,
        "tasks": tasks,
        "categories": contest.categories.all(),
        "judges": contest.judges.select_related("department").order_by("email"),
        "transitions": lifecycle.allowed_transitions(contest),
        "entry_counts": [(label, counts[value]) for value, label in Entry.Status.choices],
        "entry_total": sum(counts.values()),
        "editable": rules.model_settings_editable(contest),
        # What later apps add: judging's criteria, assignments, results and awards.
        "sections": extensions.sections_for(extensions.ORGANISER_DASHBOARD, request.user, contest),
    }
    return render(request, "contest/organiser/dashboard.html", context)


@organiser_required
@require_POST
def contest_transition(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    to_status = request.POST.get("to_status", "")
    try:
        lifecycle.contest_transition(contest=contest, to_status=to_status)
    except lifecycle.TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The contest is now “%(status)s”.") % {"status": contest.get_status_display()},
        )
        for warning in lifecycle.transition_warnings(contest, to_status):
            messages.warning(request, warning)
    return redirect("organiser_contest", contest.slug)


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
            organiser_services.task_create(contest=contest, **form.task_fields())
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
            organiser_services.task_update(task=task, fields=form.task_fields())
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


@organiser_required
def task_import(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    if locked := _tasks_locked(request, contest):
        return locked
    form = TaskImportForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            tasks = tasks_import_csv(contest=contest, data=form.cleaned_data["file"])
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
