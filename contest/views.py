"""Staff pages: contests, the entry form, an entry's page and its image. Thin: the rules
live in `contest.services`, the reads in `contest.selectors`."""

import posixpath
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.permissions import is_organiser
from contest import (
    entry_posts,
    extensions,
    images,
    pending_images,
    rules,
    selectors,
    services,
    uploads,
)
from contest import home as home_reads
from contest.forms import ACTION_SUBMIT, ACTION_TRY, EntryForm
from contest.models import Contest, Entry, SampleTask
from contest.runs.previews import (
    preview_inputs_for_tasks,
    preview_runs,
    runs_create_preview,
)
from contest.runs.selectors import EntryRuns, entry_run_grid, may_retry_runs, preview_grid
from contest.templating import tag
from contest.timeline import contest_timeline

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}

# --- Access helpers: 404 for anyone who may not see the entry, so existence never leaks --


def _entry_for_viewer(request: AuthenticatedHttpRequest, pk: int) -> Entry:
    return get_object_or_404(selectors.entries_visible_to(request.user), pk=pk)


def _entry_for_author(request: AuthenticatedHttpRequest, pk: int) -> Entry:
    return get_object_or_404(
        Entry.objects.select_related("contest", "category"), pk=pk, author=request.user
    )


def _change_refusal(entry: Entry) -> str | None:
    """Why the author may not change or withdraw this entry now, or None."""
    if entry.status == Entry.Status.WITHDRAWN:
        return _("This entry was withdrawn, so it can no longer be changed.")
    return rules.contest_closed_reason(entry.contest)


# --- Home and contests ----------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what the platform is and what signing in opens. Signed in: my entries
    and their runs, the contests open now, what later apps add (a judge's queue) and, for
    organisers, the contests in progress. A fixed number of queries (contest/home.py)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return render(request, "home.html", {"open_contests": home_reads.open_contests(None)})
    my_entries, more_entries = home_reads.entries_with_runs(user)
    return render(
        request,
        "home.html",
        {
            "open_contests": home_reads.open_contests(user),
            "my_entries": my_entries,
            "more_entries": more_entries,
            "sections": extensions.sections_for(extensions.HOME, user),
            "in_progress": home_reads.contests_in_progress() if is_organiser(user) else None,
        },
    )


@login_required
@require_GET
def contest_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    open_contests, other_contests = selectors.contest_list_for(request.user)
    return render(
        request,
        "contest/list.html",
        {"open_contests": open_contests, "other_contests": other_contests},
    )


@login_required
@require_GET
def contest_detail(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = selectors.contest_for_viewer(request.user, slug)
    my_entries = list(selectors.entries_of_author(contest=contest, author=request.user))
    used = sum(1 for e in my_entries if e.status != Entry.Status.WITHDRAWN)
    places_left = max(contest.max_entries_per_person - used, 0)
    closed_reason = rules.contest_closed_reason(contest)
    coverage = selectors.contest_placeholders(contest)
    tasks = selectors.tasks_for_entrants(contest)
    # A name only hidden tasks provide would tell entrants something about those tasks.
    visible_names = {name for task in tasks for name in task.template_variables()}
    return render(
        request,
        "contest/detail.html",
        {
            "contest": contest,
            "timeline": contest_timeline(contest),
            "accepting": closed_reason is None,
            "closed_reason": closed_reason,
            "categories": list(contest.categories.all()),
            "tasks": [(task, _task_variables(task)) for task in tasks],
            "hidden_task_count": selectors.hidden_task_count(contest),
            "placeholder_tags": [tag(name) for name in coverage.available],
            "partial_placeholders": [
                (tag(name), tasks_lacking)
                for name, tasks_lacking in coverage.missing_from.items()
                if name in visible_names
            ],
            "my_entries": my_entries,
            "places_left": places_left,
            "can_enter": closed_reason is None and places_left > 0,
        },
    )


def _task_variables(task: SampleTask) -> list[tuple[str, str]]:
    return [(tag(name), str(value)) for name, value in sorted(task.variables.items())]


# --- The entry form -------------------------------------------------------------------------


def _render_form(
    request: AuthenticatedHttpRequest,
    form: EntryForm,
    *,
    contest: Contest,
    entry: Entry | None = None,
    preview: EntryRuns | None = None,
    preview_key: UUID | None = None,
) -> HttpResponse:
    coverage = selectors.contest_placeholders(contest)
    return render(
        request,
        "contest/entry_form.html",
        {
            "form": form,
            "contest": contest,
            "entry": entry,
            "grid": preview,
            "preview_key": preview_key,
            "placeholder_tags": [tag(name) for name in coverage.available],
            "submit_label": (
                _("Submit revision")
                if entry is not None and entry.status == Entry.Status.SUBMITTED
                else _("Submit entry")
            ),
        },
    )


def _entry_try(
    request: AuthenticatedHttpRequest,
    form: EntryForm,
    *,
    contest: Contest,
    entry: Entry | None = None,
) -> HttpResponse:
    """ "試しに実行": run the form's text on the visible sample tasks and show the form again,
    everything typed kept, with the outputs below it. No entry or revision is written."""
    key = None
    if form.is_valid():
        tasks = selectors.tasks_for_entrants(contest)
        if not tasks:
            form.add_error(
                None, _("This contest shows no sample tasks, so there is nothing to try on.")
            )
        else:
            try:
                key = runs_create_preview(
                    user=request.user,
                    system_prompt=form.cleaned_data["system_prompt"],
                    prompt_template=form.cleaned_data["prompt_template"],
                    inputs=preview_inputs_for_tasks(tasks),
                    contest=contest,
                )
            except ValidationError as error:
                entry_posts.refuse_on_form(form, error)
    form.keep_image_for_next_post()
    preview = preview_grid(preview_runs(user=request.user, preview_key=key)) if key else None
    return _render_form(
        request, form, contest=contest, entry=entry, preview=preview, preview_key=key
    )


@uploads.upload_limit(images.MAX_IMAGE_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    contest = selectors.contest_for_viewer(request.user, slug)
    if request.method == "POST":
        return _entry_create_post(request, contest)
    refusal = rules.entry_start_refusal(contest=contest, author=request.user)
    if refusal:
        messages.error(request, refusal)
        return redirect("contest_detail", contest.slug)
    form = EntryForm(contest=contest, author=request.user)
    return _render_form(request, form, contest=contest)


def _entry_create_post(request: AuthenticatedHttpRequest, contest: Contest) -> HttpResponse:
    resent = entry_posts.resent_form_redirect(request)
    if resent is not None:
        return resent
    form = entry_posts.bound_entry_form(request, contest)
    if form.action == ACTION_TRY:
        return _entry_try(request, form, contest=contest)
    if not form.is_valid():
        form.keep_image_for_next_post()
        return _render_form(request, form, contest=contest)
    try:
        entry = services.entry_save(
            contest=contest,
            author=request.user,
            data=form.entry_data(),
            form_token=form.token,
            submit=form.action == ACTION_SUBMIT,
        )
    except services.EntryFormUsedError as used:
        return redirect("entry_detail", used.entry.pk)
    except ValidationError as error:
        entry_posts.refuse_on_form(form, error)
        return _render_form(request, form, contest=contest)
    pending_images.pending_image_delete(author_id=form.author.pk, form_token=form.token)
    return entry_posts.created_entry_redirect(
        request, entry, submitted=form.action == ACTION_SUBMIT
    )


@uploads.upload_limit(images.MAX_IMAGE_BYTES)
@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for_author(request, pk)
    contest = entry.contest
    if request.method == "GET":
        refusal = _change_refusal(entry)
        if refusal:
            messages.error(request, refusal)
            return redirect("entry_detail", entry.pk)
        form = EntryForm(contest=contest, author=request.user, entry=entry)
        return _render_form(request, form, contest=contest, entry=entry)

    form = entry_posts.bound_entry_form(request, contest, entry)
    if form.action == ACTION_TRY:
        return _entry_try(request, form, contest=contest, entry=entry)
    if not form.is_valid():
        form.keep_image_for_next_post()
        return _render_form(request, form, contest=contest, entry=entry)
    previous_revision = entry.revision
    try:
        services.entry_save(
            contest=contest,
            author=request.user,
            data=form.entry_data(),
            form_token=form.token,
            entry=entry,
            submit=form.action == ACTION_SUBMIT,
        )
    except ValidationError as error:
        entry_posts.refuse_on_form(form, error)
        return _render_form(request, form, contest=contest, entry=entry)
    pending_images.pending_image_delete(author_id=form.author.pk, form_token=form.token)
    messages.success(request, _edit_outcome(entry, form.action, previous_revision))
    return redirect("entry_detail", entry.pk)


def _edit_outcome(entry: Entry, action: str, previous_revision: int) -> str:
    if action == ACTION_SUBMIT and entry.revision > previous_revision:
        return _("Revision %(number)d was submitted and is being run on the sample tasks.") % {
            "number": entry.revision
        }
    if action == ACTION_SUBMIT:
        return _(
            "Nothing has changed since revision %(number)d, so it was not submitted again."
        ) % {"number": entry.revision}
    if entry.status == Entry.Status.SUBMITTED:
        return _(
            "Your changes were saved but not submitted: the contest still uses revision "
            "%(number)d until you press “Submit revision”."
        ) % {"number": entry.revision}
    return _("Your draft was saved. It is not entered until you press “Submit entry”.")


@login_required
@require_http_methods(["GET", "POST"])
def entry_withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for_author(request, pk)
    refusal = _change_refusal(entry)
    if refusal:
        messages.error(request, refusal)
        return redirect("entry_detail", entry.pk)
    if request.method == "GET":
        return render(request, "contest/entry_withdraw.html", {"entry": entry})
    try:
        services.entry_withdraw(entry=entry)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("entry_detail", entry.pk)
    messages.success(
        request,
        _("Your entry “%(title)s” was withdrawn. Its pending runs were cancelled.")
        % {"title": entry.title},
    )
    return redirect("contest_detail", entry.contest.slug)


# --- The entry page ---------------------------------------------------------------------------


@login_required
@require_GET
def entry_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = _entry_for_viewer(request, pk)
    revisions = selectors.entry_revisions(entry)
    is_author = entry.author_id == request.user.pk
    can_change = is_author and _change_refusal(entry) is None
    minutes_saved = None
    if entry.minutes_before is not None and entry.minutes_after is not None:
        minutes_saved = entry.minutes_before - entry.minutes_after
    return render(
        request,
        "contest/entry_detail.html",
        {
            "entry": entry,
            "contest": entry.contest,
            "revisions": revisions,
            "is_author": is_author,
            "can_change": can_change,
            "unsubmitted_changes": (
                entry.status == Entry.Status.SUBMITTED
                and selectors.entry_differs_from_revision(
                    entry, revisions[0] if revisions else None
                )
            ),
            "minutes_saved": minutes_saved,
            # The runs are in the first response; htmx polls the partial only while they move.
            "grid": entry_run_grid(entry=entry, viewer=request.user),
            "may_retry": may_retry_runs(entry=entry, user=request.user),
            "submit_label": (
                _("Submit revision")
                if entry.status == Entry.Status.SUBMITTED
                else _("Submit entry")
            ),
            # What later apps add (an entrant's scores once the results are published).
            "sections": extensions.entry_sections_for(request.user, entry),
        },
    )


def serve_image(file: FieldFile) -> FileResponse:
    """An entry's stored image; judging serves the screenshot judges see through it."""
    if not file:
        raise Http404
    # The stored files are our own re-encodings, so the extension is the truth; anything
    # else is never served.
    content_type = IMAGE_TYPES.get(posixpath.splitext(file.name or "")[1].lower())
    if content_type is None:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def entry_image(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    return serve_image(_entry_for_viewer(request, pk).image)


@login_required
@require_GET
def entry_thumbnail(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    return serve_image(_entry_for_viewer(request, pk).thumbnail)


# --- Revisions ------------------------------------------------------------------------------


@login_required
@require_GET
def entry_revision(request: AuthenticatedHttpRequest, pk: int, number: int) -> HttpResponse:
    """An earlier (or the latest) revision as it was submitted, with its own runs."""
    entry = _entry_for_viewer(request, pk)
    revision = selectors.entry_revision(entry, number)
    return render(
        request,
        "contest/entry_revision.html",
        {
            "entry": entry,
            "contest": entry.contest,
            "revision": revision,
            "revisions": selectors.entry_revisions(entry),
            "grid": entry_run_grid(entry=entry, viewer=request.user, revision_number=number),
            "frozen": True,
        },
    )


def _revision_number(value: str | None, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


@login_required
@require_GET
def entry_revision_diff(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Two revisions compared field by field (`?old=1&new=3`; by default the last two)."""
    entry = _entry_for_viewer(request, pk)
    revisions = selectors.entry_revisions(entry)
    if len(revisions) < 2:
        messages.info(request, _("There is only one revision, so there is nothing to compare."))
        return redirect("entry_detail", entry.pk)
    by_number = {revision.number: revision for revision in revisions}
    new = by_number.get(_revision_number(request.GET.get("new"), revisions[0].number))
    old = by_number.get(_revision_number(request.GET.get("old"), revisions[1].number))
    if old is None or new is None:
        raise Http404
    return render(
        request,
        "contest/entry_revision_diff.html",
        {
            "entry": entry,
            "contest": entry.contest,
            "revisions": revisions,
            "old": old,
            "new": new,
            "changes": selectors.revision_diff(old, new),
        },
    )
