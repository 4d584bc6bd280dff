"""Organiser pages of judging, under /judging/organise/<slug>/: the criteria and award tiers,
the assignment matrix, one entry's judging (assignments, sheets and their history), the
blind check and redacted copies. Thin views over judging's services and selectors."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import organiser_required
from contest.models import Contest, Entry
from judging import mails, selectors, services
from judging.assign import selectors as assign_selectors
from judging.assign import services as assign_services
from judging.forms import (
    AddJudgeForm,
    CriterionFormSet,
    RedactionForm,
    TierFormSet,
    WaiveForm,
    criteria_initial,
    formset_rows,
    tiers_initial,
)
from judging.models import Assignment
from judging.rules import assignment_change_refusal, criteria_lock_reason


def _contest_for_organiser(slug: str) -> Contest:
    # Organisers share every contest; anyone else never gets here (organiser_required).
    return get_object_or_404(Contest, slug=slug)


def _assignment_for_organiser(contest: Contest, pk: int) -> Assignment:
    return get_object_or_404(Assignment.objects.select_related("judge"), contest=contest, pk=pk)


def _refusal_messages(request: AuthenticatedHttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# --- Criteria and award tiers ---------------------------------------------------------------


@organiser_required
@require_http_methods(["GET", "POST"])
def judging_criteria(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Edit what entries are scored on and what the contest awards, until scoring starts."""
    contest = _contest_for_organiser(slug)
    locked = criteria_lock_reason(contest)
    criteria = list(contest.criteria.all())
    tiers = list(contest.award_tiers.all())
    posted = request.method == "POST" and not locked
    criterion_forms = CriterionFormSet(
        request.POST if posted else None, initial=criteria_initial(criteria), prefix="criteria"
    )
    tier_forms = TierFormSet(
        request.POST if posted else None, initial=tiers_initial(tiers), prefix="tiers"
    )
    if posted and criterion_forms.is_valid() and tier_forms.is_valid():
        try:
            services.criteria_replace(
                contest=contest,
                criteria=formset_rows(criterion_forms),
                tiers=formset_rows(tier_forms),
            )
        except ValidationError as error:
            _refusal_messages(request, error)
        else:
            messages.success(request, _("The criteria and awards were saved."))
            return redirect("judging_criteria", contest.slug)
    context = {
        "contest": contest,
        "locked": locked,
        "criteria": criteria,
        "tiers": tiers,
        "criterion_forms": criterion_forms,
        "tier_forms": tier_forms,
        "weight_total": sum(c.weight for c in criteria),
    }
    return render(request, "judging/organise/criteria.html", context)


# --- Assignments ----------------------------------------------------------------------------


@organiser_required
@require_http_methods(["GET"])
def judging_assignments(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Entries × judges with each assignment's state, and every judge's progress."""
    contest = _contest_for_organiser(slug)
    matrix = assign_selectors.assignment_matrix(contest, request.GET.get("page"))
    preview = (
        assign_selectors.assignment_preview(contest)
        if contest.status == Contest.Status.OPEN
        else None
    )
    context = {
        "contest": contest,
        "matrix": matrix,
        "preview": preview,
        "can_change": assignment_change_refusal(contest) is None,
    }
    return render(request, "judging/organise/assignments.html", context)


@organiser_required
@require_http_methods(["GET"])
def judging_entry(request: AuthenticatedHttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """One entry's judges, their sheets with every recorded change, and the hand tools."""
    contest = _contest_for_organiser(slug)
    judging = assign_selectors.entry_judging(contest, entry_id)
    context = {
        "contest": contest,
        "judging": judging,
        "add_form": AddJudgeForm(judges=judging.addable),
        "waive_form": WaiveForm(),
        "refusal": assignment_change_refusal(contest),
    }
    return render(request, "judging/organise/entry.html", context)


@organiser_required
@require_POST
def judging_assignment_add(
    request: AuthenticatedHttpRequest, slug: str, entry_id: int
) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    entry = get_object_or_404(Entry.objects.select_related("author"), contest=contest, pk=entry_id)
    form = AddJudgeForm(request.POST, judges=list(contest.judges.all()))
    if not form.is_valid():
        messages.error(request, _("Choose one of the contest's judges."))
    else:
        judge = form.cleaned_data["judge"]
        try:
            assign_services.assignment_add(contest=contest, entry=entry, judge=judge)
        except ValidationError as error:
            _refusal_messages(request, error)
        else:
            messages.success(
                request, _("%(judge)s now scores this entry too.") % {"judge": judge.label}
            )
    return redirect("judging_entry", contest.slug, entry.pk)


@organiser_required
@require_POST
def judging_assignment_remove(
    request: AuthenticatedHttpRequest, slug: str, pk: int
) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    assignment = _assignment_for_organiser(contest, pk)
    try:
        assign_services.assignment_remove(assignment=assignment)
    except ValidationError as error:
        _refusal_messages(request, error)
    else:
        messages.success(
            request,
            _("%(judge)s no longer scores this entry.") % {"judge": assignment.judge.label},
        )
    return redirect("judging_entry", contest.slug, assignment.entry_id)


@organiser_required
@require_POST
def judging_assignment_waive(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    contest = _contest_for_organiser(slug)
    assignment = _assignment_for_organiser(contest, pk)
    form = WaiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why this assignment is waived."))
        return redirect("judging_entry", contest.slug, assignment.entry_id)
    try:
        assign_services.assignment_waive(
            assignment=assignment, reason=form.cleaned_data["reason"], by=request.user
        )
    except ValidationError as error:
        _refusal_messages(request, error)
    else:
        messages.success(
            request,
            _("The assignment of %(judge)s was waived.") % {"judge": assignment.judge.label},
        )
    return redirect("judging_entry", contest.slug, assignment.entry_id)


@organiser_required
@require_POST
def judging_remind(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Mail a reminder to the judges ticked who still have entries to score."""
    contest = _contest_for_organiser(slug)
    if contest.status != Contest.Status.JUDGING:
        messages.error(request, _("Reminders are sent only while the contest is being judged."))
        return redirect("judging_assignments", contest.slug)
    chosen = [int(pk) for pk in request.POST.getlist("judge") if pk.isdigit()]
    if not chosen:
        messages.error(request, _("Tick the judges to remind first."))
        return redirect("judging_assignments", contest.slug)
    reminded = mails.judges_remind(contest=contest, judge_ids=chosen)
    if reminded:
        messages.success(
            request,
            ngettext(
                "A reminder is on its way to %(count)d judge.",
                "Reminders are on their way to %(count)d judges.",
                len(reminded),
            )
            % {"count": len(reminded)},
        )
    else:
        messages.info(request, _("Nobody had entries left to score, so no reminder was sent."))
    return redirect("judging_assignments", contest.slug)


# --- Blind check and redacted copies --------------------------------------------------------


@organiser_required
@require_http_methods(["GET"])
def judging_blind(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Entries whose words or outputs name their author, department or e-mail."""
    contest = _contest_for_organiser(slug)
    rows, checked = selectors.blind_check(contest)
    context = {
        "contest": contest,
        "rows": rows,
        "checked": checked,
        "can_redact": contest.status in (Contest.Status.OPEN, Contest.Status.JUDGING),
    }
    return render(request, "judging/organise/blind.html", context)


@organiser_required
@require_http_methods(["GET", "POST"])
def judging_redaction(request: AuthenticatedHttpRequest, slug: str, entry_id: int) -> HttpResponse:
    """Write the copy of an entry judges read instead of the original (which is kept)."""
    contest = _contest_for_organiser(slug)
    revision, runs = selectors.redaction_subject(contest, entry_id)
    redaction = selectors.redaction_of(revision)
    initial = RedactionForm.initial_for(redaction or revision, runs, redaction)
    form = RedactionForm(
        request.POST if request.method == "POST" else None, runs=runs, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.redaction_save(
                revision=revision,
                fields=form.text_fields(),
                outputs=form.outputs(),
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The redacted copy was saved. Judges now read it."))
            return redirect("judging_blind", contest.slug)
    context = {
        "contest": contest,
        "revision": revision,
        "redaction": redaction,
        "form": form,
        "findings": selectors.blind_findings(revision, runs),
    }
    return render(request, "judging/organise/redaction.html", context)
