"""The judge's pages: the queue, the score sheet, the screenshot. Thin: the rules live in
`judging.services` and `judging.rules`, the reads in `judging.selectors`.

A judge reaches only their own assignments: anything else is 404, so neither another
judge's sheet nor an entry they were not given is known to exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from contest.views import serve_image
from judging import selectors, services
from judging.forms import ACTION_SUBMIT, ScoreSheetForm
from judging.models import Assignment
from judging.rules import sheet_change_refusal


def _assignment_for_judge(request: AuthenticatedHttpRequest, pk: int) -> Assignment:
    return selectors.assignment_for_judge(request.user, pk)


@login_required
@require_GET
def judging_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The entries given to this person to score, per contest, next unscored first."""
    queues, waiting = selectors.judge_queues(request.user)
    return render(request, "judging/home.html", {"queues": queues, "waiting": waiting})


def _sheet_form(
    request: AuthenticatedHttpRequest, assignment: Assignment, *, bound: bool
) -> ScoreSheetForm:
    sheet = selectors.sheet_of(assignment)
    return ScoreSheetForm(
        request.POST if bound else None,
        criteria=selectors.contest_criteria(assignment.contest),
        scores=selectors.sheet_scores(assignment),
        overall_comment=sheet.overall_comment if sheet else "",
    )


def _render_sheet(
    request: AuthenticatedHttpRequest,
    assignment: Assignment,
    form: ScoreSheetForm,
    status: int = 200,
) -> HttpResponse:
    queue = selectors.judge_contest_queue(request.user, assignment.contest_id)
    position, previous, following = queue.neighbours(assignment.pk)
    sheet = selectors.sheet_of(assignment)
    context = {
        "assignment": assignment,
        "contest": assignment.contest,
        "entry": selectors.blind_entry(assignment),
        "tasks": selectors.sheet_runs(assignment),
        "form": form,
        "sheet": sheet,
        "submitted": assignment.status == Assignment.Status.SUBMITTED,
        "state": selectors.sheet_state(assignment),
        "refusal": sheet_change_refusal(assignment, assignment.contest),
        "queue": queue,
        "position": position,
        "previous": previous,
        "following": following,
    }
    return render(request, "judging/sheet.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def judging_sheet(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The score sheet. POST `action=save` keeps a draft (htmx autosave sends it on every
    change and gets the status line back); `action=submit` submits or changes the sheet."""
    assignment = _assignment_for_judge(request, pk)
    if request.method == "GET":
        return _render_sheet(request, assignment, _sheet_form(request, assignment, bound=False))
    form = _sheet_form(request, assignment, bound=True)
    submitting = request.POST.get("action") == ACTION_SUBMIT
    if request.htmx and not submitting:
        return _autosave(request, assignment, form)
    if not form.is_valid():
        return _render_sheet(request, assignment, form, status=400)
    try:
        if submitting:
            outcome = services.sheet_submit(
                assignment=assignment, data=form.sheet_input(), by=request.user
            )
        else:
            services.sheet_save_draft(
                assignment=assignment, data=form.sheet_input(), by=request.user
            )
    except ValidationError as error:
        form.refuse(error)
        return _render_sheet(request, assignment, form, status=400)
    if not submitting:
        messages.success(request, _("Your draft was saved. It counts once you submit it."))
        return redirect("judging_sheet", assignment.pk)
    if outcome != services.SheetOutcome.SUBMITTED:
        messages.success(request, _changed_message(outcome))
        return redirect("judging_sheet", assignment.pk)
    following = selectors.judge_contest_queue(request.user, assignment.contest_id).next
    if following is None:
        messages.success(request, _("Your scores were submitted: every sheet is in. Thank you!"))
        return redirect("judging_home")
    messages.success(request, _("Your scores were submitted. Here is the next entry to score."))
    return redirect("judging_sheet", following.assignment.pk)


def _changed_message(outcome: services.SheetOutcome) -> str:
    if outcome == services.SheetOutcome.CHANGED:
        return _("Your changes were saved and recorded.")
    return _("Nothing had changed, so nothing was recorded.")


def _autosave(
    request: AuthenticatedHttpRequest, assignment: Assignment, form: ScoreSheetForm
) -> HttpResponse:
    """The draft as typed so far, saved; the answer is the status line htmx swaps in."""
    problems: list[str] = []
    if form.is_valid():
        try:
            services.sheet_save_draft(
                assignment=assignment, data=form.sheet_input(), by=request.user
            )
        except ValidationError as error:
            problems = error.messages
    else:
        problems = [str(message) for errors in form.errors.values() for message in errors]
    return render(request, "judging/_autosave_status.html", {"problems": problems})


def _image(request: AuthenticatedHttpRequest, pk: int, *, thumbnail: bool) -> FileResponse:
    entry = _assignment_for_judge(request, pk).entry
    return serve_image(entry.thumbnail if thumbnail else entry.image)


@login_required
@require_GET
def judging_sheet_image(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """The entry's screenshot, for the judge it is assigned to only."""
    return _image(request, pk, thumbnail=False)


@login_required
@require_GET
def judging_sheet_thumbnail(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    return _image(request, pk, thumbnail=True)
